"""The timeline: the sourced rows of timeline_sourced.csv, and the "still no R2" marker
placed here on the date V3.2 shipped, the last check the sources allow."""

from sitegen import derive


def load(data):
    facts = data["timeline_sourced"]
    v32 = facts.row("v32-release")
    return [*facts, derive(
        v32, id="r2-not-released", group="r2", lane=v32.lane, label="Still no R2",
        date=v32.date, event="DeepSeek-R2 not released by V3.2", kind_of_event="model",
        actual_date=v32.actual_date, status="not released",
        note="last check in the facts: V3.2 shipped on this date with still no R2 (note of "
             "v32-release; R2 row: not released as of 2025-12)")]
