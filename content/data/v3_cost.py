"""DeepSeek-V3's training cost by stage: the report's rows (v3_cost_sourced.csv), and its
total recomputed here as the stages' GPU-hours times the rate, a check on the report."""

from sitegen import derive


def load(data):
    facts = data["v3_cost_sourced"]
    stages = [row for row in facts.rows if row.group == "stage"]
    rates = {row.rate_usd for row in stages}
    if len(rates) != 1:
        raise ValueError(f"the stages are priced at different rates: {sorted(rates)}")
    rate = rates.pop()
    hours = sum(row.gpu_hours for row in stages)
    cost = round(hours * rate / 1_000_000, 3)
    check = "matches" if cost == facts.row("total").value else "differs from"
    return [*facts, derive(
        *stages, id="total-computed", group="check",
        stage="Total, recomputed: GPU-hours x rate", gpu_hours=hours, rate_usd=rate,
        series=facts.row("total").series, period=stages[0].period, value=cost, unit="USD m",
        approx="no",
        note=f"computed here: gpu_hours x rate_usd / 1e6 = {cost}; {check} the report's total")]
