"""Export controls and DeepSeek's model releases on one time axis (delays page).

One lane per actor, one point per event in the `timeline` dataset. Only a few events carry a
text label (the rest are in the tooltips); labels that would overlap in a lane are staggered
onto a second or third line, and late labels are drawn leftwards so they stay in the plot.
"""

import datetime as dt

import altair as alt

LANES = ["US government", "Beijing", "Nvidia", "DeepSeek"]

# Events labelled on the chart; every other event is a point with a tooltip.
LABELLED = {
    "ec-2022-10", "ec-2023-10", "ec-2024-12", "h20-licence-req",
    "beijing-discourages-h20", "h20-production-halt",
    "v3-release", "r1-release", "r2-planned", "r2-ascend-report", "r2-not-released",
}

DOMAIN = (dt.date(2022, 9, 1), dt.date(2026, 1, 31))
# Rough label geometry for a plot about 600 px wide: days of axis one character covers.
DAYS_PER_CHAR = 6.5 * (DOMAIN[1] - DOMAIN[0]).days / 600
# Labels of events after this date are drawn to the left of their point, inside the plot.
RIGHT_ALIGN_AFTER = dt.date(2025, 6, 1)
LINES = 4

SHAPES = {"deepseek-release": "circle", "r2": "diamond"}


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _span(row):
    """The stretch of the time axis (first day, last day) a row's label covers."""
    days = dt.timedelta(days=(len(row["label"]) + 2) * DAYS_PER_CHAR)
    if row["date"] > RIGHT_ALIGN_AFTER:
        return row["date"] - days, row["date"]
    return row["date"], row["date"] + days


def _stagger(rows):
    """Give each labelled row a line (0 nearest the point) so labels in a lane do not overlap."""
    taken = {}
    for row in sorted(rows, key=lambda r: (r["lane"], r["date"])):
        if row["id"] not in LABELLED:
            continue
        start, end = _span(row)
        row["line"] = LINES - 1
        for line in range(LINES):
            spans = taken.setdefault((row["lane"], line), [])
            if all(end < s or start > e for s, e in spans):
                row["line"] = line
                break
        taken.setdefault((row["lane"], row["line"]), []).append((start, end))


def chart(data):
    rows = [dict(row) for row in data["timeline"]]
    _stagger(rows)
    values = []
    for row in rows:
        values.append({
            "id": row["id"],
            "lane": row["lane"],
            "label": row["label"],
            "date": _iso(row["date"]),
            "planned_date": _iso(row["planned_date"]),
            "actual_date": _iso(row["actual_date"]),
            "status": row["status"],
            "kind": row["kind"],
            "event": row["event"],
            "shape": SHAPES.get(row["group"], "square"),
            "planned": row["planned_date"] is not None and row["actual_date"] is None,
            "line": row.get("line"),
            "align": "right" if row["date"] > RIGHT_ALIGN_AFTER else "left",
            "source_title": row["source_title"],
            "note": row["note"] or "",
        })

    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("date:T", title=None,
                scale=alt.Scale(domain=[DOMAIN[0].isoformat(), DOMAIN[1].isoformat()]),
                axis=alt.Axis(format="%b %Y", tickCount=8)),
        y=alt.Y("lane:N", sort=LANES, title=None,
                axis=alt.Axis(labelFontWeight="bold", labelLimit=140)),
    )
    tooltip = [
        alt.Tooltip("event:N", title="Event"),
        alt.Tooltip("date:T", title="Date", format="%-d %B %Y"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("kind:N", title="Kind"),
        alt.Tooltip("source_title:N", title="Source"),
        alt.Tooltip("note:N", title="Note"),
    ]
    lane_colours = alt.Color(
        "lane:N", sort=LANES, legend=None,
        scale=alt.Scale(domain=LANES, range=["#1f5f8b", "#c0392b", "#5a8f29", "#e3a13b"]),
    )
    points = base.mark_point(size=110, strokeWidth=2).encode(
        color=lane_colours,
        shape=alt.Shape("shape:N", scale=None),
        fill=alt.condition("datum.planned", alt.value("white"), lane_colours),
        tooltip=tooltip,
    )
    labels = [
        base.transform_filter(f"datum.line == {line} && datum.align == '{align}'").mark_text(
            align=align, dx=7 if align == "left" else -7, dy=-12 - 13 * line,
            fontSize=11,
        ).encode(text="label:N")
        for line in range(LINES)
        for align in ("left", "right")
    ]
    # Thin leaders from a point up to a label that had to move off the first line. They are
    # decoration, so they stay out of the accessibility tree (an unnamed graphics-symbol fails
    # axe's svg-img-alt).
    leaders = [
        base.transform_filter(f"datum.line == {line}").mark_rule(
            yOffset=-7, y2Offset=-8 - 13 * line, color="#999999", strokeWidth=1, aria=False,
        ).encode(y2="lane:N")
        for line in range(1, LINES)
    ]
    return alt.layer(*leaders, points, *labels).properties(
        width="container",
        height=340,
        title="US and Chinese chip rules against DeepSeek's model releases",
    )
