"""Data files -> typed `Dataset`s of any shape that remember where each entry is written.

CSV, TSV, JSON, YAML, TOML, Parquet and Arrow files under `content/data/` become datasets named by
their file stem. A dataset holds the file's whole value (a mapping, a list, a scalar) and, when
that value is a table (`shapes`), its rows, each with its line; prose and templates reach into
either by a dotted path (`lookup`). GeoJSON and TopoJSON files are map datasets, drawn by
`geoshape` charts. A use that needs a table asks `not_table` for the words of its error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.config import SitePaths
from sitegen.errors import InputError, ProblemCollector
from sitegen.inputs.files import decode_utf8, site_files
from sitegen.inputs.limits import MAX_DEPTH, check_brackets, check_numbers, check_yaml
from sitegen.inputs.readers import KeyPath, Parsed, read_columnar, read_text
from sitegen.inputs.shapes import TABLE_HINT, describe, shape_of

DATA_SUFFIXES = (".csv", ".tsv", ".json", ".yaml", ".yml", ".toml", ".geojson", ".topojson",
                 ".parquet", ".arrow")
Value = int | float | str | bool | dt.date | None
_COLUMNAR = (".parquet", ".arrow")
_MAP_SUFFIXES = (".json", ".geojson", ".topojson")
_LIMITS = {".csv": check_numbers, ".tsv": check_numbers, ".yaml": check_yaml, ".yml": check_yaml}
"""The bounds checked before a text file is parsed (JSON and TOML: check_brackets)."""


def is_web_address(url: str) -> bool:
    """Whether a source's URL may be a link: a web address, not free text such as
    "company filing" (which stays text, never an href)."""
    return url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Row:
    """One record: column -> typed value, the line it starts on in its file, and the name
    of its dataset (so a loader's `derive` can name the row it came from)."""

    values: Mapping[str, Any]
    line: int
    _dataset: str = field(default="", compare=False, repr=False)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


class RepeatedId(KeyError):
    """A row looked up by an id that more than one row has."""

    def __init__(self, row_id: str, lines: tuple[int, int]) -> None:
        super().__init__(row_id)
        self.lines = lines


@dataclass(frozen=True)
class Found:
    """What a dotted path reaches: the value, the line it is written on, and the row it is
    in (for a table's row looked up by id)."""

    value: Any
    line: int
    row: Row | None


@dataclass(frozen=True)
class Dataset:
    """A named data file: its whole value and, for a table, its rows (iterating a table
    yields one dict per row; templates read other keys as `data.NAME.key`)."""

    name: str
    path: str
    columns: tuple[str, ...]
    column_types: Mapping[str, str]
    rows: tuple[Row, ...]
    digest: str
    value: Any = field(default=None, compare=False, repr=False)
    """The file's content as typed (for a table: also its rows, as they are written)."""
    kind: str = "table"
    """"table", "map" (GeoJSON, TopoJSON) or "value" (any other mapping, list or scalar)."""
    shape: str = "a table"
    lines: Mapping[KeyPath, int] = field(default_factory=dict, compare=False, repr=False)
    _by_id: dict[str, Row] = field(init=False, repr=False, compare=False)
    _repeated: dict[str, tuple[int, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Row] = {}
        repeated: dict[str, tuple[int, int]] = {}
        for row in self.rows if "id" in self.columns else ():
            key = row.values.get("id")
            if key is None:
                continue
            first = by_id.setdefault(str(key), row)
            if first is not row:
                repeated.setdefault(str(key), (first.line, row.line))
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_repeated", repeated)

    def __iter__(self) -> Iterator[Any]:
        if self.kind == "table":
            return (dict(row.values) for row in self.rows)
        return iter(self.value if isinstance(self.value, dict | list) else [self.value])

    def __len__(self) -> int:
        if self.kind == "table":
            return len(self.rows)
        return len(self.value) if isinstance(self.value, dict | list) else 1

    def __getattr__(self, name: str) -> Any:
        """A key of the file's mapping, for templates (`data.meta.sources`)."""
        value = self.__dict__.get("value")
        if name.startswith("_") or not isinstance(value, dict) or name not in value:
            raise AttributeError(name)
        return value[name]

    def __getitem__(self, key: str | int) -> Any:
        """A key of the file's mapping, or an item of its list (`data.meta["name"]`)."""
        return self.value[key]

    @property
    def is_table(self) -> bool:
        """Whether the dataset is a table: rows a chart, a data table or a lookup can use."""
        return self.kind == "table"

    def row(self, row_id: str) -> Row:
        """The row whose `id` column is row_id (KeyError if there is none; RepeatedId, a
        KeyError, if more than one row has it)."""
        if row_id in self._repeated:
            raise RepeatedId(row_id, self._repeated[row_id])
        if not self.is_table:
            raise KeyError(f"{self.path} is {self.shape}, not a table: it has no rows")
        return self._by_id[row_id]

    def not_table(self, use: str) -> tuple[str, str] | None:
        """The error (message, hint) for a use that needs a table ("a chart") when this
        dataset is none, else None."""
        if self.is_table:
            return None
        return (f"the dataset '{self.name}' ({self.path}) is {self.shape}, not a table: "
                f"{use} needs rows", TABLE_HINT)

    def lookup(self, keys: Sequence[str]) -> Found:
        """The value a dotted path reaches: a row by its id, then into it, or keys of the
        file's mapping (InputError, without a place, saying why not)."""
        return _lookup(self, keys)

    def records(self) -> list[dict[str, Any]]:
        """All rows as plain dicts (dates as ISO strings), ready for JSON or Vega-Lite."""
        return [{key: _jsonable(value) for key, value in row.values.items()}
                for row in self.rows]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


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
    suffix = path.suffix.lower()
    try:
        if suffix in _COLUMNAR:
            parsed = read_columnar(suffix, raw)
        else:
            text = decode_utf8(raw, relative)
            _LIMITS.get(suffix, check_brackets)(text)
            parsed = read_text(suffix, text)
        return make_dataset(path.stem, relative, parsed, hashlib.sha256(raw).hexdigest(),
                            maps=suffix in _MAP_SUFFIXES)
    except InputError as error:
        raise error.placed(relative) from None
    except RecursionError:  # nesting that check_brackets could not see (inside a comment)
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", relative, 1, 1,
                         "flatten the structure") from None


def make_dataset(name: str, path: str, parsed: Parsed, digest: str,
                 maps: bool = False) -> Dataset:
    """A Dataset from a parsed value (InputError without a path at a value that is not
    data); maps: a GeoJSON or TopoJSON object is a map dataset."""
    shaped = shape_of(parsed, maps)
    return Dataset(
        name=name, path=path, columns=shaped.columns, column_types=shaped.column_types,
        rows=tuple(Row(values, line, name) for line, values in shaped.rows), digest=digest,
        value=shaped.value, kind=shaped.kind, shape=shaped.shape, lines=parsed.lines,
    )


# --- dotted paths --------------------------------------------------------------------------


def _lookup(dataset: Dataset, keys: Sequence[str]) -> Found:
    if dataset.kind == "map":
        raise InputError(f"'{dataset.name}' ({dataset.path}) is {dataset.shape}: a map for "
                         "charts, not values to show", hint="show values from another dataset")
    first = keys[0]
    if dataset.is_table and "id" in dataset.columns and (
            first in dataset._by_id or not _has_key(dataset.value, first)):
        row = _row(dataset, first)
        return _walk(dataset, row.values, keys, 1, (first,), row.line, row)
    if dataset.is_table and not isinstance(dataset.value, dict):
        raise InputError(
            f"dataset '{dataset.name}' ({dataset.path}) has no 'id' column to name its rows by",
            hint="add an 'id' column with a short unique name for each row")
    return _walk(dataset, dataset.value, keys, 0, (), 1, None)


def _row(dataset: Dataset, row_id: str) -> Row:
    try:
        return dataset.row(row_id)
    except RepeatedId as repeated:
        first, second = repeated.lines
        raise InputError(
            f"dataset '{dataset.name}' has more than one row with id '{row_id}' "
            f"({dataset.path} lines {first} and {second})",
            hint="give every row its own id, so a lookup names one row") from None
    except KeyError:
        ids = [str(r.values.get("id")) for r in dataset.rows if r.values.get("id") is not None]
        shown = ", ".join(ids[:12]) + (", ..." if len(ids) > 12 else "") if ids else "none"
        raise InputError(f"dataset '{dataset.name}' has no row with id '{row_id}'",
                         hint=f"ids in {dataset.path}: {shown}") from None


def _has_key(value: Any, key: str) -> bool:
    return isinstance(value, dict) and key in value


def _walk(dataset: Dataset, value: Any, keys: Sequence[str], start: int, path: KeyPath,
          line: int, row: Row | None) -> Found:
    for index in range(start, len(keys)):
        key: str | int = keys[index]
        if isinstance(value, list) and str(key).isdigit() and int(key) < len(value):
            key = int(key)
        elif not _has_key(value, str(key)):
            raise _missing(dataset, value, keys[: index + 1], row, line)
        value = value[key]
        path = path + (key,)
        if row is None:
            line = dataset.lines.get(path, line)
    if row is not None and len(keys) == 1:
        raise InputError(
            f"'{dataset.name}.{keys[0]}' is a row ({dataset.path} line {line}), not one value",
            hint=f"name a column: {dataset.name}.{keys[0]}.COLUMN, one of "
            f"{', '.join(dataset.columns)}")
    if isinstance(value, dict | list):
        raise InputError(
            f"'{dataset.name}.{'.'.join(keys)}' is {describe(value)}, not one value "
            f"({dataset.path} line {line})",
            hint="name one of its entries with another .key (or loop over it in a template)")
    if value is None:
        raise InputError(
            f"'{dataset.name}.{'.'.join(keys)}' is empty ({dataset.path} line {line})",
            hint="fill in the value in the data file, or refer to another column")
    return Found(value, line, row)


def _missing(dataset: Dataset, value: Any, keys: Sequence[str], row: Row | None,
             line: int) -> InputError:
    dotted = f"{dataset.name}.{'.'.join(keys[:-1])}".rstrip(".")
    if row is not None and len(keys) == 2:
        return InputError(f"dataset '{dataset.name}' has no column '{keys[-1]}'",
                          hint=f"columns: {', '.join(dataset.columns)}")
    if isinstance(value, dict):
        shown = ", ".join(list(value)[:12]) + (", ..." if len(value) > 12 else "")
        return InputError(f"'{dotted}' has no key '{keys[-1]}' ({dataset.path} line {line})",
                          hint=f"keys: {shown or 'none'}")
    if isinstance(value, list):
        return InputError(
            f"'{dotted}' ({dataset.path} line {line}) is {describe(value)}: '{keys[-1]}' is "
            "not one of its positions",
            hint=f"name an item by its position, from 0 to {len(value) - 1}" if value
            else "the list is empty")
    return InputError(f"'{dotted}' ({dataset.path} line {line}) is {describe(value)}, "
                      f"which has no '{keys[-1]}'",
                      hint=f"{TABLE_HINT}; a mapping's keys are read with .key")
