"""Sales by group, with a legend that picks a group and a brush over the values."""

import altair as alt


def chart(data):
    rows = list(data["shipments"])
    pick = alt.selection_point(fields=["group"], bind="legend")
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar().encode(
        x="period:O", y="sum(value):Q", color="group:N",
        opacity=alt.condition(pick, alt.value(1), alt.value(0.3)),
        tooltip=["group:N", "sum(value):Q"],
    ).add_params(pick)
    return bars.properties(title=alt.Title("Sales by group", subtitle="Billions of dollars"))
