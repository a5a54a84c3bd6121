"""Huawei's 2025 output estimates: the sourced rows of huawei_2025_sourced.csv, and the FT
plan's total and the spread of the estimates, computed here from them."""

from sitegen import derive


def load(data):
    facts = data["huawei_2025_sourced"]
    rows = list(facts)
    c, b = facts.row("ft-910c"), facts.row("ft-910b")
    total = derive(
        c, b, id="ft-total", group="total", estimate=c.estimate, chip="910B + 910C",
        order=c.order, series="Huawei Ascend 910B + 910C plan", period=c.period,
        value=c.value + b.value, unit=c.unit, approx="no",
        note=f"computed here: {c.value:,} 910C (ft-910c) + {b.value:,} 910B (ft-910b)")
    high, low = facts.row("notebookcheck-910c"), facts.row("commerce-cap")
    ratio = derive(
        high, low, id="ratio-high-low", group="ratio", estimate="Highest over lowest",
        order=9, series="Highest 2025 estimate (Notebookcheck) over lowest "
                        "(US Commerce upper bound)",
        period=high.period, value=round(high.value / low.value, 2), unit="ratio",
        approx="no",
        note=f"computed here: {high.value:,} (notebookcheck-910c) / {low.value:,} "
             f"(commerce-cap) = {high.value / low.value:g}, rounded")
    index = next(i for i, row in enumerate(rows) if row["id"] == "notebookcheck-910c")
    rows[index + 1:index + 1] = [total, ratio]
    return rows
