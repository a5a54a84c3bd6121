"""Charts: ```chart blocks and chart modules -> Altair -> Vega-Lite -> figures in the page.

Each chart becomes a `<figure class="chart">` holding a static SVG rendered at build time
(seen at once, without JavaScript, in print and in feeds), a slot where vega-embed draws the
interactive chart when the figure scrolls into view, a caption (title, kind, source, CSV
download) and the data as a table. Rendering is cached on disk by a hash of everything that
shapes the output, so a warm rebuild renders no unchanged chart.

The build calls, once per build:

    results, problems = render_all(blocks, datasets, config, ChartCache(config.cache_dir))

and, when any page has a chart, writes `runtime_files(cache)` and puts `head_html(prefix)` in
those pages' <head>. This module holds that entry point and the runtime; the rest of the
room, in the order a chart passes through it:

    chart_blocks   a fence's YAML with the line of every key; the keys the page shows
    chart_specs    YAML blocks -> checked Vega-Lite specs (fields typed in chart_fields,
                   schema errors worded in chart_schema); chart_modules runs `python:` blocks
    chart_render   vl-convert: SVG, PNG and the vega bundle, in worker processes
    chart_tables   the rows a chart shows, its sources, table and CSV
    chart_cache    rendered charts on disk and the keys that say they are still good
    chart_figures  a cache entry and the <figure> a RenderedChart places in a page
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.charts.blocks import ChartBlock, ChartProblem, read_block_yaml
from sitegen.charts.cache import (
    CHARTS_VERSION, ChartCache, block_key, output_versions, package_version,
)
from sitegen.charts.figures import (
    RenderedChart, file_bytes, from_entry, new_entry, png_spec, rendered_chart,
)
from sitegen.charts.modules import build_python_chart
from sitegen.charts.schema import SchemaChecker, key_name
from sitegen.charts.specs import ChartSpec, build_yaml_chart
from sitegen.inputs.data import Dataset
from sitegen.errors import Problem
from sitegen.build.static import content_hashed

__all__ = [
    "CHARTS_VERSION", "ChartBlock", "ChartCache", "RenderedChart", "head_html", "render_all",
    "runtime_files",
]


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
    versions = output_versions()
    results: dict[tuple[str, int], RenderedChart] = {}
    problems: list[Problem] = []
    blocks = list(blocks)
    misses: list[tuple[ChartBlock, str]] = []
    for block in blocks:
        key = block_key(block, charts_dir, versions)
        entry = cache.entry(key) if cache is not None else None
        hit = from_entry(block, key, entry, datasets, root, cache) if entry else None
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
    from sitegen.charts.render import (
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
            png_ticket = (pool.submit("png", (json.dumps(png_spec(chart)), version))
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
    from sitegen.charts.render import locate_render_error, render_svg

    block, chart = prepared.block, prepared.chart
    if prepared.ticket is None:
        svg, error = render_svg(prepared.job)
    else:
        svg, error = pool.result(prepared.ticket, lambda: render_svg(prepared.job))
    if svg is None:
        return [_render_problem(block, chart, prepared.spec, error or "unknown error",
                                locate_render_error(prepared.spec, error or "", version))]
    entry = new_entry(block, chart, svg)
    if cache is not None:
        cache.store(prepared.key, entry)
        if prepared.png_ticket is not None:
            image = pool.result(prepared.png_ticket, lambda: None)
            if image:
                cache.write(f"{prepared.key}.png", base64.b64decode(image))
    results[(block.page, block.index)] = rendered_chart(block, prepared.key, entry,
                                                        file_bytes(chart), cache)
    return _placed_warnings(entry["warnings"], block, strict)


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


def _placed_warnings(stored: Iterable[Any], block: ChartBlock, strict: bool) -> list[Problem]:
    """Stored warnings placed at the block's current fence (errors under --strict)."""
    return [Problem(message, block.page, block.line + offset, None, hint,
                    severity="error" if strict else "warning")
            for message, offset, hint in stored]


# --- the runtime: vega bundle, embed script and stylesheet --------------------------------


def _asset(name: str) -> bytes:
    return (resources.files("sitegen.charts") / "assets" / name).read_bytes()


def _bundle_name() -> str:
    """The bundle's cache name: it is a pure function of the vl-convert and Altair versions."""
    identity = f"{package_version('vl-convert-python')}|{package_version('altair')}"
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
        from sitegen.charts.render import javascript_bundle, vegalite_version

        bundle = javascript_bundle(vegalite_version()).encode()
        if cache is not None:
            cache.write(_bundle_name(), bundle)
    script, style = _asset("charts.js"), _asset("charts.css")
    return MappingProxyType({
        _bundle_site_path(): bundle,
        content_hashed("charts/sitegen-charts.js", script): script,
        content_hashed("charts/sitegen-charts.css", style): style,
    })


def head_html(root_prefix: str) -> str:
    """The tags a page with charts puts in <head>: the stylesheet and the deferred embed script.

    The embed script loads the vega bundle itself, once a chart nears the viewport.
    """
    script, style = _asset("charts.js"), _asset("charts.css")
    css = html.escape(root_prefix + content_hashed("charts/sitegen-charts.css", style))
    js = html.escape(root_prefix + content_hashed("charts/sitegen-charts.js", script))
    bundle = html.escape(root_prefix + _bundle_site_path())
    return (f'<link rel="stylesheet" href="{css}">\n'
            f'<script defer src="{js}" data-vega-bundle="{bundle}"></script>')
