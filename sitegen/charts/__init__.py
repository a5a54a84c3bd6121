"""Charts: ```chart blocks and chart modules -> Altair -> Vega-Lite -> figures in the page.

Each chart becomes a `<figure class="chart">` holding a static SVG rendered at build time
(seen at once, without JavaScript, in print and in feeds), a slot where vega-embed draws the
interactive chart when the figure scrolls into view, a caption (title, kind, source, CSV
download) and the data as a table. Rendering is cached on disk by a hash of everything that
shapes the output, so a warm rebuild renders no unchanged chart.

The build calls, once per build:

    charts = render_all(blocks, datasets, paths, ChartCache(paths.cache), problems)

and, when any page has a chart, publishes `runtime_files(cache)` and puts `head_html(prefix)`
in those pages' <head>. The room, in the order a chart passes through it:

    pipeline  every chart of a build: cached ones reused, the rest built and drawn
    blocks    a fence's YAML with the line of every key; the keys the page shows
    specs     YAML blocks -> checked Vega-Lite specs (fields typed and checked in fields,
              with what each transform makes from transforms; schema errors worded in
              schema); modules runs `python:` blocks; offsite refuses any
              spec that would fetch or link another host
    images    relative image URLs: files of the site, published, inline in the static SVG
    render    vl-convert: Vega-Lite -> Vega (what the page runs), SVG and PNG, in workers
    jobs      those renders kept in the user cache by their exact inputs, for every site
    evaluate  VegaFusion at build time: the rows a page ships, the source rows a chart draws
    shipped   the page's Vega spec and the data files it names (shared datasets, big rows)
    tables    the rows a chart shows, its sources, table and CSV
    cache     rendered charts on disk and the keys that say they are still good
    figures   a cache entry and the <figure> a RenderedChart places in a page
    runtime   vega + vega-embed (assets/vendor), embed script and stylesheet for chart pages
"""

from __future__ import annotations

from sitegen.charts.blocks import ChartBlock
from sitegen.charts.cache import CHARTS_VERSION, ChartCache
from sitegen.charts.figures import RenderedChart
from sitegen.charts.pipeline import render_all
from sitegen.charts.runtime import head_html, runtime_files

__all__ = [
    "CHARTS_VERSION", "ChartBlock", "ChartCache", "RenderedChart", "head_html", "render_all",
    "runtime_files",
]
