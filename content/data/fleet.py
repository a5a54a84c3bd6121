"""The fleet chart's table: the sourced rows of fleet_sourced.csv, and the H20 remainder
computed here from SemiAnalysis's total (in shipments) and its H800 and H100 counts."""

from sitegen import derive


def load(data):
    facts = data["fleet_sourced"]
    rows = list(facts)
    hopper = data["shipments"].row("deepseek-hopper")
    h800, h100 = facts.row("sa-h800"), facts.row("sa-h100")
    left = hopper.value - h800.value - h100.value
    index = next(i for i, row in enumerate(rows) if row["id"] == "sa-h100")
    rows.insert(index + 1, derive(
        hopper, h800, h100, id="sa-h20", bar=h800.bar, chip="H20", order=h800.order,
        series="DeepSeek H20 GPUs", period=h800.period, value=left, unit=h800.unit,
        approx="no",
        note=f"SemiAnalysis itself only said 'additional H20'; {left // 1000}k is the "
             f"remainder of {hopper.value // 1000}k minus {h800.value // 1000}k H800 and "
             f"{h100.value // 1000}k H100"))
    return rows
