"""Rebuilding after pages were edited in place: what the last build leaves, and what one edit
may change.

A build that succeeded leaves a `Snapshot`: its pages in order, their keys and fingerprints,
the finished output map, and who read whom. The next build, when told exactly which paths
changed (the dev server's watcher knows), redoes only the edited pages and the renders that
read them, provided every edit keeps what other pages see of the page: its front matter, its
title, its link targets (URL and heading ids), no charts. Anything else (a new, deleted or
renamed file, a setting, a template, a static or data file, a chart, an error) goes the full
way. When unsure, rebuild more, never less: these checks only ever say "unsure".

A Snapshot is a value: a rebuild makes a new one from the last, and the Builder keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from sitegen.build.handtyped import page_warnings
from sitegen.build.pages import (
    MISSING_PAGE,
    FinishedPage,
    LoadedPage,
    PageWork,
    head_extra,
)
from sitegen.build.pageview import SiteView, site_fields
from sitegen.build.templates import Templates
from sitegen.config import Config
from sitegen.errors import Problem, SitegenError, sort_problems
from sitegen.inputs import StaticFile
from sitegen.prose import SiteIndex
from sitegen.search import is_search_file, search_outputs

Readers = Mapping[str, frozenset[str]]
"""source -> the renders (by source) that read that page beyond what every render key covers."""


@dataclass(frozen=True)
class Snapshot:
    """What a successful build leaves for the next one to start from."""

    config: Config
    build_date: dt.datetime | None
    templates_key: str
    static: Mapping[str, StaticFile]
    loaded: Mapping[str, LoadedPage]           # source -> page as read and parsed
    index: SiteIndex
    resolve_key: str
    charts: Mapping[tuple[str, int], Any]
    view: SiteView
    render_key: str
    fingerprints: Mapping[str, str]            # source -> fingerprint of the finished page
    files: Mapping[str, bytes]                 # the output map
    inputs: Mapping[str, frozenset[str]]
    feed: tuple[str, ...]                      # sources of the pages in feed.xml, in order
    warnings: tuple[Problem, ...]
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # reader -> sources
    readers: Readers = field(default_factory=dict)
    hand_typed: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)  # in warnings

    def same_site(self, config: Config, build_date: dt.datetime | None, templates_key: str,
                  static: Mapping[str, StaticFile]) -> bool:
        """Whether the settings, the build date, the templates and the static files are the
        same as last build's (the theme's are not watched, so they are looked at)."""
        return (config == self.config and build_date == self.build_date
                and templates_key == self.templates_key and static == self.static)

    def other_warnings(self) -> tuple[Problem, ...]:
        """The warnings besides those about figures typed by hand (which a rebuild of the
        edited pages works out again)."""
        typed = {p for found in self.hand_typed.values() for p in found}
        return tuple(w for w in self.warnings if w not in typed)


def who_reads(reads: Mapping[str, Iterable[str]]) -> Readers:
    """The readers of each page, from what each render read."""
    readers: dict[str, set[str]] = {}
    for reader, sources in reads.items():
        for source in sources:
            readers.setdefault(source, set()).add(reader)
    return {source: frozenset(names) for source, names in readers.items()}


def edited_pages(changed: Collection[str], snapshot: Snapshot) -> list[str] | None:
    """The changed paths as sources of existing pages edited in place, or None when unsure.

    Every path must be a page the last build published (so not new, not a draft left out,
    not a data file, chart module, asset, template, static file or the settings).
    """
    sources = list(dict.fromkeys(changed))
    for source in sources:
        if source not in snapshot.loaded or not source.endswith(".md"):
            return None
    return sources


def same_for_others(old: LoadedPage, new: LoadedPage) -> bool:
    """Whether an edit leaves the page's front matter and charts as other pages may see them.

    Only the body may change (and with it the digest and, for the page's own error lines,
    where the body starts); a page with charts anywhere in the edit goes the full way.
    """
    if old.parsed.fences or new.parsed.fences:
        return False
    return replace(new.source, digest=old.source.digest,
                   body_line=old.source.body_line) == old.source


@dataclass(frozen=True)
class Rebuilt:
    """What redoing the edited pages made: the next snapshot, the outputs it touched."""

    snapshot: Snapshot
    touched: frozenset[str]
    rendered: int


Reparse = Callable[[list[str]], list[LoadedPage]]
"""Parse these sources again (through the page cache, so it knows them)."""


def rebuild_edited(work: PageWork, last: Snapshot, edited: list[str], reparse: Reparse,
                   templates: Templates) -> Rebuilt | None:
    """The edited pages read, resolved and rendered again, with every render that read
    them; None when unsure. An error is "unsure" too: the full build reports it."""
    try:
        parsed = reparse(edited)
    except (SitegenError, OSError):
        return None
    pages: list[tuple[LoadedPage, FinishedPage]] = []
    hand_typed = dict(last.hand_typed)
    for page in parsed:
        hand_typed[page.source.source] = page_warnings(page, last.config)
        source = page.source.source
        old = last.loaded[source]
        datasets = last.index.datasets
        if (not same_for_others(old, page)
                or work.target(page, datasets) != work.target(old, datasets)):
            return None
        try:
            done = work.finish(page, last.index, last.resolve_key, last.charts, last.config,
                               between_builds=True)
        except SitegenError:
            return None
        if site_fields(done.page) != site_fields(last.view.page(source)):
            return None  # a title (from the first heading) in every page's navigation
        pages.append((page, done))
    view = last.view.with_pages(done.page for _, done in pages)
    loaded = {**last.loaded, **{page.source.source: page for page, _ in pages}}
    fingerprints = {**last.fingerprints,
                    **{page.source.source: done.fingerprint for page, done in pages}}
    inputs = {**last.inputs, **{done.page.output_path: done.read for _, done in pages}}
    if last.config.strict and any(hand_typed.values()):
        return None  # the full build fails with them
    typed = (problem for found in hand_typed.values() for problem in found)
    warnings = sort_problems([*last.other_warnings(), *typed])
    step = replace(last, loaded=loaded, fingerprints=fingerprints, inputs=inputs, view=view,
                   hand_typed=MappingProxyType(hand_typed), warnings=warnings)
    return _render_again(work, step, edited, templates)


def _render_again(work: PageWork, step: Snapshot, edited: list[str],
                  templates: Templates) -> Rebuilt | None:
    """Render the edited pages and their readers anew, and the feed if it shows them."""
    redo = set(edited).union(*(step.readers.get(source, ()) for source in edited))
    files = dict(step.files)
    reads = dict(step.reads)
    touched: set[str] = set()
    rendered = 0
    for source in sorted(redo):
        try:
            if source == MISSING_PAGE:
                path = "404.html"
                data, read = work.missing_page(step.view, templates, step.render_key,
                                               step.fingerprints)
                fresh = True
            else:
                page = step.view.page(source)
                path = page.output_path
                data, read, fresh = work.render(
                    page, step.view, templates, step.render_key, step.fingerprints,
                    head_extra(page, step.charts), between_builds=True)
        except SitegenError:
            return None
        rendered += fresh
        reads.pop(source, None)
        if read:
            reads[source] = tuple(name for name, _ in read)
        if data is not None:
            files[path] = data
            touched.add(path)
    if any(source in step.feed for source in edited):
        files["feed.xml"] = work.feed(step.config, [step.view.page(s) for s in step.feed])
        touched.add("feed.xml")
    if step.config.search and any(path.endswith(".html") for path in touched):
        try:
            touched |= _reindex(files, step.config.language)
        except SitegenError:
            return None
    snapshot = replace(step, files=MappingProxyType(files), reads=reads,
                       readers=who_reads(reads))
    return Rebuilt(snapshot, frozenset(touched), rendered)


def _reindex(files: dict[str, bytes], language: str) -> set[str]:
    """Make the search bundle again from the pages in files (Pagefind cannot take a page
    out of an index, so every page is indexed anew, none rendered); returns what changed."""
    old = {path: files.pop(path) for path in [p for p in files if is_search_file(p)]}
    new = search_outputs(files, language)
    files.update(new)
    return {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}
