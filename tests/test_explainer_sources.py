"""The explainer's data rows name a dated source that could have been read when the pages were.

Every number on the site traces to a row of content/data/, and each row says where it came
from: an outlet (`source_title`), an address (`source_url`) and the date of that source
(`source_date`). A row missing one cannot be checked by a reader, and a source dated after the
pages that cite it cannot be what they were written from. The one exception is a page that
carries no date at all (an aggregator updated as filings arrive): it says `undated`, and its
note says why. Reads the datasets as a build makes them (the data files, and the loaders'
results holding the rows computed from them), without building pages.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml
from conftest import REPO
from explainer_data import explainer_datasets, explainer_problems

CONTENT = REPO / "content"
SOURCE_COLUMNS = ("source_title", "source_url", "source_date")
UNDATED = "undated"
# The forms a source date takes in the data: a day, a month, a quarter or a year.
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4]))?\Z")


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def data_rows() -> list[tuple[str, dict[str, str]]]:
    """(file:id, row as text) for every row of every table that has source columns: the
    data files' rows and the loaders' (derived rows among them)."""
    rows = []
    for _, dataset in sorted(explainer_datasets().items()):
        if "source_url" not in dataset.columns:
            continue
        for row in dataset.rows:
            text = {key: _text(value) for key, value in row.values.items()}
            rows.append((f"{dataset.path}:{text.get('id', '?')}", text))
    return rows


def earliest_day(source_date: str) -> str | None:
    """The first day (ISO) a source date can mean: 2024-Q2 is 2024-04-01, 2025 is 2025-01-01."""
    match = _DATE.match(source_date)
    if not match:
        return None
    year, month, day, quarter = match.groups()
    if quarter:
        month = f"{(int(quarter) - 1) * 3 + 1:02d}"
    return f"{year}-{month or '01'}-{day or '01'}"


def newest_page_date() -> str:
    dates = []
    for path in CONTENT.glob("*.md"):
        front = path.read_text(encoding="utf-8").split("---", 2)[1]
        value = (yaml.safe_load(front) or {}).get("date")
        if value:
            dates.append(str(value))
    return max(dates)


def test_source_dates_are_read_as_their_first_day() -> None:
    assert earliest_day("2024-05-24") == "2024-05-24"
    assert earliest_day("2025-11") == "2025-11-01"
    assert earliest_day("2024-Q2") == "2024-04-01"
    assert earliest_day("2026") == "2026-01-01"
    assert earliest_day("mid-2024") is None


def test_every_data_row_names_its_source_and_the_date_of_that_source() -> None:
    rows = data_rows()
    assert rows, "no data rows in content/data/"
    missing = [
        f"{where}: no {column}" for where, row in rows for column in SOURCE_COLUMNS
        if not (row.get(column) or "").strip()
    ]
    assert not missing, "rows without a source (" + ", ".join(SOURCE_COLUMNS) + "):\n" + (
        "\n".join(missing))


def test_every_derived_row_is_computed_by_a_loader_and_names_what_it_came_from() -> None:
    derived = [(where, row) for where, row in data_rows() if "derived" in row["kind"]]
    assert len(derived) >= 11
    for where, row in derived:
        assert where.endswith(".py:" + row["id"]), f"{where}: a derived row typed into a file"
        assert row["derived_from"].strip(), f"{where}: names no rows it came from"


def test_loading_the_data_says_nothing_about_missing_sources() -> None:
    assert [p.format() for p in explainer_problems()] == []


def test_no_source_is_dated_after_the_pages_that_cite_it() -> None:
    pages = newest_page_date()
    wrong = []
    for where, row in data_rows():
        date = row["source_date"].strip()
        if date == UNDATED:
            if "no date" not in row.get("note", ""):
                wrong.append(f"{where}: undated, but the note does not say the page has no date")
            continue
        first = earliest_day(date)
        if first is None:
            wrong.append(f"{where}: source_date {date!r} is not a date, month, quarter or year")
        elif first > pages:
            wrong.append(f"{where}: source_date {date} is after the pages' date {pages}")
    assert not wrong, "\n".join(wrong)
