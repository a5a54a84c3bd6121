"""A rendered chart: the cache entry that stores it, and the <figure> it becomes in a page.

An entry keeps only page-independent text (the figure id, the SVG with a placeholder id, the
interactive spec with a placeholder root prefix, caption, source, table, CSVs); a
RenderedChart made from it places those for a page's depth in figure_html.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.charts.blocks import ChartBlock
from sitegen.charts.cache import CHARTS_VERSION, ChartCache
from sitegen.charts.render import ID_TOKEN
from sitegen.charts.specs import ROOT_TOKEN, ChartSpec
from sitegen.charts.tables import csv_text, source_html, tables_html
from sitegen.inputs import Dataset

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
    """The Vega-Lite spec it was compiled from (data inline, URLs as ROOT_TOKEN paths)."""
    cache: ChartCache | None = field(default=None, compare=False, repr=False)

    @property
    def files(self) -> Mapping[str, bytes]:
        """Site path -> bytes of the files this chart publishes (its CSVs, its data URLs)."""
        return MappingProxyType({d.site_path: d.content for d in self.downloads})

    def figure_html(self, root_prefix: str, number: int | None = None) -> str:
        """The whole <figure class="chart">, with URLs relative to a page at root_prefix,
        numbered "Figure N" when number is given (its place among the page's charts)."""
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
        label = f'<span class="figure-number">Figure {number}</span> ' if number else ""
        if self.title or kind or label:
            parts.append(f'<p class="chart-title">{label}{html.escape(self.title)}{kind}</p>')
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
        from sitegen.charts.render import render_png, vegalite_version

        image = render_png(json.loads(self.png_spec_json), vegalite_version())
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


def new_entry(block: ChartBlock, chart: ChartSpec, svg: str, vega_json: str) -> dict[str, Any]:
    """What the cache keeps of a rendered chart: page-independent text, its inputs, and its
    warnings as line offsets from the fence (a fence that moves keeps its entry). The page
    ships `vega_json`, the chart compiled to Vega; `vegalite_json` is kept for tools."""
    return {
        "version": CHARTS_VERSION,
        "deps": {
            "datasets": {ds.name: ds.digest for ds, _ in chart.used},
            "files": {f.source: hashlib.sha256(f.content).hexdigest() for f in chart.data_files},
        },
        "title": chart.title, "subtitle": chart.subtitle, "description": chart.description,
        "caption": chart.caption, "kind": chart.kind, "figure_id": chart.figure_id,
        "source_html": source_html(chart.source_override, chart.used), "svg": svg,
        "spec_json": vega_json.replace("<", "\\u003c"),
        "vegalite_json": _script_json(interactive_spec(chart)),
        "png_spec_json": json.dumps(png_spec(chart)),
        "tables_html": tables_html(chart.spec, chart.used),
        "csvs": [[ds.name, csv_text(ds, rows)] for ds, rows in chart.used],
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
    try:
        return rendered_chart(block, key, entry, files, cache), list(entry["warnings"])
    except (KeyError, TypeError, ValueError):
        return None


def file_bytes(chart: ChartSpec) -> dict[str, bytes]:
    """Source path -> bytes of the files a chart names by URL (its downloads besides CSVs)."""
    return {f.source: f.content for f in chart.data_files}


def rendered_chart(block: ChartBlock, key: str, entry: Mapping[str, Any],
                   files: Mapping[str, bytes], cache: ChartCache | None) -> RenderedChart:
    """A cache entry placed on its block's page: figure id, download labels and paths."""
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
        vegalite_json=entry["vegalite_json"], cache=cache,
    )


def _page_stem(page: str) -> str:
    """content/a/b.md -> a/b: where a page's chart files go under charts/."""
    stem = page.removeprefix("content/")
    return stem.rsplit(".", 1)[0] if "." in stem.rsplit("/", 1)[-1] else stem


def _script_json(spec: Mapping[str, Any]) -> str:
    """JSON safe inside <script>: no `<` can close the element or open a comment."""
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
