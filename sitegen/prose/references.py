"""A page's references: every source its numbers and charts used, numbered in the order the
reader meets them, each listed once.

A value `{{ dataset.row.column }}` cites its row's source; a chart cites the sources of the
rows it draws. Both come from the rows' `source_title` (or `source`), `source_url`,
`source_date` and `kind` columns, so the list cannot disagree with the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sitegen.errors import InputError
from sitegen.inputs import Dataset, Row, Value, is_web_address

_PATH_EXPRESSION = re.compile(r"\s*([\w-]+)((?:\.[\w-]+)+)")


@dataclass(frozen=True)
class SourceRef:
    """One source as a references list shows it."""

    title: str
    url: str
    date: str
    kind: str

    @property
    def is_link(self) -> bool:
        """Whether the URL may be a link (a web address, not free text)."""
        return is_web_address(self.url)


def row_source(row: Row) -> SourceRef | None:
    """The source a row names, or None for a row that names none."""
    values = row.values
    title = _text(values.get("source_title") or values.get("source"))
    url = _text(values.get("source_url"))
    if not (title or url):
        return None
    return SourceRef(title or re.sub(r"^https?://(www\.)?", "", url).split("/")[0], url,
                     _text(values.get("source_date")), _text(values.get("kind")))


def expression_row(expression: str, datasets: Mapping[str, Dataset],
                   ) -> tuple[Dataset, Row, Value] | None:
    """The dataset, row and value a value expression reads, or None if it reads no row
    (a value of a mapping, or one that cannot be found)."""
    match = _PATH_EXPRESSION.match(expression)
    dataset = datasets.get(match.group(1)) if match else None
    if match is None or dataset is None:
        return None
    try:
        found = dataset.lookup(match.group(2)[1:].split("."))
    except InputError:
        return None
    return (dataset, found.row, found.value) if found.row is not None else None


def value_source(expression: str, datasets: Mapping[str, Dataset]) -> SourceRef | None:
    """The source of the row a value expression reads, if it reads a row that names one."""
    found = expression_row(expression, datasets)
    return row_source(found[1]) if found else None


def rows_sources(rows: Iterable[Row]) -> tuple[SourceRef, ...]:
    """The distinct sources of some rows, in their order."""
    return distinct(source for row in rows if (source := row_source(row)) is not None)


def distinct(sources: Iterable[SourceRef | None]) -> tuple[SourceRef, ...]:
    """Each source once (by title and URL), where it first appears."""
    seen: dict[tuple[str, str], SourceRef] = {}
    for source in sources:
        if source is not None:
            seen.setdefault((source.title, source.url), source)
    return tuple(seen.values())


def page_references(order: Sequence[tuple[str, int]], values: Sequence[SourceRef | None],
                    charts: Sequence[Sequence[SourceRef]]) -> tuple[SourceRef, ...]:
    """The page's list: order holds the page's placeholders as (kind, index), E or V for a
    value and C for a chart, in the order they stand in the text."""
    found: list[SourceRef | None] = []
    for kind, index in order:
        if kind in "EV" and index < len(values):
            found.append(values[index])
        elif kind == "C" and index < len(charts):
            found.extend(charts[index])
    return distinct(found)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class RowUse:
    """A row a page shows: its dataset and id, and the figure showing it ("" for the text)."""

    dataset: str
    row: str
    figure: str = ""
    number: int = 0  # the figure's number on its page


def page_rows(order: Sequence[tuple[str, int]], values: Sequence[tuple[str, str] | None],
              charts: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> tuple[RowUse, ...]:
    """Each row the page's values and charts show, once per place, in reading order."""
    found: dict[RowUse, None] = {}
    for kind, index in order:
        if kind in "EV" and index < len(values) and values[index] is not None:
            found[RowUse(*values[index])] = None  # type: ignore[misc]
        elif kind == "C" and index < len(charts):
            figure, rows = charts[index]
            for dataset, row in rows:
                found[RowUse(dataset, row, figure, index + 1)] = None
    return tuple(found)
