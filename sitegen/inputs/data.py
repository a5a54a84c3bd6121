"""Data files -> typed `Dataset`s that remember the line of every row.

CSV, JSON, YAML and TOML files under `content/data/` become datasets named by their file stem.
Values are typed per column (numbers, ISO dates, strings; empty -> None) so charts and prose
see the same values, and each row keeps its line so errors point at it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.config import SitePaths
from sitegen.errors import InputError, ProblemCollector, toml_syntax_error
from sitegen.inputs.files import decode_utf8, site_files
from sitegen.inputs.limits import MAX_DEPTH, check_brackets, check_numbers, check_yaml, finite

DATA_SUFFIXES = (".csv", ".json", ".yaml", ".yml", ".toml")
Value = int | float | str | bool | dt.date | None

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LIMITS = {".csv": check_numbers, ".yaml": check_yaml, ".yml": check_yaml}
"""The bounds checked before a file is parsed (JSON and TOML: check_brackets)."""


def is_web_address(url: str) -> bool:
    """Whether a source's URL may be a link: a web address, not free text such as
    "company filing" (which stays text, never an href)."""
    return url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Row:
    """One record: column -> typed value, and the line it starts on in its file."""

    values: Mapping[str, Value]
    line: int

    def __getattr__(self, name: str) -> Value:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Value:
        return self.values[name]


@dataclass(frozen=True)
class Dataset:
    """A named table from one data file; iterating yields one dict per row."""

    name: str
    path: str
    columns: tuple[str, ...]
    column_types: Mapping[str, str]
    rows: tuple[Row, ...]
    digest: str
    _by_id: Mapping[str, Row] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return (dict(row.values) for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, row_id: str) -> Row:
        """The row whose `id` column is row_id (KeyError if there is none)."""
        return self._by_id[row_id]

    def records(self) -> list[dict[str, Value]]:
        """All rows as plain dicts (dates as ISO strings), ready for JSON or Vega-Lite."""
        return [
            {key: value.isoformat() if isinstance(value, dt.date) else value
             for key, value in row.values.items()}
            for row in self.rows
        ]


def data_files(paths: SitePaths, problems: ProblemCollector | None = None) -> list[Path]:
    """Every data file of the site, in a stable order (found as every input is: `site_files`,
    its problems recorded in problems when given)."""
    return [path for path in site_files(paths.data, paths.root, problems or ProblemCollector())
            if path.suffix.lower() in DATA_SUFFIXES]


def load_datasets(paths: SitePaths, problems: ProblemCollector) -> dict[str, Dataset]:
    """Every data file under content/data/, keyed by stem; a file that fails is left out
    and its problem recorded."""
    datasets: dict[str, Dataset] = {}
    for path in data_files(paths, problems):
        relative = paths.relative(path)
        with problems.gather():
            dataset = load_dataset(path, relative)
            if dataset.name in datasets:
                raise InputError(
                    f"two data files define the dataset '{dataset.name}': "
                    f"{datasets[dataset.name].path} and {relative}",
                    relative, 1, None,
                    "rename one of them: a dataset is named by its file stem",
                )
            datasets[dataset.name] = dataset
    return datasets


def load_dataset(path: Path, relative: str) -> Dataset:
    """Read one data file into a Dataset, raising InputError at the offending line."""
    raw = path.read_bytes()
    text = decode_utf8(raw, relative)
    suffix = path.suffix.lower()
    try:
        _LIMITS.get(suffix, check_brackets)(text)
        if suffix == ".csv":
            columns, records = _read_csv(text)
        elif suffix == ".json":
            columns, records = _read_json(text)
        elif suffix == ".toml":
            columns, records = _read_toml(text)
        else:
            columns, records = _read_yaml(text)
    except InputError as error:
        raise error.placed(relative) from None
    except RecursionError:  # nesting that check_brackets could not see (inside a comment)
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", relative, 1, 1,
                         "flatten the structure") from None
    try:
        typed_rows, types = _type_columns(columns, records)
    except InputError as error:
        raise error.placed(relative) from None
    by_id: dict[str, Row] = {}
    if "id" in columns:
        for row in typed_rows:
            key = row.values.get("id")
            if key is None:
                continue
            key = str(key)
            if key in by_id:
                raise InputError(
                    f"duplicate id '{key}' (first used on line {by_id[key].line})",
                    relative, row.line, 1, "every row's id must be unique in its file",
                )
            by_id[key] = row
    return Dataset(
        name=path.stem,
        path=relative,
        columns=tuple(columns),
        column_types=types,
        rows=tuple(typed_rows),
        digest=hashlib.sha256(raw).hexdigest(),
        _by_id=by_id,
    )


Records = list[tuple[int, dict[str, Any]]]


def _read_csv(text: str) -> tuple[list[str], Records]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: Records = []
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
            records.append((line, dict(zip(header, fields_, strict=True))))
    except csv.Error as exc:
        raise InputError(
            f"cannot parse CSV: {exc}", None, reader.line_num, None,
            "check the quotes on this line",
        ) from None
    if header is None:
        raise InputError("the CSV file is empty: it needs a header row", None, 1, 1)
    return header, records


def _check_header(header: list[str], line: int) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise InputError(f"column {index} has no name", None, line, None)
        if name in seen:
            raise InputError(f"column '{name}' appears twice", None, line, None)
        seen.add(name)


def _read_json(text: str) -> tuple[list[str], Records]:
    decoder = json.JSONDecoder()
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", None, exc.lineno, exc.colno) from None
    start = _json_array_start(text, whole)
    records: Records = []
    index = start + 1
    while True:
        index = _skip(text, index, " \t\r\n,")
        if text[index] == "]":
            break
        value, end = decoder.raw_decode(text, index)
        line = text.count("\n", 0, index) + 1
        if not isinstance(value, dict):
            raise InputError("each row must be a JSON object", None, line, None)
        records.append((line, value))
        index = end
    return _columns_of(records), records


def _json_array_start(text: str, whole: Any) -> int:
    if isinstance(whole, list):
        return text.index("[")
    if isinstance(whole, dict) and isinstance(whole.get("rows"), list):
        match = re.search(r'"rows"\s*:\s*\[', text)
        if match:
            return match.end() - 1
    raise InputError(
        "a JSON data file must be a list of objects (or an object with a 'rows' list)", None, 1, 1,
    )


def _skip(text: str, index: int, chars: str) -> int:
    while index < len(text) and text[index] in chars:
        index += 1
    return index


def _read_yaml(text: str) -> tuple[list[str], Records]:
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
    items_node: Any = node
    if isinstance(whole, dict) and isinstance(whole.get("rows"), list):
        items_node = next(v for k, v in items_node.value if k.value == "rows")
        whole = whole["rows"]
    if not isinstance(whole, list):
        raise InputError(
            "a YAML data file must be a list of mappings (or a mapping with a 'rows' list)",
            None, 1, 1,
        )
    records: Records = []
    for item_node, value in zip(items_node.value, whole, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(value, dict):
            raise InputError("each row must be a mapping", None, line, None)
        records.append((line, {str(k): v for k, v in value.items()}))
    return _columns_of(records), records


def _read_toml(text: str) -> tuple[list[str], Records]:
    try:
        whole = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, None, text) from None
    tables = [(k, v) for k, v in whole.items()
              if isinstance(v, list) and all(isinstance(x, dict) for x in v)]
    if len(tables) != 1:
        raise InputError(
            "a TOML data file must hold one array of tables, such as [[rows]]", None, 1, 1,
        )
    key, rows = tables[0]
    header_lines = [n for n, line in enumerate(text.splitlines(), 1)
                    if re.match(rf"^\s*\[\[\s*{re.escape(key)}\s*\]\]", line)]
    if len(header_lines) != len(rows):
        first = next((n for n, line in enumerate(text.splitlines(), 1)
                      if re.match(rf"^\s*{re.escape(key)}\s*=", line)), 1)
        header_lines = [first] * len(rows)
    records = list(zip(header_lines, rows, strict=True))
    return _columns_of(records), records


def _columns_of(records: Records) -> list[str]:
    columns: dict[str, None] = {}
    for _, record in records:
        columns.update(dict.fromkeys(record))
    return list(columns)


def _type_columns(columns: list[str], records: Records) -> tuple[list[Row], dict[str, str]]:
    types = {column: _column_type([r.get(column) for _, r in records]) for column in columns}
    rows = [
        Row({c: _convert(r.get(c), types[c]) for c in columns}, line)
        for line, r in records
    ]
    for row in rows:
        for column, value in row.values.items():
            if isinstance(value, float) and not finite(value):
                raise InputError(
                    f"the value of '{column}' is {value}: too large for a number, or none",
                    None, row.line, None, "numbers must be finite (at most about 1.8e308)")
    return rows, types


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]
    if not present:
        return "string"
    if all(isinstance(v, bool) for v in present):
        return "boolean"
    if all(_is_number(v) for v in present):
        return "number"
    if all(_is_date(v) for v in present):
        return "date"
    return "string"


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_FLOAT.match(value.strip()))


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    return False


def _convert(value: Any, column_type: str) -> Value:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column_type == "number" and isinstance(value, str):
        text = value.strip()
        return int(text) if _INT.match(text) else float(text)
    if column_type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    if column_type == "string" and not isinstance(value, str):
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True)
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value
