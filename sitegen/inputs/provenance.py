"""Provenance through data loaders: a row computed from other rows names them and carries
their sources, and a row that names no source is said.

A loader computing a row calls `derive` (`from sitegen import derive`) with the rows it used,
as `data["name"].row("id")` gives them, and the row's own values. The new row's
`derived_from` names those rows (`id` when the loader's result passes the row through
unchanged, else `dataset.id`), its source columns join theirs (each source once, the
latest-dated first: its URL and date are the row's, "dated by the later of its sources"), and
its `kind` is marked `(derived)`. Rows a loader passes through keep their own columns. A row
made here remembers the loader line that made it, so problems about it are placed there.

`source_problems` is the check of a build's tables (warnings, errors with `--strict`): in a
table with source columns, each row naming no source; a loader's result with none at all,
when the loader read rows that had them (their provenance was dropped).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sitegen.errors import Problem
from sitegen.inputs.data import Dataset, Row

DERIVED_COLUMN = "derived_from"
SOURCE_COLUMNS = ("source_title", "source_url", "source_date")
_NAMING = ("source_title", "source", "source_url")
"""The columns that name a source (`source` is the short form of `source_title`)."""
_MARK = "(derived)"
_SHOWN = 5
"""Rows without a source said one by one in a table; the rest are counted."""
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4]))?\Z")


class Derived(dict[str, Any]):
    """A row made by `derive`: a plain dict to the loader, remembering the loader line that
    made it and the rows it came from (dataset, id, values)."""

    line: int
    origins: tuple[tuple[str, str, Mapping[str, Any]], ...]


def derive(*rows: Row, **values: Any) -> dict[str, Any]:
    """A row computed from rows: values as given (an `id` among them), `derived_from`
    naming the rows, their sources joined, and `kind` marked `(derived)` (the rows' common
    kind unless `kind=` says it). TypeError for anything that is not a dataset's row."""
    if not rows:
        raise TypeError("derive() needs the rows the value was computed from: "
                        "derive(data['name'].row('id'), ..., id=..., value=...)")
    origins = tuple(_origin(row) for row in rows)
    given = sorted(set(values) & {*SOURCE_COLUMNS, "source", DERIVED_COLUMN})
    if given:
        raise TypeError(f"derive() sets {', '.join(given)} from the rows it is given; "
                        "leave them out")
    if values.get("id") in (None, ""):
        raise TypeError("derive() needs id=...: the derived row is looked up by its id")
    made = Derived(values)
    made["kind"] = _kind(values.get("kind"), [row.values.get("kind") for row in rows])
    made.update(joined_sources(row.values for row in rows))
    made[DERIVED_COLUMN] = " ".join(f"{name}.{row_id}" for name, row_id, _ in origins)
    made.line = sys._getframe(1).f_lineno
    made.origins = origins
    return made


def _origin(row: Any) -> tuple[str, str, Mapping[str, Any]]:
    if not isinstance(row, Row) or not row._dataset:
        shown = "a dict" if isinstance(row, dict) else f"a {type(row).__name__}"
        raise TypeError(f"derive() takes rows as data['name'].row('id') gives them, not {shown} "
                        "(a row knows which dataset it is from; a dict does not)")
    row_id = row.values.get("id")
    if row_id in (None, ""):
        raise TypeError(f"derive() was given a row of '{row._dataset}' with no id, which "
                        "derived_from cannot name; give the rows of that table an 'id' column")
    return row._dataset, str(row_id), row.values


def _kind(given: Any, kinds: Sequence[Any]) -> str:
    """The derived row's kind: the one given or the rows' common one, marked (derived)."""
    if given is None:
        found = sorted({_plain_kind(kind) for kind in kinds} - {""})
        if len(found) > 1:
            raise TypeError(f"derive(): the rows are of different kinds ({', '.join(found)}); "
                            "say which this row is with kind=...")
        given = found[0] if found else ""
    text = str(given).strip()
    unverified = any("unverified" in str(kind or "") for kind in kinds)
    if unverified and "unverified" not in text:
        text = f"{text} (unverified)".strip()
    return text if "derived" in text else f"{text} {_MARK}".strip()


def _plain_kind(kind: Any) -> str:
    return re.sub(r"\s*\((derived|unverified)\)", "", str(kind or "")).strip()


def joined_sources(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The source columns of a row built from rows: each source once, the latest-dated
    first; titles joined with "; ", the URL and date of the latest (None where none)."""
    seen: dict[tuple[str, str], tuple[str, Any, Any]] = {}
    for values in rows:
        title = _text(values.get("source_title") or values.get("source"))
        url = _text(values.get("source_url"))
        if title or url:
            seen.setdefault((title, url), (title, values.get("source_url"),
                                           values.get("source_date")))
    ordered = sorted(seen.values(), key=lambda source: _latest_day(source[2]), reverse=True)
    if not ordered:
        return dict.fromkeys(SOURCE_COLUMNS)
    first = ordered[0]
    titles = "; ".join(t for t, _, _ in ordered if t)
    return {"source_title": titles or None, "source_url": first[1] or None,
            "source_date": first[2]}


def _latest_day(date: Any) -> tuple[int, int, int]:
    """The last day a source date can mean (2025 -> 2025-12-31), so the later source sorts
    first; an undated source sorts last."""
    if isinstance(date, dt.date):
        return (date.year, date.month, date.day)
    match = _PERIOD.match(_text(date))
    if match is None:
        return (0, 0, 0)
    year, month, day, quarter = match.groups()
    last_month = int(quarter) * 3 if quarter else int(month or 12)
    return (int(year), last_month, int(day or 31))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()


# --- in the child: a loader's rows made plain --------------------------------------------


def named_in_result(rows: Sequence[Any], plain: list[Any]) -> dict[int, int]:
    """For a loader's result (rows as returned, and as plain data): name each derived row's
    origins by bare id where the result passes that row through unchanged, and give the
    line that made each derived row (by position)."""
    passed = {str(row.get("id")): row for row in plain if isinstance(row, dict)}
    lines: dict[int, int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Derived) or not isinstance(plain[index], dict):
            continue
        lines[index] = row.line
        plain[index][DERIVED_COLUMN] = " ".join(
            row_id if passed.get(row_id) == dict(values) else f"{name}.{row_id}"
            for name, row_id, values in row.origins)
    return lines


# --- in the parent: rows that name no source ---------------------------------------------


def names_source(values: Mapping[str, Any]) -> bool:
    """Whether a row names a source (a title or a URL)."""
    return any(_text(values.get(column)) for column in _NAMING)


def source_problems(dataset: Dataset, read: Sequence[Dataset] = ()) -> list[Problem]:
    """What a table says of its sources, as warnings: each row naming none, when the table
    has source columns (for a loader's result, read: the datasets it read, not the rows it
    passed through unchanged, said at their own file); for a loader's result with no source
    column, one warning when what it read had them."""
    if not dataset.is_table:
        return []
    if not any(column in dataset.columns for column in _NAMING):
        sourced = [ds.name for ds in read if ds.is_table
                   and any(column in ds.columns for column in _NAMING)]
        if not sourced or not dataset.rows:
            return []
        return [Problem(
            f"the loader's {len(dataset.rows)} rows name no source, though the rows it read "
            f"({', '.join(sorted(sourced))}) do", dataset.path, dataset.rows[0].line, None,
            "pass the source columns through, or make computed rows with sitegen's "
            "derive(), which carries them")]
    said: dict[str, list[Mapping[str, Any]]] = {}
    for other in read:
        for row in other.rows if other.is_table else ():
            if not names_source(row.values):
                said.setdefault(str(row.values.get("id")), []).append(row.values)
    missing = [row for row in dataset.rows if not names_source(row.values)
               and not _passed(row.values, said.get(str(row.values.get("id")), []))]
    problems = [Problem(
        f"the row {_row_name(row)}names no source", dataset.path, row.line, None,
        "fill in source_title and source_url (and source_date), or, for a row computed "
        "here, make it with derive() from the rows it came from") for row in missing[:_SHOWN]]
    if len(missing) > _SHOWN:
        problems.append(Problem(
            f"{len(missing) - _SHOWN} more rows of '{dataset.name}' name no source",
            dataset.path, missing[_SHOWN].line, None, "every row shown needs a source"))
    return problems


def _passed(values: Mapping[str, Any], origins: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a loader's row is one it read, passed through (its new columns empty): such a
    row is said once, at its own file."""
    return any(all(values.get(key) == value for key, value in origin.items())
               and all(values[key] is None for key in values.keys() - origin.keys())
               for origin in origins)


def _row_name(row: Row) -> str:
    row_id = row.values.get("id")
    return f"'{row_id}' " if row_id not in (None, "") else ""
