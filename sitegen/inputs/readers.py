"""Data file formats -> the value each file holds, as its format types it, with the lines of
its entries.

Each reader returns a `Parsed`: the whole content (a mapping, a list, a scalar), the line of
each entry down to LINE_DEPTH (a row of a list, a key of a mapping and the keys under it), so
an error about a value points at where it is written. Types come from the file: JSON strings
stay strings, YAML and TOML dates are dates; only CSV cells are text, typed later per column
(`shapes`). Parquet and Arrow files are read through pyarrow, an optional extra.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.errors import InputError, toml_syntax_error

Key = str | int
KeyPath = tuple[Key, ...]
LINE_DEPTH = 2
"""How deep entries' lines are kept (a row of a list or mapping, and its own keys)."""


@dataclass(frozen=True)
class Parsed:
    """What one data file holds: its value, the lines of its entries, and whether its
    values are text still to be typed (CSV)."""

    value: Any
    lines: Mapping[KeyPath, int]
    from_text: bool = False
    columns: tuple[str, ...] = ()
    """The header's order, for a CSV file."""


def read_text(suffix: str, text: str) -> Parsed:
    """A text data file's content (InputError without a path, at the line where it fails)."""
    if not text.strip():
        raise InputError("the data file is empty", None, 1, 1,
                         "write rows, a mapping or a list in it (or delete it)")
    if suffix in (".csv", ".tsv"):
        return _read_csv(text, "\t" if suffix == ".tsv" else ",")
    if suffix == ".toml":
        return _read_toml(text)
    if suffix in (".yaml", ".yml"):
        return _read_yaml(text)
    return _read_json(text)


# --- CSV and TSV -------------------------------------------------------------------------


def _read_csv(text: str, delimiter: str) -> Parsed:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[dict[str, str]] = []
    lines: dict[KeyPath, int] = {}
    header: list[str] | None = None
    start = 1
    try:
        for fields_ in reader:
            line, start = start, reader.line_num + 1
            if not fields_ or (all(not f.strip() for f in fields_) and header is not None):
                continue
            if header is None:
                header = [name.strip() for name in fields_]
                _check_header(header, line)
                continue
            if len(fields_) != len(header):
                raise InputError(
                    f"row has {len(fields_)} fields but the header has {len(header)}",
                    None, line, 1,
                    "quote fields that contain commas, and give every row one field per column",
                )
            lines[(len(rows),)] = line
            rows.append(dict(zip(header, fields_, strict=True)))
    except csv.Error as exc:
        raise InputError(
            f"cannot parse CSV: {exc}", None, reader.line_num, None,
            "check the quotes on this line",
        ) from None
    if header is None:
        raise InputError("the file is empty: it needs a header row", None, 1, 1)
    return Parsed(rows, lines, from_text=True, columns=tuple(header))


def _check_header(header: list[str], line: int) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise InputError(f"column {index} has no name", None, line, None)
        if name in seen:
            raise InputError(f"column '{name}' appears twice", None, line, None)
        seen.add(name)


# --- JSON --------------------------------------------------------------------------------

_NOT_JSON = re.compile(r'"(?:[^"\\]|\\.)*"|(-?\b(?:NaN|Infinity)\b)')


def _read_json(text: str) -> Parsed:
    for match in _NOT_JSON.finditer(text):
        if match.group(1):
            line, column = _place(text, match.start(1))
            raise InputError(
                f"{match.group(1)} is not a JSON value", None, line, column,
                "write null for a missing number (NaN and Infinity are not JSON, and charts "
                "cannot draw them)")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", None, exc.lineno, exc.colno) from None
    lines: dict[KeyPath, int] = {}
    _JsonLines(text, lines).value(_skip(text, 0), ())
    return Parsed(whole, lines)


class _JsonLines:
    """The line of each entry of valid JSON text, down to LINE_DEPTH (deeper values, and
    each row of a list, are skipped whole by the C decoder)."""

    def __init__(self, text: str, lines: dict[KeyPath, int]) -> None:
        self.text = text
        self.lines = lines
        self.decoder = json.JSONDecoder()
        self.counted = (0, 1)  # (index, its line): entries are met in order of place

    def line(self, index: int) -> int:
        start, line = self.counted
        line += self.text.count("\n", start, index)
        self.counted = (index, line)
        return line

    def value(self, index: int, path: KeyPath) -> int:
        """Record the entry at index (and its entries); the index after it."""
        if path:
            self.lines[path] = self.line(index)
        char = self.text[index]
        if len(path) >= LINE_DEPTH or char not in "[{" or (
                char == "{" and path and isinstance(path[-1], int)):
            return self.decoder.raw_decode(self.text, index)[1]
        close = "]" if char == "[" else "}"
        index = _skip(self.text, index + 1)
        count = 0
        while self.text[index] != close:
            if char == "{":
                key, index = self.decoder.raw_decode(self.text, index)
                index = _skip(self.text, _skip(self.text, index) + 1)  # past the colon
                index = self.value(index, path + (key,))
            else:
                index = self.value(index, path + (count,))
            count += 1
            index = _skip(self.text, index)
            if self.text[index] == ",":
                index = _skip(self.text, index + 1)
        return index + 1


_SPACE = re.compile(r"[ \t\r\n]*")


def _skip(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]  # * always matches


# --- YAML --------------------------------------------------------------------------------


def _read_yaml(text: str) -> Parsed:
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        whole = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(
            f"invalid YAML: {exc.problem}", None,
            mark.line + 1 if mark else None, mark.column + 1 if mark else None,
        ) from None
    finally:
        loader.dispose()
    if node is None or whole is None:
        raise InputError("the data file is empty", None, 1, 1,
                         "write rows, a mapping or a list in it (or delete it)")
    lines: dict[KeyPath, int] = {}
    _yaml_lines(node, (), lines)
    return Parsed(whole, lines)


def _yaml_lines(node: Any, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    """Lines of a node's entries: a list item where it starts, a mapping entry at its key."""
    import yaml

    if len(path) >= LINE_DEPTH:
        return
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _yaml_lines(item, path + (index,), lines)
    elif isinstance(node, yaml.MappingNode):
        for key, item in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[path + (key.value,)] = key.start_mark.line + 1
                _yaml_lines(item, path + (key.value,), lines)


# --- TOML --------------------------------------------------------------------------------


def _read_toml(text: str) -> Parsed:
    try:
        whole = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, None, text) from None
    if not whole:
        raise InputError("the data file is empty", None, 1, 1,
                         "write rows, a mapping or a list in it (or delete it)")
    return Parsed(whole, _toml_lines(text, whole))


def _toml_lines(text: str, whole: Mapping[str, Any]) -> dict[KeyPath, int]:
    """Lines of top-level keys and tables, of `[[key]]` entries and of `[key.sub]` tables:
    found by their headers (tomllib keeps no places)."""
    lines: dict[KeyPath, int] = {}
    written = text.splitlines()
    for key, value in whole.items():
        name = re.escape(key)
        quoted = rf"(?:{name}|\"{name}\"|'{name}')"
        headers = [n for n, line in enumerate(written, 1)
                   if re.match(rf"^\s*\[\[\s*{quoted}\s*\]\]", line)]
        if isinstance(value, list) and len(headers) == len(value) and headers:
            lines[(key,)] = headers[0]
            lines.update({(key, i): n for i, n in enumerate(headers)})
            continue
        found = next((n for n, line in enumerate(written, 1)
                      if re.match(rf"^\s*(?:\[\s*{quoted}\s*[\].]|{quoted}\s*[=.])", line)), 1)
        lines[(key,)] = found
        if isinstance(value, dict):
            for sub in value:
                inner = re.escape(sub)
                lines[(key, sub)] = next(
                    (n for n, line in enumerate(written, 1) if re.match(
                        rf"^\s*\[\s*{quoted}\s*\.\s*(?:{inner}|\"{inner}\")\s*[\].]", line)),
                    found)
    return lines


# --- Parquet and Arrow -------------------------------------------------------------------

PARQUET_EXTRA = "pip install 'sitegen[parquet]'"


def read_columnar(suffix: str, raw: bytes) -> Parsed:
    """A Parquet or Arrow (IPC file or stream) file's rows, typed as the file types them."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"reading {suffix} files needs pyarrow, which is not installed", None, None, None,
            f"install sitegen's parquet extra: {PARQUET_EXTRA}") from None
    try:
        if suffix == ".parquet":
            table = pq.read_table(pa.BufferReader(raw))
        else:
            table = _read_arrow(raw)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"cannot read the {suffix[1:]} file: {exc}", None, None, None,
                         "write it again with pyarrow, pandas or polars") from None
    rows = [{key: _arrow_value(value) for key, value in row.items()}
            for row in table.to_pylist()]
    return Parsed(rows, {}, columns=tuple(table.column_names))


def _read_arrow(raw: bytes) -> Any:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        return ipc.open_file(pa.BufferReader(raw)).read_all()
    except pa.ArrowInvalid:
        return ipc.open_stream(pa.BufferReader(raw)).read_all()


def _arrow_value(value: Any) -> Any:
    """Arrow's Python values as data values: times and timestamps as ISO text, decimals as
    numbers, bytes refused."""
    if isinstance(value, dict):
        return {str(k): _arrow_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_arrow_value(v) for v in value]
    if isinstance(value, dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if type(value).__name__ == "Decimal":
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _place(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1
