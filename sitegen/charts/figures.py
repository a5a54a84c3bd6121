"""A rendered chart: the cache entry that stores it, and the <figure> it becomes in a page.

An entry keeps only page-independent text (the figure id, the SVG with a placeholder id, the
interactive spec with a placeholder root prefix, caption, source, table, CSVs); a
RenderedChart made from it places those for a page's depth in figure_html.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.charts.blocks import ChartBlock
from sitegen.charts.cache import CHARTS_VERSION, ChartCache
from sitegen.charts.modules import opened_unchanged
from sitegen.charts.panel import PanelSource, metadata, panel_html, panel_sources, svg_file
from sitegen.charts.render import ID_TOKEN
from sitegen.charts.shipped import Shipped
from sitegen.charts.specs import ROOT_TOKEN, ChartSpec
from sitegen.charts.tables import Used, csv_text, source_html, tables_html
from sitegen.inputs import Dataset
from sitegen.output import content_hashed

KIND_LABELS = {"reported": "Reported", "estimate": "Estimate", "claim": "Claim",
               "mixed": "Mixed"}


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
    """The Vega spec the page's interactive chart runs (compiled from Vega-Lite at build)."""
    tables_html: str
    downloads: tuple[Download, ...]
    inputs: frozenset[str]
    png_spec_json: str
    key: str
    vegalite_json: str = ""
    """The Vega-Lite spec it was compiled from (URLs as ROOT_TOKEN paths; data inline, or
    left out for a chart of more than render.BIG_ROWS rows)."""
    data_files: tuple[tuple[str, bytes], ...] = ()
    """Files the page's spec or static image names (shared datasets, large rows, a PNG)."""
    drawn: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """Dataset name -> indexes of its rows the chart draws (build-time evaluation)."""
    drawn_exact: bool = True
    """False when a transform makes new rows from many, so `drawn` holds every row that
    reaches it (a superset, never missing a drawn row)."""
    datasets: Mapping[str, Dataset] = field(default_factory=dict, compare=False, repr=False)
    cache: ChartCache | None = field(default=None, compare=False, repr=False)

    @property
    def files(self) -> Mapping[str, bytes]:
        """Site path -> bytes of the files this chart publishes (CSVs, data, static image,
        and the panel's SVG, PNG and metadata)."""
        return MappingProxyType({d.site_path: d.content for d in self.all_downloads}
                                | dict(self.data_files))

    @cached_property
    def sources(self) -> tuple[PanelSource, ...]:
        """The sources of the rows the chart draws, with their kinds and notes."""
        return panel_sources((self.datasets[name], indexes) for name, indexes in self.drawn
                             if name in self.datasets)

    @cached_property
    def all_downloads(self) -> tuple[Download, ...]:
        """The CSVs and data files, then the SVG, the PNG and the metadata JSON (made once)."""
        base = f"charts/{_page_stem(self.page)}/{self.figure_id}"
        extra = []
        svg = svg_file(self.svg, self.figure_id, {ID_TOKEN: f"{self.figure_id}-svg",
                                                  ROOT_TOKEN: "../" * base.count("/")})
        if svg is not None:
            extra.append(Download("SVG", f"{base}.svg", svg))
        png = self.png()
        if png:
            extra.append(Download("PNG", f"{base}.png", png))
        files = {d.label: d.site_path for d in (*self.downloads, *extra)}
        meta = metadata(self.title, self.description, self.caption, self.kind, self.page,
                        self.figure_id, self.sources, dict(self.drawn_row_ids),
                        self.drawn_exact,
                        {name: self.datasets[name] for name, _ in self.drawn
                         if name in self.datasets}, files)
        return (*self.downloads, *extra, Download("Metadata (JSON)", f"{base}.json", meta))

    @property
    def drawn_row_ids(self) -> Mapping[str, tuple[str, ...]]:
        """Dataset name -> the `id` of each row the chart draws (`#N`, N from 1, for a row
        without one), in the dataset's order: the rows whose sources the chart shows."""
        out: dict[str, tuple[str, ...]] = {}
        for name, indexes in self.drawn:
            rows = self.datasets[name].rows if name in self.datasets else ()
            out[name] = tuple(
                str(rows[i].values.get("id")) if i < len(rows) and
                rows[i].values.get("id") is not None else f"#{i + 1}" for i in indexes)
        return MappingProxyType(out)

    def figure_html(self, root_prefix: str, number: int | None = None, cite: str = "") -> str:
        """The whole <figure class="chart">, with URLs relative to a page at root_prefix,
        numbered "Figure N" when number is given (its place among the page's charts), its
        panel ending with cite ("cite this figure") when given."""
        svg = self.svg.replace(ID_TOKEN, f"{self.figure_id}-svg").replace(ROOT_TOKEN,
                                                                          root_prefix)
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
        label = f'<span class="figure-number">Figure {number}</span> ' if number else ""
        if self.title or kind or label:
            parts.append(f'<p class="chart-title">{label}{html.escape(self.title)}{kind}</p>')
        if self.subtitle:
            parts.append(f'<p class="chart-subtitle">{html.escape(self.subtitle)}</p>')
        if self.caption:
            parts.append(f'<p class="chart-text">{html.escape(self.caption)}</p>')
        if self.source_html:
            parts.append(f'<p class="chart-source">{self.source_html}</p>')
        parts.append(panel_html(self.sources, [(d.label, root_prefix + d.site_path)
                                               for d in self.all_downloads],
                                self.figure_id, cite))
        parts.append(self.tables_html)
        parts.append("</figcaption></figure>")
        return "\n".join(p for p in parts if p)

    def png(self) -> bytes:
        """A PNG of the chart with its title, for its panel and the page's social image:
        drawn once for its exact inputs (the site's chart cache, then the user cache)."""
        name = f"{self.key}.png"
        if self.cache is not None:
            cached = self.cache.read(name)
            if cached is not None:
                return cached
        from sitegen.charts.jobs import Jobs
        from sitegen.charts.render import render_png, vegalite_version

        if not self.png_spec_json:  # a big chart: its PNG was made with it; the cache lost it
            return next((c for p, c in self.data_files if p.endswith(".png")), b"")
        version = vegalite_version()
        jobs = Jobs(None, self.cache.user if self.cache is not None else None)
        handle = jobs.submit("png", (self.png_spec_json, version))
        image = base64.b64decode(jobs.result(handle, lambda: base64.b64encode(render_png(
            json.loads(self.png_spec_json), version)).decode()))
        if self.cache is not None:
            self.cache.write(name, image)
        return image


def png_spec(chart: ChartSpec) -> dict[str, Any]:
    """The spec of the social-image PNG: the chart with its title, data inline."""
    spec = dict(chart.render_spec())
    if chart.title_spec is not None:
        spec["title"] = chart.title_spec
    return spec


# --- the cache entry ------------------------------------------------------------------------


def interactive_spec(chart: ChartSpec) -> dict[str, Any]:
    """The Vega-Lite spec the page's interactive chart is compiled from (URLs as ROOT_TOKEN)."""
    return {k: v for k, v in chart.spec.items() if k != "$schema"}


def drawn_used(chart: ChartSpec, shipped: Shipped) -> Used:
    """Each dataset the chart read, with the rows it draws (all rows where not evaluated)."""
    return tuple((ds, tuple(ds.rows[i] for i in shipped.drawn[ds.name])
                  if ds.name in shipped.drawn else rows) for ds, rows in chart.used)


def raster_html(png: bytes, description: str) -> tuple[str, str]:
    """(<img> for the static slot, its site path) of a static image drawn as a PNG."""
    path = content_hashed("charts/static/chart.png", png)
    width, height = (int.from_bytes(png[16:20], "big") // 2,
                     int.from_bytes(png[20:24], "big") // 2)
    alt = html.escape(description or "Chart")
    return (f'<img class="chart-raster" src="{ROOT_TOKEN}{path}" width="{width}" '
            f'height="{height}" alt="{alt}">', path)


def new_entry(block: ChartBlock, chart: ChartSpec, svg: str | None, shipped: Shipped,
              static_png: bytes | None, big: bool) -> dict[str, Any]:
    """What the cache keeps of a rendered chart: page-independent text, its inputs, and its
    warnings as line offsets from the fence (a fence that moves keeps its entry). The page
    ships the chart compiled to Vega, its data evaluated; `vegalite_json` is kept for tools.
    The tables, CSV and source line are of the rows the chart draws."""
    used = drawn_used(chart, shipped)
    files = [[path, base64.b64encode(content).decode()] for path, content in shipped.files]
    if svg is None and static_png is not None:
        svg, path = raster_html(static_png, chart.description)
        files.append([path, base64.b64encode(static_png).decode()])
    vegalite = interactive_spec(chart)
    if big:
        vegalite = {**vegalite, "datasets": {k: [] for k in vegalite.get("datasets", {})}}
    return {
        "version": CHARTS_VERSION,
        "deps": {
            "datasets": {ds.name: ds.digest for ds, _ in chart.used},
            "files": {f.source: hashlib.sha256(f.content).hexdigest() for f in chart.data_files},
            "opened": dict(chart.opened),
        },
        "title": chart.title, "subtitle": chart.subtitle, "description": chart.description,
        "caption": chart.caption, "kind": chart.kind, "figure_id": chart.figure_id,
        "source_html": source_html(chart.source_override, used), "svg": svg,
        "spec_json": shipped.vega_json.replace("<", "\\u003c"),
        "vegalite_json": _script_json(vegalite),
        "png_spec_json": "" if big else json.dumps(png_spec(chart)),
        "tables_html": tables_html(chart.spec, used),
        "csvs": [[ds.name, csv_text(ds, rows)] for ds, rows in used],
        "full": [[ds.name, csv_text(ds, ds.rows)] for ds, rows in used
                 if len(rows) < len(ds.rows)],
        "files": files,
        "drawn": [[name, _ranges(rows)] for name, rows in sorted(shipped.drawn.items())],
        "drawn_exact": shipped.exact,
        "data_files": [[f.site_path, f.source] for f in chart.data_files],
        "inputs": sorted(chart.inputs),
        "warnings": [[w.message, (w.line or block.line) - block.line, w.hint]
                     for w in chart.warnings],
    }


def from_entry(block: ChartBlock, key: str, entry: Mapping[str, Any],
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
    if not opened_unchanged(deps.get("opened", {}), root):
        return None
    try:
        return (rendered_chart(block, key, entry, files, cache, datasets),
                list(entry["warnings"]))
    except (KeyError, TypeError, ValueError):
        return None


def file_bytes(chart: ChartSpec) -> dict[str, bytes]:
    """Source path -> bytes of the files a chart names by URL (its downloads besides CSVs)."""
    return {f.source: f.content for f in chart.data_files}


def rendered_chart(block: ChartBlock, key: str, entry: Mapping[str, Any],
                   files: Mapping[str, bytes], cache: ChartCache | None,
                   datasets: Mapping[str, Dataset]) -> RenderedChart:
    """A cache entry placed on its block's page: figure id, download labels and paths."""
    figure_id = entry["figure_id"] or f"chart-{block.index + 1}"
    base = _page_stem(block.page)
    csvs, data_files, full = entry["csvs"], entry["data_files"], entry["full"]
    one = len(csvs) + len(data_files) == 1
    shown = "the rows shown" if full else "the data"
    downloads = tuple(
        Download(f"Download {shown} (CSV)" if one else f"Download {name}.csv",
                 f"charts/{base}/{figure_id}-{name}.csv", text.encode())
        for name, text in csvs) + tuple(
        Download("Download the data" if one else f"Download {Path(source).name}", site_path,
                 files[source])
        for site_path, source in data_files) + tuple(
        Download("The full dataset (CSV)" if len(full) == 1 else f"The full {name}.csv",
                 content_hashed(f"charts/data/{name}.csv", text.encode()), text.encode())
        for name, text in full)
    return RenderedChart(
        page=block.page, index=block.index, figure_id=figure_id, title=entry["title"],
        subtitle=entry["subtitle"], description=entry["description"], caption=entry["caption"],
        kind=entry["kind"], source_html=entry["source_html"], svg=entry["svg"],
        spec_json=entry["spec_json"], tables_html=entry["tables_html"], downloads=downloads,
        inputs=frozenset(entry["inputs"]), png_spec_json=entry["png_spec_json"], key=key,
        vegalite_json=entry["vegalite_json"],
        data_files=tuple((path, base64.b64decode(text)) for path, text in entry["files"]),
        drawn=tuple((name, _unranges(spans)) for name, spans in entry["drawn"]),
        drawn_exact=bool(entry["drawn_exact"]), datasets=datasets, cache=cache,
    )


def _ranges(indexes: tuple[int, ...]) -> list[list[int]]:
    """Sorted indexes as [first, last] runs: a chart drawing a million rows stores one pair."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return runs


def _unranges(runs: Any) -> tuple[int, ...]:
    return tuple(i for first, last in runs for i in range(first, last + 1))


def _page_stem(page: str) -> str:
    """content/a/b.md -> a/b: where a page's chart files go under charts/."""
    stem = page.removeprefix("content/")
    return stem.rsplit(".", 1)[0] if "." in stem.rsplit("/", 1)[-1] else stem


def _script_json(spec: Mapping[str, Any]) -> str:
    """JSON safe inside <script>: no `<` can close the element or open a comment."""
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
