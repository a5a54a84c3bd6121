"""Chart blocks -> checked Vega-Lite specs (the front half of the charts room).

A ```chart fence holds YAML; this module reads it with the line of every key, splits the keys
the page shows (description, caption, source, kind, id) from the Vega-Lite spec, resolves
dataset names to inline data, expands Altair shorthand (`period:O`), infers field types from
the dataset's column types, checks that every field exists, and has Altair validate the spec
(chart_schema.py words the errors). `python: NAME` blocks go to chart_modules.py instead.
Every problem comes back located at the fence's line plus the key's line inside the YAML.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.chart_schema import Path_, SchemaChecker, did_you_mean, kind_of, schema_hint
from sitegen.chart_tables import Used, datum_fields, used_rows
from sitegen.data import Dataset
from sitegen.errors import Problem
KINDS = ("reported", "estimate", "claim", "mixed")


PAGE_KEYS = ("caption", "source", "kind", "id", "python")


PYTHON_KEYS = {"python", "description", "caption", "source", "kind", "id"}


FIELD_TYPES = {"number": "quantitative", "date": "temporal", "string": "nominal",
               "boolean": "nominal"}


ROOT_TOKEN = "@@sitegen-root@@/"
"""Stands for the page's root prefix in an interactive spec until the page is known."""


@dataclass(frozen=True)
class ChartBlock:
    """One ```chart fence: its page (site-root-relative source path), order, YAML body and line."""

    page: str
    index: int
    text: str
    line: int


@dataclass(frozen=True)
class DataFile:
    """A file a spec names by `data: {url: ...}`: where it is, its bytes, its site path."""

    source: str
    site_path: str
    content: bytes


@dataclass(frozen=True)
class ChartSpec:
    """A checked chart, ready to render: spec, page-facing text and what it read."""

    spec: dict[str, Any]
    """The Vega-Lite spec with datasets inline and URL data as ROOT_TOKEN paths; no title."""
    title: str
    subtitle: str
    description: str
    caption: str
    source_override: str | None
    kind: str | None
    figure_id: str | None
    used: Used
    """Each dataset the chart reads and the rows it shows (after simple leading filters)."""
    data_files: tuple[DataFile, ...]
    inputs: frozenset[str]
    warnings: tuple[Problem, ...]
    title_spec: Any = None
    """The spec's own `title` value, put back for the PNG (the page shows it as text)."""

    def render_spec(self) -> dict[str, Any]:
        """The spec for build-time rendering: URL data read inline (vl-convert fetches nothing)."""
        files = {f.site_path: f for f in self.data_files}
        return _inline_urls(self.spec, files) if files else self.spec


class ChartProblem(Exception):
    """A located problem found while building one chart (caught per chart, never escapes)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# --- YAML with places ---------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Where each key of the YAML body sits: path -> 0-based line inside the body."""

    lines: Mapping[Path_, int]
    fence_line: int

    def line(self, path: Path_ = ()) -> int:
        """File line of the key at path (or of its nearest ancestor that has one)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        if not path:
            return self.fence_line
        return self.fence_line + 1 + self.lines[path]


def read_block_yaml(block: ChartBlock) -> tuple[dict[str, Any], Places]:
    """The fence's YAML as a mapping, with the line of every key; a ChartProblem if it is not one."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(block.text, Loader=loader_cls)
        value = yaml.load(block.text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = block.line + 1 + mark.line if mark else block.line
        raise ChartProblem(Problem(
            f"the chart's YAML is invalid: {exc.problem}", block.page, line,
            mark.column + 1 if mark else None,
            "a chart block holds YAML: `key: value` lines, nested by indentation",
        )) from None
    if value is None:
        raise ChartProblem(Problem(
            "the chart block is empty", block.page, block.line, None,
            "write `data: NAME`, `mark:` and `encoding:`, or `python: MODULE`",
        ))
    if not isinstance(value, dict):
        raise ChartProblem(Problem(
            f"a chart block must be a YAML mapping of keys, not a {kind_of(value)}",
            block.page, block.line + 1, None,
        ))
    lines: dict[Path_, int] = {}
    _collect_lines(node, (), lines)
    return value, Places(lines, block.line)


def _collect_lines(node: Any, path: Path_, lines: dict[Path_, int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line
            _collect_lines(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line
            _collect_lines(item, path + (index,), lines)


# --- building a spec from YAML ------------------------------------------------------------


def build_yaml_chart(
    block: ChartBlock, raw: dict[str, Any], places: Places,
    datasets: Mapping[str, Dataset], root: Path, data_dir: Path, checker: SchemaChecker,
) -> ChartSpec:
    """A YAML chart block -> a checked ChartSpec (ChartProblem at the offending key)."""
    page = page_fields(block, raw, places)
    spec = {key: _plain(value) for key, value in raw.items() if key not in PAGE_KEYS}
    if not spec:
        raise ChartProblem(Problem(
            "the chart block has no Vega-Lite spec", block.page, block.line, None,
            "add `data:`, `mark:` and `encoding:` (or `python: MODULE`)",
        ))
    refs: dict[str, Dataset] = {}
    data_files: dict[str, DataFile] = {}
    spec = _resolve_data(spec, (), block, places, datasets, refs, data_files, root, data_dir)
    _FieldChecker(block, places, refs).view(spec, (), None)
    title_spec = spec.pop("title", None)
    _validate(spec, block, places, checker)
    spec = with_altair_defaults(spec)
    if refs:
        spec["datasets"] = {name: _chart_records(ds) for name, ds in refs.items()}
    used = used_rows(raw, refs)
    title, subtitle = title_text(title_spec)
    inputs = {ds.path for ds in refs.values()} | {f.source for f in data_files.values()}
    return ChartSpec(
        spec=spec, title=title, subtitle=subtitle, title_spec=title_spec,
        description=page["description"], caption=page["caption"],
        source_override=page["source"], kind=page["kind"], figure_id=page["id"],
        used=used, data_files=tuple(data_files.values()), inputs=frozenset(inputs),
        warnings=page["warnings"],
    )


def page_fields(block: ChartBlock, raw: Mapping[str, Any], places: Places) -> dict[str, Any]:
    """The keys the page shows, checked; missing alt text and kind are warnings."""
    warnings: list[Problem] = []
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise ChartProblem(Problem(
            "`description` must be text (the chart's alt text)", block.page,
            places.line(("description",)), None,
        ))
    if not (description or "").strip():
        warnings.append(Problem(
            "the chart has no description (alt text for readers who cannot see it)",
            block.page, block.line, None,
            "add `description:` saying what the chart shows, e.g. its trend and extremes",
            severity="warning",
        ))
    kind = raw.get("kind")
    if kind is None:
        warnings.append(Problem(
            "the chart has no `kind:` (reported, estimate, claim or mixed)",
            block.page, block.line, None, "say what its numbers are: " + ", ".join(KINDS),
            severity="warning",
        ))
    elif kind not in KINDS:
        raise ChartProblem(Problem(
            f"`kind` is {kind!r}; use one of {', '.join(KINDS)}", block.page,
            places.line(("kind",)), None, did_you_mean(str(kind), KINDS),
        ))
    caption = raw.get("caption", "")
    if not isinstance(caption, str):
        raise ChartProblem(Problem("`caption` must be text", block.page,
                                   places.line(("caption",)), None))
    figure_id = raw.get("id")
    if figure_id is not None and not (isinstance(figure_id, str)
                                      and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", figure_id)):
        raise ChartProblem(Problem(
            f"`id` {figure_id!r} is not a usable HTML id", block.page, places.line(("id",)),
            None, "start with a letter; use letters, digits, '-' and '_'",
        ))
    return {
        "description": (description or "").strip(), "kind": kind,
        "caption": caption.strip(), "source": _source_text(raw, block, places),
        "id": figure_id, "warnings": tuple(warnings),
    }


def _source_text(raw: Mapping[str, Any], block: ChartBlock, places: Places) -> str | None:
    source = raw.get("source")
    if source is None:
        return None
    if isinstance(source, str | int | float):
        return str(source).strip()
    raise ChartProblem(Problem(
        "`source` must be text (it replaces the sources read from the data)", block.page,
        places.line(("source",)), None,
    ))


def _plain(value: Any) -> Any:
    """YAML values as JSON values (dates become ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _resolve_data(
    node: Any, path: Path_, block: ChartBlock, places: Places,
    datasets: Mapping[str, Dataset], refs: dict[str, Dataset], files: dict[str, DataFile],
    root: Path, data_dir: Path,
) -> Any:
    """Replace every `data: NAME` with a named inline dataset and check every data URL."""
    if isinstance(node, list):
        return [_resolve_data(v, path + (i,), block, places, datasets, refs, files, root,
                              data_dir) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = path + (key,)
        if key == "data" and isinstance(value, str):
            refs[value] = _dataset(value, here, block, places, datasets, data_dir, root)
            out[key] = {"name": value}
        elif key == "data" and isinstance(value, dict) and isinstance(value.get("name"), str) \
                and value["name"] in datasets:
            refs[value["name"]] = datasets[value["name"]]
            out[key] = value
        elif key == "data" and isinstance(value, dict) and isinstance(value.get("url"), str):
            out[key] = _data_url(value, here, block, places, files, root)
        else:
            out[key] = _resolve_data(value, here, block, places, datasets, refs, files, root,
                                     data_dir)
    return out


def _dataset(name: str, path: Path_, block: ChartBlock, places: Places,
             datasets: Mapping[str, Dataset], data_dir: Path, root: Path) -> Dataset:
    if name in datasets:
        return datasets[name]
    broken = sorted(p for p in data_dir.rglob(f"{name}.*") if p.is_file()) \
        if data_dir.is_dir() else []
    if broken:
        message = (f"the dataset '{name}' could not be loaded "
                   f"(see the error reported for {_shown(broken[0], root)})")
        hint = "fix the data file; the chart is built once it loads"
    else:
        known = ", ".join(sorted(datasets)) or "none"
        message = f"no dataset named '{name}' (datasets: {known})"
        hint = did_you_mean(name, datasets) or \
            f"add content/data/{name}.csv (or .json, .yaml, .toml), or fix the name"
    raise ChartProblem(Problem(message, block.page, places.line(path), None, hint))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _data_url(value: dict[str, Any], path: Path_, block: ChartBlock, places: Places,
              files: dict[str, DataFile], root: Path) -> dict[str, Any]:
    """A relative data URL names a file of the site; it is published and fetched from there."""
    url = value["url"]
    line = places.line(path + ("url",))
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", url):
        if url.startswith("data:"):
            return value
        raise ChartProblem(Problem(
            f"the data URL {url!r} points to another host; a page fetches nothing from "
            "another host", block.page, line, None,
            "save the file under content/data/ and name it: `data: NAME`",
        ))
    relative = url.split("?")[0].split("#")[0].lstrip("/")
    candidates = [root / relative, root / "content" / relative, root / "static" / relative]
    found = next((p for p in candidates if p.is_file() and _inside(p, root)), None)
    if found is None:
        raise ChartProblem(Problem(
            f"the data URL {url!r} names no file of the site", block.page, line, None,
            "give a path from the site root (content/data/x.csv) or name a dataset: "
            "`data: NAME`",
        ))
    import hashlib

    content = found.read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:10]
    site_path = f"charts/files/{found.stem}.{digest}{found.suffix}"
    files[site_path] = DataFile(found.relative_to(root).as_posix(), site_path, content)
    fmt = dict(value.get("format") or {})
    fmt.setdefault("type", {".csv": "csv", ".tsv": "tsv", ".json": "json"}.get(
        found.suffix.lower(), "json"))
    return {**value, "url": ROOT_TOKEN + site_path, "format": fmt}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _inline_urls(node: Any, files: Mapping[str, DataFile]) -> Any:
    if isinstance(node, list):
        return [_inline_urls(v, files) for v in node]
    if not isinstance(node, dict):
        return node
    url = node.get("url")
    if isinstance(url, str) and url.startswith(ROOT_TOKEN) and url[len(ROOT_TOKEN):] in files:
        text = files[url[len(ROOT_TOKEN):]].content.decode("utf-8-sig")
        return {k: v for k, v in node.items() if k != "url"} | {"values": text}
    return {k: _inline_urls(v, files) for k, v in node.items()}


# --- fields: shorthand, inferred types, existence -----------------------------------------


_CONTAINERS = ("layer", "hconcat", "vconcat", "concat")


_UNTYPED = {"x2", "y2", "xError", "xError2", "yError", "yError2", "theta2", "radius2",
            "latitude2", "longitude2"}
"""Secondary channels take a field but no type: it is the primary channel's."""


class _FieldChecker:
    """Walks views in order: expands shorthand, infers types, checks fields exist."""

    def __init__(self, block: ChartBlock, places: Places, refs: Mapping[str, Dataset]) -> None:
        self.block = block
        self.places = places
        self.refs = refs

    def view(self, spec: dict[str, Any], path: Path_, scope: _Scope | None) -> None:
        """One view (unit, layer, concat, facet or repeat) with the fields its data offers."""
        data = spec.get("data")
        if isinstance(data, dict) and data.get("name") in self.refs:
            ds = self.refs[data["name"]]
            scope = _Scope(ds, set(ds.columns), closed=True)
        elif data is not None:
            scope = None
        elif scope is not None:
            scope = _Scope(scope.dataset, set(scope.fields), scope.closed)
        if scope is not None:
            for index, transform in enumerate(spec.get("transform") or []):
                if isinstance(transform, dict):
                    self.transform(transform, path + ("transform", index), scope)
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            self.encoding(encoding, path + ("encoding",), scope)
        facet = spec.get("facet")
        if isinstance(facet, dict) and scope is not None:
            self.channel(spec, "facet", path, scope)
            for name in ("row", "column"):
                if name in facet:
                    self.channel(facet, name, path + ("facet",), scope)
        for key in _CONTAINERS:
            children = spec.get(key)
            if isinstance(children, list):
                for index, child in enumerate(children):
                    if isinstance(child, dict):
                        self.view(child, path + (key, index), scope)
        inner = spec.get("spec")
        if isinstance(inner, dict):
            self.view(inner, path + ("spec",), scope)

    def encoding(self, encoding: dict[str, Any], path: Path_, scope: _Scope | None) -> None:
        for channel in list(encoding):
            value = encoding[channel]
            if isinstance(value, list):
                for index in range(len(value)):
                    self.channel(value, index, path + (channel,), scope)
            else:
                self.channel(encoding, channel, path, scope, typed=channel not in _UNTYPED)

    def channel(self, parent: Any, key: str | int, path: Path_, scope: _Scope | None,
                typed: bool = True) -> None:
        """Expand shorthand in place, then check and type the field."""
        here = path + (key,)
        value = parent[key]
        if isinstance(value, str):
            value = parent[key] = _parse_shorthand(value)
        if not isinstance(value, dict):
            return
        condition = value.get("condition")
        if isinstance(condition, dict):
            self.channel(value, "condition", here, scope, typed)
        field_name = value.get("field")
        if not isinstance(field_name, str) or scope is None:
            return
        self.field(field_name, here + ("field",), scope)
        inferable = typed and not any(k in value for k in ("type", "aggregate", "bin", "timeUnit"))
        if inferable and field_name in scope.dataset.column_types:
            value["type"] = FIELD_TYPES.get(scope.dataset.column_types[field_name], "nominal")

    def field(self, name: str, path: Path_, scope: _Scope) -> None:
        """A field the data lacks is an error naming it and listing the columns."""
        if not scope.closed or name in scope.fields or _top_field(name) in scope.fields:
            return
        columns = ", ".join(scope.dataset.columns)
        derived = sorted(scope.fields - set(scope.dataset.columns))
        extra = f"; computed by the transforms: {', '.join(derived)}" if derived else ""
        raise ChartProblem(Problem(
            f"field '{name}' is not in the dataset '{scope.dataset.name}' "
            f"(columns: {columns}{extra})",
            self.block.page, self.places.line(path), None,
            did_you_mean(name, scope.fields) or f"check {scope.dataset.path}",
        ))

    def transform(self, transform: dict[str, Any], path: Path_, scope: _Scope) -> None:
        """Check the fields a transform reads, then add the ones it makes."""
        def check(value: Any, *where: str | int) -> None:
            if isinstance(value, str):
                self.field(value, path + where, scope)

        def check_all(values: Any, *where: str | int) -> None:
            if isinstance(values, list):
                for index, value in enumerate(values):
                    check(value, *where, index)

        for key in ("filter", "calculate"):
            if isinstance(transform.get(key), str):
                for name in datum_fields(transform[key]):
                    self.field(name, path + (key,), scope)
        if isinstance(transform.get("filter"), dict):
            check(transform["filter"].get("field"), "filter", "field")
        for key in ("aggregate", "joinaggregate", "window"):
            for index, item in enumerate(transform.get(key) or []):
                if isinstance(item, dict):
                    check(item.get("field"), key, index, "field")
        check_all(transform.get("groupby"), "groupby")
        check_all(transform.get("fold"), "fold")
        check_all(transform.get("flatten"), "flatten")
        for key in ("stack", "density", "quantile", "regression", "loess", "on", "impute",
                    "key", "lookup"):
            check(transform.get(key), key)
        if "bin" in transform or "timeUnit" in transform:
            check(transform.get("field"), "field")
        if "pivot" in transform:
            check(transform.get("pivot"), "pivot")
            check(transform.get("value"), "value")
            scope.closed = False
        if "lookup" in transform:
            source = transform.get("from") or {}
            if not isinstance(source.get("fields"), list) and "as" not in transform:
                scope.closed = False
        scope.fields.update(_made_fields(transform))


@dataclass
class _Scope:
    """The fields a view can use: its dataset's columns plus what transforms made so far."""

    dataset: Dataset
    fields: set[str]
    closed: bool = True
    """False once a transform (pivot, open lookup) makes fields we cannot name."""


def _top_field(name: str) -> str:
    """`a.b` reads field a's member b in Vega-Lite; `a\\.b` is the field 'a.b'."""
    return name.replace("\\.", "\0").split(".")[0].replace("\0", ".").split("[")[0]


def _made_fields(transform: Mapping[str, Any]) -> set[str]:
    """Names of the fields a transform adds (its `as`, with each transform's defaults)."""
    made: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            made.add(value)
        elif isinstance(value, list):
            made.update(v for v in value if isinstance(v, str))

    add(transform.get("as"))
    for key in ("aggregate", "joinaggregate", "window"):
        for item in transform.get(key) or []:
            if isinstance(item, dict):
                add(item.get("as"))
    defaults = {"fold": ["key", "value"], "density": ["value", "density"],
                "quantile": ["prob", "value"], "timeUnit": [], "bin": []}
    for key, names in defaults.items():
        if key in transform and "as" not in transform:
            made.update(names)
    if "regression" in transform or "loess" in transform:
        if "as" not in transform:
            made.update(str(transform.get(k)) for k in ("on", "regression", "loess")
                        if transform.get(k))
    if "bin" in transform and isinstance(transform.get("as"), str):
        made.add(transform["as"] + "_end")
    if "stack" in transform and isinstance(transform.get("as"), list):
        add(transform["as"])
    if "lookup" in transform:
        source = transform.get("from") or {}
        add(source.get("fields"))
    if "pivot" in transform:
        add(transform.get("groupby"))
    return made


def _parse_shorthand(text: str) -> dict[str, Any]:
    """Altair shorthand (`period:O`, `sum(value):Q`, `count()`) as a channel mapping."""
    from altair.utils.core import parse_shorthand

    parsed = dict(parse_shorthand(text))
    if not parsed and text:
        return {"field": text}
    return parsed


def _validate(spec: dict[str, Any], block: ChartBlock, places: Places,
              checker: SchemaChecker) -> None:
    """The spec against Vega-Lite's schema; the clearest problem is placed at its key."""
    found = checker.problem(spec)
    if found is not None:
        message, where = found
        raise ChartProblem(Problem(message, block.page, places.line(where), None,
                                   schema_hint(where)))


def with_altair_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """What Altair's to_dict adds -- its theme's config under the spec's own, and $schema --
    so a YAML chart and the same chart from a module look alike."""
    import altair as alt

    theme = alt.theme.get()
    defaults = theme() if theme is not None else {}
    out = dict(spec)
    if defaults.get("config"):
        out["config"] = _merged(defaults["config"], spec.get("config") or {})
    out.setdefault("$schema", alt.SCHEMA_URL)
    return out


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- data for charts, tables and sources --------------------------------------------------


def local_date(value: dt.date) -> str:
    """A date as local midnight, so the chart shows the same day in every time zone."""
    return f"{value.isoformat()}T00:00:00"


def _chart_records(dataset: Dataset) -> list[dict[str, Any]]:
    return [{k: local_date(v) if isinstance(v, dt.date) else v for k, v in row.values.items()}
            for row in dataset.rows]


def title_text(title: Any) -> tuple[str, str]:
    """The text (and subtitle) of a Vega-Lite title value."""
    def text(value: Any) -> str:
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        return "" if value is None or isinstance(value, dict) else str(value)
    if isinstance(title, dict):
        return text(title.get("text")), text(title.get("subtitle"))
    return text(title), ""
