"""YAML chart blocks -> checked Vega-Lite specs (the front half of the charts room).

A YAML block (read by chart_blocks.py) is split into the keys the page shows and the
Vega-Lite spec; dataset names become inline data, data URLs name published files of the site,
fields are expanded and typed (chart_fields.py), and Altair's schema validates the result
(chart_schema.py words the errors). ChartSpec, what both kinds of block build, lives here;
`python: NAME` blocks are built by chart_modules.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.charts.blocks import PAGE_KEYS, ChartBlock, Places, page_fields
from sitegen.charts.fields import FieldChecker
from sitegen.charts.images import ROOT, data_uri, find_images, inline_images, site_file
from sitegen.charts.schema import Path_, SchemaChecker, did_you_mean, schema_hint
from sitegen.charts.tables import Used, used_rows
from sitegen.errors import ChartError, Problem
from sitegen.inputs import Dataset
from sitegen.output import content_hashed

ROOT_TOKEN = ROOT
"""Stands for the page's root prefix in an interactive spec until the page is known."""


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
    opened: tuple[tuple[str, str | None], ...] = ()
    """(site path, or absolute outside the site; content digest or None) of each file a
    chart module opened: the cache holds while each is unchanged."""
    """The spec's own `title` value, put back for the PNG (the page shows it as text)."""
    images: tuple[tuple[str, DataFile], ...] = ()
    """Each relative image URL as written and the site's file it names (charts.images)."""

    def render_spec(self) -> dict[str, Any]:
        """The spec for build-time rendering: URL data and images read inline (vl-convert
        fetches nothing)."""
        files = {f.site_path: f for f in self.data_files}
        spec = _inline_urls(self.spec, files) if files else self.spec
        if self.images:
            spec = inline_images(spec, {url: data_uri(f.content, f.source)
                                        for url, f in self.images})
        return spec


# --- building a spec from YAML ------------------------------------------------------------


def build_yaml_chart(
    block: ChartBlock, raw: dict[str, Any], places: Places,
    datasets: Mapping[str, Dataset], root: Path, data_dir: Path, checker: SchemaChecker,
) -> ChartSpec:
    """A YAML chart block -> a checked ChartSpec (ChartError at the offending key)."""
    page = page_fields(block, raw, places)
    spec = {key: _plain(value) for key, value in raw.items() if key not in PAGE_KEYS}
    if not spec:
        raise ChartError(
            "the chart block has no Vega-Lite spec", block.page, block.line, None,
            "add `data:`, `mark:` and `encoding:` (or `python: MODULE`)",
        )
    refs: dict[str, Dataset] = {}
    data_files: dict[str, DataFile] = {}
    spec = _resolve_data(spec, (), block, places, datasets, refs, data_files, root, data_dir)
    fields = FieldChecker(block, places, refs)
    fields.view(spec, (), None)
    title_spec = spec.pop("title", None)
    _validate(spec, block, places, checker)
    spec = with_altair_defaults(spec)
    records = {name: _chart_records(ds) for name, ds in refs.items()}
    images = {url: DataFile(*found) for url, found in
              find_images(spec, records, block, places, root).items()}
    if refs:
        spec["datasets"] = records
    used = used_rows(raw, refs)
    title, subtitle = title_text(title_spec)
    inputs = ({ds.path for ds in refs.values()} | {f.source for f in data_files.values()}
              | {f.source for f in images.values()})
    return ChartSpec(
        spec=spec, title=title, subtitle=subtitle, title_spec=title_spec,
        description=page["description"], caption=page["caption"],
        source_override=page["source"], kind=page["kind"], figure_id=page["id"],
        used=used, data_files=tuple(data_files.values()), inputs=frozenset(inputs),
        warnings=page["warnings"] + tuple(fields.warnings), images=tuple(images.items()),
    )


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
            dataset = _dataset(value, here, block, places, datasets, data_dir, root)
            out[key] = _named(dataset, {"name": value}, here, block, places, refs, files, root)
        elif key == "data" and isinstance(value, dict) and isinstance(value.get("name"), str) \
                and value["name"] in datasets:
            out[key] = _named(datasets[value["name"]], value, here, block, places, refs, files,
                              root)
        elif key == "data" and isinstance(value, dict) and isinstance(value.get("url"), str):
            out[key] = _data_url(value, here, block, places, files, root)
        else:
            out[key] = _resolve_data(value, here, block, places, datasets, refs, files, root,
                                     data_dir)
    return out


def _named(dataset: Dataset, value: dict[str, Any], path: Path_, block: ChartBlock,
           places: Places, refs: dict[str, Dataset], files: dict[str, DataFile],
           root: Path) -> dict[str, Any]:
    """`data` naming a dataset: a table's rows go inline, a map is a published file."""
    if dataset.kind == "map":
        return _map_data(dataset, value, path, block, places, files, root)
    wrong = dataset.not_table("a chart")
    if wrong is not None:
        raise ChartError(wrong[0], block.page, places.line(path), None, wrong[1])
    refs[dataset.name] = dataset
    return value


def _map_data(dataset: Dataset, value: dict[str, Any], path: Path_, block: ChartBlock,
              places: Places, files: dict[str, DataFile], root: Path) -> dict[str, Any]:
    """A GeoJSON or TopoJSON dataset as the data URL of its file (as `data: {url}` is), its
    format filled in: the topology's one object, a FeatureCollection's features."""
    fmt = dict(value.get("format") or {})
    topology = dataset.value.get("type") == "Topology"
    if topology and not ({"feature", "mesh"} & set(fmt)):
        objects = list(dataset.value.get("objects") or {})
        if len(objects) != 1:
            raise ChartError(
                f"the map '{dataset.name}' ({dataset.path}) holds {len(objects)} objects "
                f"({', '.join(objects)}): say which to draw", block.page, places.line(path),
                None, f"data: {{name: {dataset.name}, format: {{type: topojson, feature: "
                f"{objects[0] if objects else 'NAME'}}}}}")
        fmt["feature"] = objects[0]
    fmt.setdefault("type", "topojson" if topology else "json")
    if dataset.value.get("type") == "FeatureCollection" and fmt["type"] == "json":
        fmt.setdefault("property", "features")
    rest = {k: v for k, v in value.items() if k not in ("name", "format")}
    return _data_url({**rest, "url": dataset.path, "format": fmt}, path, block, places, files,
                     root)


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
    raise ChartError(message, block.page, places.line(path), None, hint)


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
        raise ChartError(
            f"the data URL {url!r} points to another host; a page fetches nothing from "
            "another host", block.page, line, None,
            "save the file under content/data/ and name it: `data: NAME`",
        )
    found = site_file(url, root)
    if found is None:
        raise ChartError(
            f"the data URL {url!r} names no file of the site", block.page, line, None,
            "give a path from the site root (content/data/x.csv) or name a dataset: "
            "`data: NAME`",
        )
    content = found.read_bytes()
    site_path = content_hashed(f"charts/files/{found.name}", content)
    files[site_path] = DataFile(found.relative_to(root).as_posix(), site_path, content)
    fmt = dict(value.get("format") or {})
    fmt.setdefault("type", {".csv": "csv", ".tsv": "tsv", ".json": "json"}.get(
        found.suffix.lower(), "json"))
    return {**value, "url": ROOT_TOKEN + site_path, "format": fmt}


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


# --- the schema, and Altair's defaults ---------------------------------------------------


def _validate(spec: dict[str, Any], block: ChartBlock, places: Places,
              checker: SchemaChecker) -> None:
    """The spec against Vega-Lite's schema; the clearest problem is placed at its key."""
    found = checker.problem(spec)
    if found is not None:
        message, where = found
        raise ChartError(message, block.page, places.line(where), None,
                                   schema_hint(where))


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
    return [{k: v if isinstance(v, str | int | float | None) else _chart_value(v)
             for k, v in row.values.items()} for row in dataset.rows]


def _chart_value(value: Any) -> Any:
    """A value as the chart reads it: dates as local midnight, nested values kept nested."""
    if isinstance(value, dt.date):
        return local_date(value)
    if isinstance(value, dict):
        return {k: _chart_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_chart_value(v) for v in value]
    return value


def title_text(title: Any) -> tuple[str, str]:
    """The text (and subtitle) of a Vega-Lite title value."""
    def text(value: Any) -> str:
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        return "" if value is None or isinstance(value, dict) else str(value)
    if isinstance(title, dict):
        return text(title.get("text")), text(title.get("subtitle"))
    return text(title), ""
