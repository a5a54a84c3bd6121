"""Charts: ```chart blocks and chart modules -> Altair -> Vega-Lite -> figures in the page.

Each chart becomes a `<figure class="chart">` holding a static SVG rendered at build time
(seen at once, without JavaScript, in print and in feeds), a slot where vega-embed draws the
interactive chart when the figure scrolls into view, a caption (title, kind, source, CSV
download) and the data as a table. Rendering is cached on disk by a hash of everything that
shapes the output, so a warm rebuild renders no unchanged chart.

The build calls, once per build:

    results, problems = render_all(blocks, datasets, config, ChartCache(config.cache_dir))

and, when any page has a chart, writes `runtime_files(cache)` and puts `head_html(prefix)` in
those pages' <head>. Specs are built in chart_specs.py, rendered in chart_render.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.chart_render import ID_TOKEN
from sitegen.chart_modules import build_python_chart
from sitegen.chart_schema import SchemaChecker, key_name
from sitegen.chart_specs import (
    ROOT_TOKEN, ChartBlock, ChartProblem, ChartSpec, build_yaml_chart, read_block_yaml,
)
from sitegen.chart_tables import csv_text, source_html, tables_html
from sitegen.data import Dataset
from sitegen.errors import Problem

CHARTS_VERSION = "2"
"""Bump when a change here alters rendered output, so cached charts are rendered again."""

KIND_LABELS = {"reported": "Reported", "estimate": "Estimate", "claim": "Claim",
               "mixed": "Mixed"}

__all__ = [
    "CHARTS_VERSION", "ChartBlock", "ChartCache", "RenderedChart", "head_html", "render_all",
    "runtime_files",
]


# --- the cache ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartCache:
    """Rendered charts on disk, one JSON entry per chart key; safe to delete at any time."""

    directory: Path

    def _path(self, name: str) -> Path:
        return self.directory / "charts" / name

    def read(self, name: str) -> bytes | None:
        """The stored bytes under name, or None."""
        try:
            return self._path(name).read_bytes()
        except OSError:
            return None

    def write(self, name: str, content: bytes) -> None:
        """Store bytes atomically (a concurrent build sees the old entry or the new one)."""
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def has(self, name: str) -> bool:
        return self._path(name).is_file()

    def entry(self, key: str) -> dict[str, Any] | None:
        """The JSON entry of a chart key, or None when missing or unreadable."""
        raw = self.read(f"{key}.json")
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) and value.get("version") == CHARTS_VERSION \
            else None

    def store(self, key: str, entry: Mapping[str, Any]) -> None:
        self.write(f"{key}.json", json.dumps(entry, sort_keys=True).encode())


# --- a rendered chart ---------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One CSV of the chart's data: its label, site path and bytes."""

    label: str
    site_path: str
    content: bytes


@dataclass(frozen=True)
class RenderedChart:
    """Everything the page needs for one chart; figure_html places it for a page depth."""

    page: str
    index: int
    figure_id: str
    title: str
    subtitle: str
    description: str
    caption: str
    kind: str | None
    source_html: str
    svg: str
    spec_json: str
    tables_html: str
    downloads: tuple[Download, ...]
    inputs: frozenset[str]
    png_spec_json: str
    key: str
    cache: ChartCache | None = field(default=None, compare=False, repr=False)

    @property
    def files(self) -> Mapping[str, bytes]:
        """Site path -> bytes of the files this chart publishes (its CSVs, its data URLs)."""
        return MappingProxyType({d.site_path: d.content for d in self.downloads})

    def figure_html(self, root_prefix: str) -> str:
        """The whole <figure class="chart">, with URLs relative to a page at root_prefix."""
        svg = self.svg.replace(ID_TOKEN, f"{self.figure_id}-svg")
        spec = self.spec_json.replace(ROOT_TOKEN, root_prefix)
        kind = ""
        if self.kind:
            kind = (f'{" " if self.title else ""}<span class="chart-kind chart-kind-{self.kind}">'
                    f"{KIND_LABELS[self.kind]}</span>")
        parts = [
            f'<figure class="chart" id="{self.figure_id}"'
            + (f' data-chart-kind="{self.kind}"' if self.kind else "") + ">",
            f'<div class="chart-static">{svg}</div>',
            '<div class="chart-interactive"></div>',
            f'<script type="application/json" class="chart-spec">{spec}</script>',
            '<figcaption class="chart-caption">',
        ]
        if self.title or kind:
            parts.append(f'<p class="chart-title">{html.escape(self.title)}{kind}</p>')
        if self.subtitle:
            parts.append(f'<p class="chart-subtitle">{html.escape(self.subtitle)}</p>')
        if self.caption:
            parts.append(f'<p class="chart-text">{html.escape(self.caption)}</p>')
        links = " ".join(
            f'<a class="chart-download" href="{html.escape(root_prefix + d.site_path)}" '
            f'download>{html.escape(d.label)}</a>' for d in self.downloads)
        if self.source_html or links:
            parts.append(f'<p class="chart-source">{self.source_html}'
                         + (" " if self.source_html and links else "") + links + "</p>")
        parts.append(self.tables_html)
        parts.append("</figcaption></figure>")
        return "\n".join(p for p in parts if p)

    def png(self) -> bytes:
        """A PNG of the chart with its title, for the page's social image (rendered once)."""
        name = f"{self.key}.png"
        if self.cache is not None:
            cached = self.cache.read(name)
            if cached is not None:
                return cached
        from sitegen.chart_render import render_png, vegalite_version

        image = render_png(json.loads(self.png_spec_json), vegalite_version())
        if self.cache is not None:
            self.cache.write(name, image)
        return image


# --- rendering every chart of a build -----------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A chart built and checked, its SVG (and maybe PNG) on the way."""

    block: ChartBlock
    key: str
    chart: ChartSpec
    spec: dict[str, Any]
    job: tuple[str, str, str | None]
    ticket: int | None
    png_ticket: int | None


def render_all(
    blocks: Iterable[ChartBlock], datasets: Mapping[str, Dataset], config: Any,
    cache: ChartCache | None = None,
) -> tuple[dict[tuple[str, int], RenderedChart], list[Problem]]:
    """Every chart block -> a RenderedChart, reusing cached ones; problems are returned, located.

    config needs `.root`, `.strict`, and the data and chart module directories (`.data_dir`,
    `.charts_dir`, defaulting to content/data and content/charts under the root). With a
    cache, the vega bundle is made into it too (in a worker, while the charts render), so
    runtime_files(cache) finds it.
    """
    root = Path(config.root)
    strict = bool(getattr(config, "strict", False))
    charts_dir = Path(getattr(config, "charts_dir", root / "content" / "charts"))
    versions = _versions()
    results: dict[tuple[str, int], RenderedChart] = {}
    problems: list[Problem] = []
    blocks = list(blocks)
    misses: list[tuple[ChartBlock, str]] = []
    for block in blocks:
        key = _block_key(block, charts_dir, versions)
        entry = cache.entry(key) if cache is not None else None
        hit = _from_entry(block, key, entry, datasets, root, cache) if entry else None
        if hit is None:
            misses.append((block, key))
            continue
        results[(block.page, block.index)] = hit[0]
        problems += _placed_warnings(hit[1], block, strict)
    want_bundle = bool(blocks) and cache is not None and not cache.has(_bundle_name())
    if misses or want_bundle:
        problems += _render_misses(misses, datasets, config, cache, want_bundle, results)
    problems += _duplicate_ids(results, blocks)
    return results, problems


def _render_misses(misses: Sequence[tuple[ChartBlock, str]], datasets: Mapping[str, Dataset],
                   config: Any, cache: ChartCache | None, want_bundle: bool,
                   results: dict[tuple[str, int], RenderedChart]) -> list[Problem]:
    """Build the specs of charts not in the cache and render them, then store them.

    With many charts, worker processes start first and render each spec as soon as it is
    built (with the social-image PNG of each page's first chart), so vl-convert's start-up and
    the bundle overlap the Altair work here; with few, this process renders them.
    """
    from sitegen.chart_render import (
        POOL_MIN_CHARTS, POOL_WORKERS, RenderPool, javascript_bundle, vegalite_version,
    )

    root = Path(config.root)
    data_dir = Path(getattr(config, "data_dir", root / "content" / "data"))
    charts_dir = Path(getattr(config, "charts_dir", root / "content" / "charts"))
    strict = bool(getattr(config, "strict", False))
    many = len(misses) >= POOL_MIN_CHARTS
    pool = RenderPool(POOL_WORKERS if many else 1) if many or want_bundle else None
    problems: list[Problem] = []
    try:
        version = vegalite_version()
        bundle_ticket = pool.submit("bundle", version) if pool and want_bundle else None
        checker = SchemaChecker()
        pending: list[_Prepared] = []
        for block, key in misses:
            try:
                raw, places = read_block_yaml(block)
                if "python" in raw:
                    chart = build_python_chart(block, raw, places, datasets, root, charts_dir,
                                               checker)
                else:
                    chart = build_yaml_chart(block, raw, places, datasets, root, data_dir,
                                             checker)
            except ChartProblem as error:
                problems.append(error.problem)
                continue
            spec = chart.render_spec()
            job = (json.dumps(spec), chart.description, version)
            ticket = pool.submit("svg", job) if pool and many else None
            png_ticket = (pool.submit("png", (json.dumps(_png_spec(chart)), version))
                          if pool and many and cache is not None and block.index == 0 else None)
            pending.append(_Prepared(block, key, chart, spec, job, ticket, png_ticket))
        for prepared in pending:
            problems += _finish(prepared, pool, cache, results, strict, version)
        if pool is not None and bundle_ticket is not None and cache is not None:
            bundle = pool.result(bundle_ticket, lambda: javascript_bundle(version))
            cache.write(_bundle_name(), bundle.encode())
    finally:
        if pool is not None:
            pool.close()
    return problems


def _finish(prepared: _Prepared, pool: Any, cache: ChartCache | None,
            results: dict[tuple[str, int], RenderedChart], strict: bool,
            version: str | None) -> list[Problem]:
    """One chart's SVG in hand: a problem if Vega failed, else an entry stored and a result."""
    from sitegen.chart_render import locate_render_error, render_svg

    block, chart = prepared.block, prepared.chart
    if prepared.ticket is None:
        svg, error = render_svg(prepared.job)
    else:
        svg, error = pool.result(prepared.ticket, lambda: render_svg(prepared.job))
    if svg is None:
        return [_render_problem(block, chart, prepared.spec, error or "unknown error",
                                locate_render_error(prepared.spec, error or "", version))]
    entry = _entry(block, chart, svg)
    if cache is not None:
        cache.store(prepared.key, entry)
        if prepared.png_ticket is not None:
            image = pool.result(prepared.png_ticket, lambda: None)
            if image:
                cache.write(f"{prepared.key}.png", base64.b64decode(image))
    results[(block.page, block.index)] = _rendered(block, prepared.key, entry,
                                                   _file_bytes(chart), cache)
    return _placed_warnings(entry["warnings"], block, strict)


def _png_spec(chart: ChartSpec) -> dict[str, Any]:
    """The spec of the social-image PNG: the chart with its title, data inline."""
    spec = dict(chart.render_spec())
    if chart.title_spec is not None:
        spec["title"] = chart.title_spec
    return spec


def _render_problem(block: ChartBlock, chart: ChartSpec, spec: Mapping[str, Any], error: str,
                    where: tuple[str | int, ...] | None) -> Problem:
    """A chart Vega cannot draw, placed at the expression that fails when it can be found."""
    module = next((p for p in chart.inputs if p.endswith(".py")), None)
    if module is not None:
        return Problem(f"Vega cannot draw the chart: {error} (used by {block.page}:{block.line})",
                       module, None, None)
    line = block.line
    if where is not None:
        try:
            _, places = read_block_yaml(block)
            line = places.line(where)
        except ChartProblem:
            pass
    key = key_name(where) if where else ""
    message = f"Vega cannot draw the chart: {error}"
    if key:
        message = f"the expression in `{key}` fails: {error}"
    return Problem(message, block.page, line, None,
                   "expressions use JavaScript syntax: datum.field == 'text' && datum.x > 1")


def _duplicate_ids(results: Mapping[tuple[str, int], RenderedChart],
                   blocks: Sequence[ChartBlock]) -> list[Problem]:
    seen: dict[tuple[str, str], ChartBlock] = {}
    problems = []
    for block in blocks:
        chart = results.get((block.page, block.index))
        if chart is None:
            continue
        first = seen.setdefault((block.page, chart.figure_id), block)
        if first is not block:
            problems.append(Problem(
                f"two charts on this page have the id '{chart.figure_id}' (the first is on "
                f"line {first.line})", block.page, block.line, None, "give each a unique `id:`",
            ))
    return problems


# --- cache keys and entries ---------------------------------------------------------------


def _versions() -> str:
    """Versions that shape the output: ours (and a hash of the chart room's code, so an edit
    there can never serve a stale chart), Altair's and vl-convert's."""
    code = hashlib.sha256()
    for name in _ROOM:
        code.update((resources.files("sitegen") / name).read_bytes())
    return "|".join([CHARTS_VERSION, code.hexdigest()[:16], _package_version("altair"),
                     _package_version("vl-convert-python")])


_ROOM = ("charts.py", "chart_specs.py", "chart_schema.py", "chart_modules.py",
         "chart_tables.py", "chart_render.py")


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _block_key(block: ChartBlock, charts_dir: Path, versions: str) -> str:
    """Hash of the block's text and (for `python:` blocks) its module's source.

    Datasets are not in the key: the entry records the digest of each dataset it read, and a
    hit needs them all unchanged, so a module that reads one dataset of many is not rebuilt
    when another changes.
    """
    digest = hashlib.sha256(versions.encode() + b"\0" + block.text.encode())
    match = re.search(r"^python:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)", block.text, re.M)
    if match:
        try:
            digest.update(b"\0" + (charts_dir / f"{match.group(1)}.py").read_bytes())
        except OSError:
            digest.update(b"\0missing")
    return digest.hexdigest()


def _entry(block: ChartBlock, chart: ChartSpec, svg: str) -> dict[str, Any]:
    """What the cache keeps of a rendered chart: page-independent text, its inputs, and its
    warnings as line offsets from the fence (a fence that moves keeps its entry)."""
    interactive = {k: v for k, v in chart.spec.items() if k != "$schema"}
    return {
        "version": CHARTS_VERSION,
        "deps": {
            "datasets": {ds.name: ds.digest for ds, _ in chart.used},
            "files": {f.source: hashlib.sha256(f.content).hexdigest() for f in chart.data_files},
        },
        "title": chart.title, "subtitle": chart.subtitle, "description": chart.description,
        "caption": chart.caption, "kind": chart.kind, "figure_id": chart.figure_id,
        "source_html": source_html(chart.source_override, chart.used), "svg": svg,
        "spec_json": _script_json(interactive),
        "png_spec_json": json.dumps(_png_spec(chart)),
        "tables_html": tables_html(chart.spec, chart.used),
        "csvs": [[ds.name, csv_text(ds, rows)] for ds, rows in chart.used],
        "data_files": [[f.site_path, f.source] for f in chart.data_files],
        "inputs": sorted(chart.inputs),
        "warnings": [[w.message, (w.line or block.line) - block.line, w.hint]
                     for w in chart.warnings],
    }


def _from_entry(block: ChartBlock, key: str, entry: Mapping[str, Any],
                datasets: Mapping[str, Dataset], root: Path, cache: ChartCache | None,
                ) -> tuple[RenderedChart, list[Any]] | None:
    """A cached chart, if every dataset and file it read is unchanged."""
    deps = entry.get("deps", {})
    for name, digest in deps.get("datasets", {}).items():
        if name not in datasets or datasets[name].digest != digest:
            return None
    files: dict[str, bytes] = {}
    for source, digest in deps.get("files", {}).items():
        try:
            content = (root / source).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(content).hexdigest() != digest:
            return None
        files[source] = content
    try:
        return _rendered(block, key, entry, files, cache), list(entry["warnings"])
    except (KeyError, TypeError, ValueError):
        return None


def _file_bytes(chart: ChartSpec) -> dict[str, bytes]:
    return {f.source: f.content for f in chart.data_files}


def _rendered(block: ChartBlock, key: str, entry: Mapping[str, Any], files: Mapping[str, bytes],
              cache: ChartCache | None) -> RenderedChart:
    figure_id = entry["figure_id"] or f"chart-{block.index + 1}"
    base = _page_stem(block.page)
    csvs, data_files = entry["csvs"], entry["data_files"]
    one = len(csvs) + len(data_files) == 1
    downloads = tuple(
        Download("Download the data (CSV)" if one else f"Download {name}.csv",
                 f"charts/{base}/{figure_id}-{name}.csv", text.encode())
        for name, text in csvs) + tuple(
        Download("Download the data" if one else f"Download {Path(source).name}", site_path,
                 files[source])
        for site_path, source in data_files)
    return RenderedChart(
        page=block.page, index=block.index, figure_id=figure_id, title=entry["title"],
        subtitle=entry["subtitle"], description=entry["description"], caption=entry["caption"],
        kind=entry["kind"], source_html=entry["source_html"], svg=entry["svg"],
        spec_json=entry["spec_json"], tables_html=entry["tables_html"], downloads=downloads,
        inputs=frozenset(entry["inputs"]), png_spec_json=entry["png_spec_json"], key=key,
        cache=cache,
    )


def _placed_warnings(stored: Iterable[Any], block: ChartBlock, strict: bool) -> list[Problem]:
    """Stored warnings placed at the block's current fence (errors under --strict)."""
    return [Problem(message, block.page, block.line + offset, None, hint,
                    severity="error" if strict else "warning")
            for message, offset, hint in stored]


def _page_stem(page: str) -> str:
    """content/a/b.md -> a/b: where a page's chart files go under charts/."""
    stem = page.removeprefix("content/")
    return stem.rsplit(".", 1)[0] if "." in stem.rsplit("/", 1)[-1] else stem


def _script_json(spec: Mapping[str, Any]) -> str:
    """JSON safe inside <script>: no `<` can close the element or open a comment."""
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


# --- the runtime: vega bundle, embed script and stylesheet --------------------------------


def _asset(name: str) -> bytes:
    return (resources.files("sitegen") / "assets" / name).read_bytes()


def _hashed(stem: str, content: bytes, suffix: str) -> str:
    return f"charts/{stem}.{hashlib.sha256(content).hexdigest()[:10]}{suffix}"


def _bundle_name() -> str:
    """The bundle's cache name: it is a pure function of the vl-convert and Altair versions."""
    identity = f"{_package_version('vl-convert-python')}|{_package_version('altair')}"
    return f"vega-bundle-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.js"


def _bundle_site_path() -> str:
    return f"charts/{_bundle_name().replace('vega-bundle-', 'vega.')}"


def runtime_files(cache: ChartCache | None = None) -> Mapping[str, bytes]:
    """Site path -> bytes of the chart runtime: vega bundle, embed script and stylesheet.

    Names carry a hash. The bundle's name hashes the versions that determine its bytes, so
    pages can name it without building it (that takes over a second; pass the build's cache
    and it is built once per vl-convert version).
    """
    bundle = cache.read(_bundle_name()) if cache is not None else None
    if bundle is None:
        from sitegen.chart_render import javascript_bundle, vegalite_version

        bundle = javascript_bundle(vegalite_version()).encode()
        if cache is not None:
            cache.write(_bundle_name(), bundle)
    script, style = _asset("charts.js"), _asset("charts.css")
    return MappingProxyType({
        _bundle_site_path(): bundle,
        _hashed("sitegen-charts", script, ".js"): script,
        _hashed("sitegen-charts", style, ".css"): style,
    })


def head_html(root_prefix: str) -> str:
    """The tags a page with charts puts in <head>: the stylesheet and the deferred embed script.

    The embed script loads the vega bundle itself, once a chart nears the viewport.
    """
    script, style = _asset("charts.js"), _asset("charts.css")
    css = html.escape(root_prefix + _hashed("sitegen-charts", style, ".css"))
    js = html.escape(root_prefix + _hashed("sitegen-charts", script, ".js"))
    bundle = html.escape(root_prefix + _bundle_site_path())
    return (f'<link rel="stylesheet" href="{css}">\n'
            f'<script defer src="{js}" data-vega-bundle="{bundle}"></script>')
