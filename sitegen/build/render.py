"""Render: a loaded `Site` -> every output file, `{site path: bytes}`, touching no file.
The search index is made last, from the rendered pages held in memory (`sitegen.search`).

Each output is handed to the sink as soon as it exists (a streaming writer puts it on disk
while the rest render). Pages go through their steps in `PageWork`, each remembered under a
key covering all it read, so a rebuild redoes only what changed; `delta` runs the same steps
for pages edited in place. Problems go to the build's collector; what could be rendered is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sitegen.build.delta import Snapshot, who_reads
from sitegen.build.feeds import FeedEntry, newest_first, sitemap_xml
from sitegen.build.pages import MISSING_PAGE, FinishedPage, PageWork, head_extra
from sitegen.build.pageview import SiteView, site_fields
from sitegen.build.progress import Progress
from sitegen.build.site import Site
from sitegen.build.templates import Templates
from sitegen.errors import ProblemCollector
from sitegen.inputs import content_path
from sitegen.output import OutputSet, hashed_name
from sitegen.prose import Page, SiteIndex
from sitegen.search import search_outputs

Sink = Callable[[str, bytes], None]


@dataclass(frozen=True)
class Rendered:
    """The outputs of one render, the pages in navigation order, and what the next build
    may start from."""

    pages: tuple[Page, ...]
    rendered: int
    snapshot: Snapshot


def render_site(site: Site, work: PageWork, templates: Templates, problems: ProblemCollector,
                sink: Sink | None = None, progress: Progress | None = None) -> Rendered:
    """Every output of the site (see the module docstring); progress counts the pages
    rendered and times the search index."""
    progress = progress or Progress()
    config = site.config
    outputs = OutputSet(problems, sink)
    asset_names = {rel: hashed_name(rel, file.data) for rel, file in site.static.items()}
    for rel, file in site.static.items():
        outputs.add(asset_names[rel], file.data, file.source)
    for rel, data in site.assets.items():
        outputs.add(rel, data, f"content/{rel}")
    for path, data in site.chart_runtime.items():
        outputs.add(path, data, "(chart runtime)")
    for path, (data, source) in site.chart_files.items():
        outputs.add(path, data, source)

    finished, index, resolve_key = _finish_all(site, work, problems)
    nav = tuple(sorted((f.page for f in finished),
                       key=lambda p: (p.url != "", p.weight, p.title.lower(), p.url)))
    fingerprints = {f.page.source: f.fingerprint for f in finished}
    view = SiteView(config, nav, site.datasets, asset_names, site.build_date)
    render_key = work.hash("render", (
        site.templates.key, config, asset_names, site.build_date,
        sorted((name, d.digest) for name, d in site.datasets.items()),
        [site_fields(p) for p in nav],
    ))
    reads: dict[str, tuple[str, ...]] = {}
    rendered = 0
    for page in nav:
        with problems.gather():
            data, read, fresh = work.render(page, view, templates, render_key, fingerprints,
                                            head_extra(page, site.charts))
            rendered += fresh
            progress.tick("pages rendered", int(fresh))
            if read:
                reads[page.source] = tuple(source for source, _ in read)
            outputs.add(page.output_path, data, page.source)
            if page.social_image:
                outputs.add(page.social_image, site.social_images[page.source], page.source)
    feed = _special_pages(view, work, templates, outputs, problems, render_key, fingerprints,
                          reads)
    if config.search and not problems.errors:
        with problems.gather(), progress.phase("search"):
            for path, data in search_outputs(outputs.files, config.language).items():
                outputs.add(path, data, "(search index)")
    files = MappingProxyType(outputs.files)
    snapshot = Snapshot(
        config=config, build_date=site.build_date, templates_key=site.templates.key,
        static=site.static, loaded={p.source.source: p for p in site.pages}, index=index,
        resolve_key=resolve_key, charts=site.charts, view=view, render_key=render_key,
        fingerprints=fingerprints, files=files,
        inputs={f.page.output_path: f.read for f in finished}, feed=feed,
        warnings=problems.warnings, reads=reads, readers=who_reads(reads),
        hand_typed=site.hand_typed,
    )
    return Rendered(nav, rendered, snapshot)


def _finish_all(site: Site, work: PageWork, problems: ProblemCollector,
                ) -> tuple[list[FinishedPage], SiteIndex, str]:
    """Every page resolved, reusing last build's result when nothing it reads changed."""
    targets = {content_path(p.source.source): work.target(p, site.datasets)
               for p in site.pages}
    link_targets = [(path, target.url, target.signature)
                    for path, target in sorted(targets.items())]
    resolve_key = work.hash("resolve", (
        site.config, link_targets, sorted(site.assets), sorted(site.broken),
        sorted((name, d.digest) for name, d in site.datasets.items()),
    ))
    index = SiteIndex(site.datasets, targets, frozenset(site.assets), site.broken)
    finished: list[FinishedPage] = []
    for page in site.pages:
        with problems.gather():
            finished.append(work.finish(page, index, resolve_key, site.charts, site.config))
    return finished, index, resolve_key


def _special_pages(view: SiteView, work: PageWork, templates: Templates, outputs: OutputSet,
                   problems: ProblemCollector, render_key: str, fingerprints: Mapping[str, str],
                   reads: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """sitemap.xml, feed.xml and 404.html; returns the sources of the pages in the feed."""
    config = view.config
    listed = tuple(FeedEntry(p.title, p.url, p.date, "", "") for p in view.pages)
    outputs.add("sitemap.xml", work.memo(
        "sitemap", (config.base_url, listed),
        lambda: sitemap_xml(config.base_url, listed)), "(sitemap)")
    in_feed = newest_first(view.pages, config.feed_limit)
    outputs.add("feed.xml", work.feed(config, in_feed), "(feed)")
    with problems.gather():
        data, read = work.missing_page(view, templates, render_key, fingerprints)
        if data is not None:
            outputs.add("404.html", data, MISSING_PAGE)
        if read:
            reads[MISSING_PAGE] = tuple(source for source, _ in read)
    return tuple(p.source for p in in_feed)
