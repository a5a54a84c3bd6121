"""Training, prices and charges: the sourced rows of costs_sourced.csv, and the rows computed
here from them (the V3 run's cost, the H20 charge's gap, the US share of Q3's H20 sales)."""

from sitegen import derive


def load(data):
    facts = data["costs_sourced"]
    rows = list(facts)
    hours, rate = facts.row("v3-total-gpuh"), facts.row("v3-rental-price")
    cost = hours.value * rate.value
    quoted = facts.row("v3-run-cost").value
    check = "matches" if cost == round(quoted * 1_000_000) else "differs from"
    insert_after(rows, "v3-run-cost", derive(
        hours, rate, id="v3-run-cost-computed", group="v3-arithmetic",
        series="DeepSeek-V3 final training run cost", period=hours.period, value=cost,
        unit="USD", approx="no",
        note=f"computed here: {hours.value:,} H800 GPU-hours (v3-total-gpuh) x "
             f"${rate.value:,} per GPU-hour (v3-rental-price) = ${cost:,}; {check} "
             "v3-run-cost"))
    guided, taken = facts.row("h20-charge-guided"), facts.row("h20-charge-actual")
    insert_after(rows, "h20-charge-actual", derive(
        guided, taken, id="h20-charge-gap", group="h20-charge-gap",
        series="Nvidia H20 charge: guided minus taken", period=taken.period,
        value=round(guided.value - taken.value, 2), unit=taken.unit, approx="no",
        note=f"computed here: {guided.value} (h20-charge-guided) minus {taken.value} "
             "(h20-charge-actual)"))
    share, revenue = facts.row("us-share-h20"), data["shipments"].row("h20-rev-fy26q3")
    insert_after(rows, "h20-china-potential-q3", derive(
        share, revenue, id="us-payment-on-q3-actual", group="us-payment-actual",
        series="15% of Nvidia's FY26 Q3 H20 revenue", period=revenue.period,
        value=round(share.value / 100 * revenue.value * 1000, 2), unit="USD m", approx="yes",
        note=f"computed here: {share.value}% (us-share-h20) x about ${revenue.value}B of "
             "FY26 Q3 H20 revenue (shipments h20-rev-fy26q3); an upper bound on the US share "
             "of that quarter's H20 sales"))
    return rows


def insert_after(rows, row_id, row):
    """Put a computed row after the row it belongs with, keeping the table's order."""
    index = next(i for i, other in enumerate(rows) if other["id"] == row_id)
    rows.insert(index + 1, row)
