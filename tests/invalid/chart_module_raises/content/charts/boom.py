import altair as alt


def chart(data):
    rows = list(data["shipments"])
    total = sum(row["units"] for row in rows)
    share = rows[0]["units"] / (total - total)
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="period:O", y="units:Q")
