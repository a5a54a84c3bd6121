"""Every chart of a build: cached ones reused, the rest built, checked and drawn.

A chart's key covers its block and module (charts.cache); a cached chart is reused while the
datasets and files it read are unchanged. The rest are built here (YAML blocks in specs,
`python:` blocks in modules) and drawn by vl-convert, in worker processes when there are many
(charts.render), which also compiles each chart's Vega-Lite to the Vega spec the page ships.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sitegen.charts.blocks import ChartBlock, read_block_yaml
from sitegen.charts.cache import ChartCache, block_key, output_versions
from sitegen.charts.evaluate import fill_data, strip_data
from sitegen.charts.figures import (
    RenderedChart,
    file_bytes,
    from_entry,
    interactive_spec,
    new_entry,
    png_spec,
    rendered_chart,
)
from sitegen.charts.images import site_images
from sitegen.charts.jobs import Handle, Jobs
from sitegen.charts.modules import build_python_chart
from sitegen.charts.offsite import check_offsite
from sitegen.charts.schema import SchemaChecker, key_name
from sitegen.charts.shipped import ship
from sitegen.charts.specs import ChartSpec, build_yaml_chart
from sitegen.config import SitePaths
from sitegen.errors import ChartError, Problem, ProblemCollector
from sitegen.inputs import Dataset


@dataclass(frozen=True)
class _Prepared:
    """A chart built and checked, its SVG (and maybe PNG) on the way."""

    block: ChartBlock
    key: str
    chart: ChartSpec
    spec: dict[str, Any]
    values: dict[str, list[Any]]
    """The chart's datasets' rows, left out of the Vega-Lite it compiles (vl-convert copies
    data through) and put back into the Vega."""
    big: bool
    job: tuple[str, str, str | None] | None
    vega_job: tuple[str, str, str | None]
    ticket: Handle | None
    vega_ticket: Handle
    png_ticket: Handle | None


def render_all(
    blocks: Iterable[ChartBlock], datasets: Mapping[str, Dataset], paths: SitePaths,
    cache: ChartCache | None, problems: ProblemCollector, allowed_hosts: Sequence[str] = (),
    run_timeout: float = 300.0, tick: Callable[[str, int], None] | None = None,
) -> dict[tuple[str, int], RenderedChart]:
    """Every chart block -> a RenderedChart, reusing cached ones; a chart that fails is left
    out and its problem recorded (its warnings too). allowed_hosts are the hosts a spec may
    name (the `allowed_hosts` setting; part of every chart's key); run_timeout bounds each
    chart module's run. tick, when given, is told of each chart drawn anew
    ("charts rendered", 1).
    """
    versions = output_versions() + "|" + ",".join(allowed_hosts)
    results: dict[tuple[str, int], RenderedChart] = {}
    blocks = list(blocks)
    misses: list[tuple[ChartBlock, str]] = []
    for block in blocks:
        key = block_key(block, paths.charts, versions)
        entry = cache.entry(key) if cache is not None else None
        hit = from_entry(block, key, entry, datasets, paths.root, cache) if entry else None
        if hit is None:
            misses.append((block, key))
            continue
        results[(block.page, block.index)] = hit[0]
        _warn(hit[1], block, problems)
    if misses:
        _render_misses(misses, datasets, paths, cache, results, problems,
                       (allowed_hosts, run_timeout), tick or (lambda what, count: None))
    _check_unique_ids(results, blocks, problems)
    return results


def _render_misses(misses: Sequence[tuple[ChartBlock, str]], datasets: Mapping[str, Dataset],
                   paths: SitePaths, cache: ChartCache | None,
                   results: dict[tuple[str, int], RenderedChart],
                   problems: ProblemCollector, limits: tuple[Sequence[str], float],
                   tick: Callable[[str, int], None]) -> None:
    """Build the specs of charts not in the cache and render them, then store them.

    With many charts, worker processes start first and render each spec as soon as it is
    built (with its Vega spec, and the social-image PNG of each page's first chart), so
    vl-convert's start-up overlaps the Altair work here; with few, this process renders them.
    """
    from sitegen.charts.render import (
        BIG_ROWS,
        POOL_MIN_CHARTS,
        POOL_WORKERS,
        RenderPool,
        vegalite_version,
    )

    many = len(misses) >= POOL_MIN_CHARTS
    pool = RenderPool(POOL_WORKERS) if many else None
    jobs = Jobs(pool, cache.user if cache is not None else None)
    try:
        version = vegalite_version()
        checker = SchemaChecker()
        pending: list[_Prepared] = []
        for block, key in misses:
            try:
                chart = _build_chart(block, datasets, paths, checker, *limits)
            except ChartError as error:
                problems.add(error)
                continue
            spec = chart.render_spec()
            stripped, values = strip_data(interactive_spec(chart))
            big = sum(len(rows) for rows in values.values()) > BIG_ROWS
            job = None if big else (json.dumps(spec), chart.description, version)
            vega_job = (json.dumps(stripped), "", version)
            ticket = jobs.submit("svg", job) if job else None
            vega_ticket = jobs.submit("vega", vega_job)
            png_ticket = (jobs.submit("png", (json.dumps(png_spec(chart)), version))
                          if pool and not big and cache is not None else None)
            pending.append(_Prepared(block, key, chart, spec, values, big, job, vega_job,
                                     ticket, vega_ticket, png_ticket))
        for prepared in pending:
            with problems.gather():
                _finish(prepared, jobs, cache, results, problems, version)
                tick("charts rendered", 1)
    finally:
        if pool is not None:
            pool.close()


def _build_chart(block: ChartBlock, datasets: Mapping[str, Dataset], paths: SitePaths,
                 checker: SchemaChecker, allowed_hosts: Sequence[str],
                 run_timeout: float) -> ChartSpec:
    """A block's checked spec, from its YAML or from the chart module it names, reaching no
    other host (`offsite`)."""
    raw, places = read_block_yaml(block)
    if "python" in raw:
        chart = build_python_chart(block, raw, places, datasets, paths.root, paths.charts,
                                   checker, run_timeout)
        module = next((p for p in sorted(chart.inputs) if p.endswith(".py")), None)
        check_offsite(chart.spec, block, None, allowed_hosts, module)
        return chart
    chart = build_yaml_chart(block, raw, places, datasets, paths.root, paths.data, checker)
    check_offsite(chart.spec, block, places, allowed_hosts)
    return chart


def _finish(prepared: _Prepared, jobs: Jobs, cache: ChartCache | None,
            results: dict[tuple[str, int], RenderedChart], problems: ProblemCollector,
            version: str | None) -> None:
    """One chart's SVG in hand: a problem if Vega failed, else an entry stored and a result."""
    from sitegen.charts.render import compile_vega, locate_render_error

    block, chart = prepared.block, prepared.chart
    svg, png, error = _static(prepared, jobs, version)
    if svg is None and png is None:
        raise _render_error(block, chart, prepared.spec, error or "unknown error",
                            locate_render_error(prepared.spec, error or "", version))
    vega, error = jobs.result(prepared.vega_ticket, lambda: compile_vega(prepared.vega_job))
    if vega is None:
        raise _render_error(block, chart, prepared.spec, error or "unknown error", None)
    compiled = site_images(json.loads(vega), {url: f.site_path for url, f in chart.images})
    shipped = ship(fill_data(compiled, prepared.values), prepared.values, chart.used)
    if chart.images:  # published with the chart, and read: a changed image renders it again
        shipped = replace(shipped, files=shipped.files + tuple(
            (f.site_path, f.content) for _, f in chart.images))
    entry = new_entry(block, chart, svg, shipped, png, prepared.big)
    entry["deps"]["files"].update({f.source: hashlib.sha256(f.content).hexdigest()
                                   for _, f in chart.images})
    if cache is not None:
        cache.store(prepared.key, entry)
        if png is not None:
            cache.write(f"{prepared.key}.png", png)
        if prepared.png_ticket is not None:
            image = jobs.result(prepared.png_ticket, lambda: None)
            if image:
                cache.write(f"{prepared.key}.png", base64.b64decode(image))
    read = {ds.name: ds for ds, _ in chart.used}
    results[(block.page, block.index)] = rendered_chart(block, prepared.key, entry,
                                                        file_bytes(chart), cache, read)
    _warn(entry["warnings"], block, problems)


def _static(prepared: _Prepared, jobs: Jobs, version: str | None,
            ) -> tuple[str | None, bytes | None, str | None]:
    """The chart's static image: (SVG, PNG or None, error): a big chart's from its evaluated
    data, in this process; the others' by vl-convert, in a worker when there is a pool."""
    from sitegen.charts.render import render_static_evaluated, render_svg

    if prepared.job is None:
        return render_static_evaluated(prepared.spec, prepared.values,
                                       prepared.chart.description, version)
    job, handle = prepared.job, prepared.ticket
    svg, error = jobs.result(handle, lambda: render_svg(job)) if handle else render_svg(job)
    return svg, None, error


def _render_error(block: ChartBlock, chart: ChartSpec, spec: Mapping[str, Any], error: str,
                  where: tuple[str | int, ...] | None) -> ChartError:
    """A chart Vega cannot draw, placed at the expression that fails when it can be found."""
    module = next((p for p in chart.inputs if p.endswith(".py")), None)
    if module is not None:
        return ChartError(
            f"Vega cannot draw the chart: {error} (used by {block.page}:{block.line})", module)
    line = block.line
    if where is not None:
        try:
            _, places = read_block_yaml(block)
            line = places.line(where)
        except ChartError:
            pass
    key = key_name(where) if where else ""
    message = f"Vega cannot draw the chart: {error}"
    if key:
        message = f"the expression in `{key}` fails: {error}"
    return ChartError(message, block.page, line, None,
                      "expressions use JavaScript syntax: datum.field == 'text' && datum.x > 1")


def _check_unique_ids(results: Mapping[tuple[str, int], RenderedChart],
                      blocks: Sequence[ChartBlock], problems: ProblemCollector) -> None:
    seen: dict[tuple[str, str], ChartBlock] = {}
    for block in blocks:
        chart = results.get((block.page, block.index))
        if chart is None:
            continue
        first = seen.setdefault((block.page, chart.figure_id), block)
        if first is not block:
            problems.add(ChartError(
                f"two charts on this page have the id '{chart.figure_id}' (the first is on "
                f"line {first.line})", block.page, block.line, None, "give each a unique `id:`",
            ))


def _warn(stored: Iterable[Any], block: ChartBlock, problems: ProblemCollector) -> None:
    """A chart's stored warnings, placed at its block's current fence."""
    for message, offset, hint in stored:
        problems.warn(Problem(message, block.page, block.line + offset, None, hint))
