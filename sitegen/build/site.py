"""Load: every input of a site read, parsed and drawn, into one frozen `Site`.

This is the only phase of a build that reads the site's files. Pages are parsed (cached by
content hash, in parallel when many are new), datasets typed, static files and templates
read, and charts drawn: a chart is a function of its block, its datasets and its module, as a
parsed page is of its file, so drawing it here (cached by those inputs) leaves rendering a
pure function of the Site. A part that fails is left out and its problem recorded; the rest
loads, so one build reports every problem.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.build.handtyped import warn_hand_typed
from sitegen.build.pages import LoadedPage, parse_page
from sitegen.cache import PageCache
from sitegen.config import Config, SitePaths
from sitegen.errors import Problem, ProblemCollector, ProseError
from sitegen.inputs import (
    ContentFiles,
    Dataset,
    LoaderReport,
    StaticFile,
    TemplateSet,
    check_inside,
    data_files,
    load_datasets,
    loader_files,
    read_templates,
    run_loaders,
    static_files,
)
from sitegen.prose import resolve_in_text

ChartKey = tuple[str, int]
"""(page source, index of the chart on the page)."""


@dataclass(frozen=True)
class Site:
    """Everything a build reads, loaded: the one input of rendering."""

    config: Config
    pages: tuple[LoadedPage, ...]              # in discovery order; drafts left out unless asked
    assets: Mapping[str, bytes]                # path inside content/ -> bytes, published as is
    static: Mapping[str, StaticFile]           # path inside static/ -> the theme's or the site's
    datasets: Mapping[str, Dataset]
    charts: Mapping[ChartKey, Any]             # RenderedChart of each chart that drew
    chart_files: Mapping[str, tuple[bytes, str]]  # site path -> (bytes, page): CSVs, data files
    chart_runtime: Mapping[str, bytes]         # site path -> bytes, when any page has a chart
    social_images: Mapping[str, bytes]         # page source -> PNG of its social chart
    templates: TemplateSet
    build_date: dt.datetime | None
    broken: frozenset[str]                     # pages (inside content/) and "data:NAME" that failed
    hand_typed: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)  # page -> warnings
    loaders: LoaderReport = field(default_factory=LoaderReport)  # loaders run, loaders cached


def load_site(config: Config, files: ContentFiles, page_cache: PageCache,
              unchanged: Callable[[str], bool] | None, drafts: bool,
              problems: ProblemCollector, refresh: bool = False,
              tick: Callable[[str, int], None] | None = None) -> Site:
    """Read and parse every input of the site (see the module docstring); refresh reruns
    every data loader; tick is told of each page parsed and chart drawn anew."""
    paths = config.paths
    assets = _assets(files.assets, paths, problems)
    datasets, loaders = run_loaders(paths, load_datasets(paths, problems), problems,
                                    config.run_timeout, refresh)
    broken = {f"data:{path.stem}" for path in (*data_files(paths), *loader_files(paths))
              if path.stem not in datasets}
    parse = partial(parse_page, paths=paths, typographer=config.typographer)
    loaded = page_cache.load_pages(files.pages, paths.root, config.typographer, parse,
                                   problems, unchanged, tick)
    broken |= {path.relative_to(paths.content).as_posix()
               for path in files.pages if path not in loaded}
    pages = tuple(page for page in loaded.values() if drafts or not page.source.draft)
    hand_typed = warn_hand_typed(pages, config, problems)
    charts, chart_files = _charts(pages, datasets, config, problems, tick)
    runtime: Mapping[str, bytes] = {}
    if charts:
        from sitegen import charts as chart_room

        runtime = chart_room.runtime_files(chart_room.ChartCache.for_site(paths.cache))
    return Site(
        config=config, pages=pages, assets=MappingProxyType(assets),
        static=MappingProxyType(dict(static_files(paths, problems))),
        datasets=MappingProxyType(datasets), charts=MappingProxyType(charts),
        chart_files=MappingProxyType(chart_files), chart_runtime=runtime,
        social_images=MappingProxyType(_social_images(pages, charts)),
        templates=read_templates(paths, problems), build_date=build_date(),
        broken=frozenset(broken), hand_typed=MappingProxyType(hand_typed), loaders=loaders,
    )


def build_date() -> dt.datetime | None:
    """The build's date, from SOURCE_DATE_EPOCH only (so output never depends on the clock)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.strip().isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)


def _assets(found: Sequence[Path], paths: SitePaths,
            problems: ProblemCollector) -> dict[str, bytes]:
    """Files under content/ that are published as they are (images beside their page)."""
    assets: dict[str, bytes] = {}
    for path in found:
        with problems.gather():
            check_inside(path, paths.root)
            assets[path.relative_to(paths.content).as_posix()] = path.read_bytes()
    return assets


def _charts(pages: Sequence[LoadedPage], datasets: Mapping[str, Dataset], config: Config,
            problems: ProblemCollector, tick: Callable[[str, int], None] | None = None,
            ) -> tuple[dict[ChartKey, Any], dict[str, tuple[bytes, str]]]:
    """Every chart block of every page drawn (values in its text filled first)."""
    blocks = [(page, index, fence) for page in pages
              for index, fence in enumerate(page.parsed.fences)]
    if not blocks:
        return {}, {}
    from sitegen import charts as chart_room

    chart_blocks = []
    for page, index, fence in blocks:
        line = fence.line + page.source.body_line - 1
        try:
            text = resolve_in_text(fence.text, datasets)
        except ProseError as error:
            problems.add(error.placed(page.source.source, line))
            continue
        chart_blocks.append(chart_room.ChartBlock(page.source.source, index, text, line))
    paths = config.paths
    results = chart_room.render_all(chart_blocks, datasets, paths,
                                    chart_room.ChartCache.for_site(paths.cache), problems,
                                    config.allowed_hosts, config.run_timeout, tick)
    files: dict[str, tuple[bytes, str]] = {}
    for (page_source, _), chart in results.items():
        for path, data in chart.files.items():
            files[path] = (data, page_source)
    return dict(results), files


def _social_images(pages: Sequence[LoadedPage],
                   charts: Mapping[ChartKey, Any]) -> dict[str, bytes]:
    """The PNG of each page's social chart (front matter `social_chart`, default the first)."""
    images = {}
    for page in pages:
        index = int(page.source.extra.get("social_chart", 1)) - 1
        chart = charts.get((page.source.source, index)) if index >= 0 else None
        if chart is not None:
            images[page.source.source] = chart.png()
    return images
