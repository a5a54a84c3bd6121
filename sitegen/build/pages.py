"""One page's work, each step remembered under a key covering all that it read.

A page is read and parsed, gives other pages a link target, is resolved into a finished page
and rendered through its template; 404.html and feed.xml are made from the finished pages.
The full build (`build`) and the rebuild of pages edited in place (`delta`) run these same
steps, so both give the same bytes. `PageWork` keeps each step's last results between builds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sitegen.build.citation import figure_citation, page_updated
from sitegen.build.feeds import FeedEntry, atom_feed
from sitegen.build.pageview import SiteView
from sitegen.build.templates import Templates
from sitegen.cache import Reads, RenderCache, fingerprint
from sitegen.config import Config, SitePaths
from sitegen.errors import SitegenError
from sitegen.inputs import Dataset, SourcePage, read_page, root_prefix, title_from_name
from sitegen.prose import (
    LinkTarget,
    Page,
    ParsedMarkdown,
    SiteIndex,
    SourceRef,
    bare_html,
    figure_ids,
    heading_ids,
    link_target,
    parse_markdown,
    resolve_in_text,
    resolve_page,
    rows_sources,
)

MISSING_PAGE = "templates/404.html"  # the source 404.html is rendered for


@dataclass(frozen=True)
class LoadedPage:
    """A page read and parsed: the cacheable half of its work."""

    source: SourcePage
    parsed: ParsedMarkdown


@dataclass(frozen=True)
class FinishedPage:
    """A page with its placeholders resolved, and the key it was resolved under."""

    key: tuple[str, str, str, tuple[str, ...]]
    page: Page
    read: frozenset[str]
    fingerprint: str


def read_and_parse(path: Path, paths: SitePaths, typographer: bool,
                   raw: bytes | None = None) -> LoadedPage:
    """A page read from disk (or from raw, its bytes) and parsed (SitegenError placed at
    the page's line)."""
    source = read_page(path, paths, raw)
    try:
        parsed = parse_markdown(source.body, typographer)
    except SitegenError as error:
        raise error.placed(source.source, source.body_line - 1) from None
    # The body is parsed: keeping it would double what crosses processes and sits in the cache.
    return LoadedPage(replace(source, body=""), parsed)


def parse_page(path: Path, raw: bytes, *, paths: SitePaths, typographer: bool) -> LoadedPage:
    """read_and_parse in the form the page cache calls (a partial of it pickles for workers)."""
    return read_and_parse(path, paths, typographer, raw)


def chart_sources(chart: Any) -> tuple[SourceRef, ...]:
    """The sources of the rows a chart draws ((), for a chart that failed)."""
    if chart is None:
        return ()
    drawn = [(chart.datasets[name].rows, indexes) for name, indexes in chart.drawn
             if name in chart.datasets]
    return rows_sources(rows[i] for rows, indexes in drawn for i in indexes if i < len(rows))


def _figure_cite(page: LoadedPage, index: SiteIndex, config: Config,
                 ) -> Callable[[int, Any], str]:
    """number, chart -> "cite this figure" for the charts of a page."""
    source = page.source
    title = source.title or page.parsed.first_heading or title_from_name(source.source)
    if "{{" in title:
        with suppress(SitegenError):  # resolving the page reports it
            title = resolve_in_text(title, index.datasets)
    updated = page_updated(source.extra, source.date)
    return lambda number, chart: figure_citation(config, title, updated, source.url, number,
                                                 chart.title, chart.figure_id)


def head_extra(page: Page, charts: Mapping[tuple[str, int], Any]) -> str:
    """What the layout must print in <head> for this page (the chart runtime, if it has charts)."""
    if page.has_charts and charts:
        from sitegen import charts as chart_room

        return chart_room.head_html(root_prefix(page.url))
    return ""


class PageWork:
    """The steps of a page's work with their last results, kept from build to build."""

    def __init__(self, render_cache: RenderCache) -> None:
        self.render_cache = render_cache
        self._finished: dict[str, FinishedPage] = {}
        self._finished_now: dict[str, FinishedPage] = {}
        self._targets: dict[tuple[str, ...], LinkTarget] = {}
        self._render_keys: dict[tuple[str, str, str], str] = {}
        self._keys_used: dict[tuple[str, str, str], str] = {}
        self._missing: tuple[str, Reads, bytes | None] | None = None
        self._memos: dict[str, tuple[tuple[Any, ...], Any]] = {}

    def memo(self, name: str, value: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """compute(), reused while value (all that compute reads) equals last build's."""
        last = self._memos.get(name)
        if last is not None and last[0] == value:
            return last[1]
        result = compute()
        self._memos[name] = (value, result)
        return result

    def hash(self, name: str, value: tuple[Any, ...]) -> str:
        """fingerprint(*value), reused while value equals last build's (comparing is cheaper)."""
        return self.memo(name, value, lambda: fingerprint(*value))

    def target(self, page: LoadedPage, datasets: Mapping[str, Dataset]) -> LinkTarget:
        """What other pages may link to on this page (its headings may show data)."""
        parsed = page.parsed
        key: tuple[str, ...] = (page.source.source, page.source.digest)
        if parsed.waiting_headings:
            key += tuple(f"{name}:{d.digest}" for name, d in sorted(datasets.items()))
        target = self._targets.get(key)
        if target is None:
            target = link_target(page.source.source, page.source.url, parsed.element_ids,
                                 heading_ids(parsed, datasets),
                                 figure_ids([f.text for f in parsed.fences]))
            self._targets[key] = target
        return target

    def finish(self, page: LoadedPage, index: SiteIndex, resolve_key: str,
               charts: Mapping[tuple[str, int], Any], config: Config,
               between_builds: bool = False) -> FinishedPage:
        """The page resolved, or its last result when its key is the same.

        Kept for the next build: at once when between_builds (a rebuild of a few pages),
        else as part of the build in progress (see end_build).
        """
        page_charts = [charts.get((page.source.source, i))
                       for i in range(len(page.parsed.fences))]
        prefix = root_prefix(page.source.url)
        cite = _figure_cite(page, index, config)
        figures = [c.figure_html(prefix, number, cite(number, c)) if c is not None else ""
                   for number, c in enumerate(page_charts, start=1)]
        key = (resolve_key, page.source.source, page.source.digest, tuple(figures))
        done = self._finished.get(page.source.source)
        if done is None or done.key != key:
            chart_inputs = [c.inputs if c is not None else None for c in page_charts]
            sources = [chart_sources(c) for c in page_charts]
            rows = [(c.figure_id, [(name, row) for name, ids in c.drawn_row_ids.items()
                                   for row in ids]) if c is not None else ("", [])
                    for c in page_charts]
            finished_page, read = resolve_page(page.source, page.parsed, index, figures,
                                               chart_inputs, sources, rows)
            # The page is a function of its key (and of the code, which every hash covers).
            done = FinishedPage(key, finished_page, read, fingerprint(key))
        (self._finished if between_builds else self._finished_now)[page.source.source] = done
        return done

    def render(self, page: Page, view: SiteView, templates: Templates, render_key: str,
               fingerprints: Mapping[str, str], head: str,
               between_builds: bool = False) -> tuple[bytes, Reads, bool]:
        """(HTML, other pages read, whether it was rendered now rather than found cached).

        The render cache holds it under the render key, the page's fingerprint and its head,
        and the fingerprints of the pages it read. between_builds stores it at once (a
        rebuild of a few pages); otherwise it counts as used by the build in progress.
        """
        inputs = (render_key, fingerprints[page.source], head)
        key = self._render_keys.get(inputs) or fingerprint(*inputs)
        cache = self.render_cache
        if not between_builds:
            self._keys_used[inputs] = key
        found = (cache.peek if between_builds else cache.get)(page.output_path, key,
                                                              fingerprints)
        if found is not None:
            return found[0], found[1], False
        read: set[str] = set()
        html = templates.render(page.template, view.context(page, head, read), page.source)
        read.discard(page.source)
        data = html.encode("utf-8")
        reads = tuple((source, fingerprints[source]) for source in sorted(read))
        (cache.replace if between_builds else cache.put)(page.output_path, key, reads, data)
        return data, reads, True

    def end_build(self) -> None:
        """A full build is over: keep only what it used."""
        self.render_cache.end_build()
        self._render_keys, self._keys_used = self._keys_used, {}
        self._finished, self._finished_now = self._finished_now, {}

    def missing_page(self, view: SiteView, templates: Templates, render_key: str,
                     fingerprints: Mapping[str, str]) -> tuple[bytes | None, Reads]:
        """404.html (None without a template), reused while the render key and its reads hold."""
        last = self._missing
        if (last is not None and last[0] == render_key
                and all(fingerprints.get(source) == value for source, value in last[1])):
            return last[2], last[1]
        self._missing = None  # a failed render is not remembered: the next build tries again
        read: set[str] = set()
        data = _render_404(view, templates, read)
        reads = tuple((source, fingerprints[source]) for source in sorted(read))
        self._missing = (render_key, reads, data)
        return data, reads

    def feed(self, config: Config, pages: list[Page]) -> bytes:
        """feed.xml of these pages (the newest dated ones, in order)."""
        entries = tuple(FeedEntry(p.title, p.url, p.date, p.description, bare_html(p.content))
                        for p in pages)
        return self.memo(
            "feed", (config.title, config.base_url, config.author, config.feed_limit, entries),
            lambda: atom_feed(config.title, config.base_url, config.author, entries,
                              config.feed_limit))


def _render_404(view: SiteView, templates: Templates, reads: set[str]) -> bytes | None:
    """404.html from the template of that name, if the site or the theme has one."""
    if not templates.exists("404.html"):
        return None
    missing = Page(
        source=MISSING_PAGE, url="404.html", output_path="404.html",
        title="Page not found", description="", date=None, template="404.html",
        weight=0, content="", toc=(), has_charts=False, social_image=None,
    )
    context = view.context(missing, "", reads)
    return templates.render("404.html", context, "404.html").encode("utf-8")
