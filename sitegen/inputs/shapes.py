"""What a data file's value is: a table, a map or a plain value, said in words, and typed.

A table is a list of rows (mappings), or a mapping of mappings (the keys are the rows' ids);
a mapping with a `rows` list (or with one list of rows and nothing else, as TOML's `[[name]]`)
is a table too, its other keys still readable. A GeoJSON or TopoJSON object is a map. Anything
else is a value: a mapping, a list of scalars, a scalar. CSV cells are typed here per column
(numbers, ISO dates, text; empty -> None); other formats keep their own types, with times and
timestamps as ISO text and every number finite.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.errors import InputError
from sitegen.inputs.limits import finite
from sitegen.inputs.readers import KeyPath, Parsed

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GEOJSON = frozenset({"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString",
                      "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"})
_PLAIN = frozenset({str, int, bool, type(None)})
TABLE_HINT = "a table is a list of rows, or a mapping of mappings (its keys become the ids)"


@dataclass(frozen=True)
class Shaped:
    """A file's value made ready: its kind, words for its shape, and its rows if a table."""

    kind: str
    """"table", "map" or "value"."""
    shape: str
    value: Any
    rows: tuple[tuple[int, dict[str, Any]], ...]
    columns: tuple[str, ...]
    column_types: Mapping[str, str]


def shape_of(parsed: Parsed, map_file: bool) -> Shaped:
    """The kind, words, rows and types of a parsed file (InputError at the line of a value
    that cannot be data). map_file: the format may hold a GeoJSON or TopoJSON map."""
    value = normal(parsed.value, (), parsed.lines)
    if map_file and (words := _map_words(value)):
        return Shaped("map", words, value, (), (), {})
    found = _table(value)
    if found is None:
        return Shaped("value", describe(value), value, (), (), {})
    where, items, keyed = found
    records = []
    for key, item in items:
        line = parsed.lines.get(where + (key,), parsed.lines.get(where, 1))
        row = {"id": key, **item} if keyed and "id" not in item else dict(item)
        records.append((line, row))
    columns = list(parsed.columns) or _columns_of(records)
    if parsed.from_text:
        return _typed_from_text(value, records, columns, len(items), where)
    types = {c: _column_type([r.get(c) for _, r in records]) for c in columns}
    rows = tuple((line, {c: r.get(c) for c in columns}) for line, r in records)
    return Shaped("table", _table_words(len(rows), where, keyed), value, rows, tuple(columns),
                  types)


def _table(value: Any) -> tuple[KeyPath, list[tuple[Any, Mapping[str, Any]]], bool] | None:
    """(where the rows are, (key, row) pairs, whether the keys are ids) for a table."""
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return (), list(enumerate(value)), False
    if not isinstance(value, dict) or not value:
        return None
    lists = [k for k, v in value.items()
             if isinstance(v, list) and v and all(isinstance(item, dict) for item in v)]
    if isinstance(value.get("rows"), list) and all(isinstance(i, dict) for i in value["rows"]):
        return ("rows",), list(enumerate(value["rows"])), False
    if len(value) == 1 and lists:
        return (lists[0],), list(enumerate(value[lists[0]])), False
    if all(isinstance(item, dict) for item in value.values()):
        return (), list(value.items()), True
    return None


def _table_words(count: int, where: KeyPath, keyed: bool) -> str:
    rows = f"{count} row{'s' * (count != 1)}"
    if keyed:
        return f"a mapping of {count} mapping{'s' * (count != 1)} (a table of {rows})"
    if where:
        return f"a table of {rows} (under '{where[0]}')"
    return f"a list of {rows}"


def describe(value: Any) -> str:
    """A value's shape in words: "a mapping (keys: a, b)", "a list of 3 numbers"."""
    if isinstance(value, dict):
        keys = ", ".join(str(k) for k in list(value)[:8]) + (", ..." if len(value) > 8 else "")
        return f"a mapping (keys: {keys})" if value else "an empty mapping"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        kinds = {_scalar_word(item) for item in value}
        kind = kinds.pop() if len(kinds) == 1 else "value"
        return f"a list of {len(value)} {kind}{'s' * (len(value) != 1)}"
    return f"a single {_scalar_word(value)}"


def _scalar_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "value"


def _map_words(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    if value.get("type") == "Topology" and isinstance(value.get("objects"), dict):
        return f"a TopoJSON topology (objects: {', '.join(map(str, value['objects']))})"
    if value.get("type") in _GEOJSON:
        return f"a GeoJSON {value['type']}"
    return None


def normal(value: Any, path: KeyPath, lines: Mapping[KeyPath, int]) -> Any:
    """A value as data: keys as text, times and timestamps as ISO text, every number
    finite (InputError at the nearest line known otherwise)."""
    if isinstance(value, dict):
        if all(type(k) is str and (type(v) in _PLAIN or (type(v) is float and finite(v)))
               for k, v in value.items()):
            return value  # a row of text, finite numbers, true/false: nothing to change
        return {str(k): normal(v, path + (str(k),), lines) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normal(v, path + (i,), lines) for i, v in enumerate(value)]
    if isinstance(value, dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not finite(value):
        raise InputError(
            f"the value of '{_dotted(path)}' is {value}: too large for a number, or none",
            None, line_near(path, lines), None, "numbers must be finite (at most about 1.8e308)")
    if value is None or isinstance(value, str | int | float | dt.date):
        return value
    raise InputError(f"'{_dotted(path)}' holds a {type(value).__name__}, which is not data",
                     None, line_near(path, lines), None,
                     "write text, numbers, dates, true/false, lists and mappings")


def line_near(path: KeyPath, lines: Mapping[KeyPath, int]) -> int:
    """The line of the entry at path, or of the nearest entry above it that has one."""
    for depth in range(len(path), 0, -1):
        if path[:depth] in lines:
            return lines[path[:depth]]
    return 1


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path) or "(the file)"


def _columns_of(records: Sequence[tuple[int, Mapping[str, Any]]]) -> list[str]:
    columns: dict[str, None] = {}
    for _, record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "string"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "number"
    if all(isinstance(v, dt.date) for v in present):
        return "date"
    if all(isinstance(v, dict | list) for v in present):
        return "nested"
    return "string"


# --- CSV: cells typed per column ---------------------------------------------------------


def _typed_from_text(value: Any, records: list[tuple[int, dict[str, Any]]],
                     columns: list[str], count: int, where: KeyPath) -> Shaped:
    types = {c: _text_type([r.get(c) for _, r in records]) for c in columns}
    rows = []
    for line, record in records:
        row = {c: _convert(record.get(c), types[c]) for c in columns}
        for column, cell in row.items():
            if isinstance(cell, float) and not finite(cell):
                raise InputError(
                    f"the value of '{column}' is {cell}: too large for a number, or none",
                    None, line, None, "numbers must be finite (at most about 1.8e308)")
        rows.append((line, row))
    typed = [row for _, row in rows]
    return Shaped("table", _table_words(count, where, False), typed, tuple(rows),
                  tuple(columns), types)


def _text_type(values: list[Any]) -> str:
    present = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not present:
        return "string"
    if all(_FLOAT.match(v) for v in present):
        return "number"
    if all(_is_date(v) for v in present):
        return "date"
    return "string"


def _is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _convert(cell: Any, column_type: str) -> Any:
    if cell is None or not cell.strip():
        return None
    text = cell.strip()
    if column_type == "number":
        return int(text) if _INT.match(text) else float(text)
    if column_type == "date":
        return dt.date.fromisoformat(text)
    return cell
