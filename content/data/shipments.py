"""The shipments table: the sourced rows of shipments_sourced.csv, and the rows computed here
from them (each names its inputs in derived_from and carries their sources)."""

from sitegen import derive


def load(data):
    facts = data["shipments_sourced"]
    rows = list(facts)
    fy25, nine = facts.row("china-fy25"), facts.row("china-fy25-9m")
    insert_after(rows, "china-fy25-9m", derive(
        fy25, nine, id="china-fy25-q4", group="nvidia-china-revenue",
        series="Nvidia China revenue", period="FY25 Q4",
        value=round(fy25.value - nine.value, 2), unit=fy25.unit, approx="yes",
        note=f"computed here: FY25 total {fy25.value} (china-fy25) minus nine-month total "
             f"{nine.value} (china-fy25-9m); dated by the later of its two sources"))
    other, reportify = facts.row("china-fy26-q3-opencapital"), facts.row("china-fy26-q3")
    insert_after(rows, "china-fy26-q3-opencapital", derive(
        other, reportify, id="china-fy26-q3-gap", group="nvidia-china-revenue-gap",
        series="Nvidia China revenue FY26 Q3: OpenCapital minus Reportify", period="FY26 Q3",
        value=round(other.value - reportify.value, 2), unit=other.unit, approx="no",
        note=f"computed here: {other.value} (china-fy26-q3-opencapital) minus "
             f"{reportify.value} (china-fy26-q3)"))
    hopper, h800, h100 = (facts.row(f"deepseek-{chip}") for chip in ("hopper", "h800", "h100"))
    insert_after(rows, "deepseek-h100", derive(
        hopper, h800, h100, id="deepseek-h20", group="deepseek-fleet",
        series="DeepSeek H20 GPUs", period=hopper.period, value=remainder(hopper, h800, h100),
        unit=hopper.unit, approx="no", note=remainder_note(hopper, h800, h100)))
    return rows


def remainder(total, *parts):
    """What is left of a total once its named parts are taken away."""
    return total.value - sum(part.value for part in parts)


def remainder_note(total, h800, h100):
    """The note of the H20 remainder, in thousands as the sources give them."""
    left = remainder(total, h800, h100)
    return (f"SemiAnalysis itself only said 'additional H20'; {left // 1000}k is the remainder "
            f"of {total.value // 1000}k minus {h800.value // 1000}k H800 and "
            f"{h100.value // 1000}k H100")


def insert_after(rows, row_id, row):
    """Put a computed row after the row it belongs with, keeping the table's order."""
    index = next(i for i, other in enumerate(rows) if other["id"] == row_id)
    rows.insert(index + 1, row)
