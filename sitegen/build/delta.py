"""Rebuilding after pages were edited in place: what the last build leaves, and what one edit
may change.

A build that succeeded leaves a `Snapshot`: its pages in order, their keys and fingerprints,
the finished output map, and who read whom. The next build, when told exactly which paths
changed (the dev server's watcher knows), redoes only the edited pages and the renders that
read them, provided every edit keeps what other pages see of the page: its front matter, its
title, its link targets (URL and heading ids), no charts. Anything else (a new, deleted or
renamed file, a setting, a template, a static or data file, a chart, an error) goes the full
way. When unsure, rebuild more, never less: these checks only ever say "unsure".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sitegen.config import Config
from sitegen.errors import Problem, SitegenError
from sitegen.build.pages import MISSING_PAGE, FinishedPage, LoadedPage, PageWork, head_extra
from sitegen.build.pages import read_and_parse
from sitegen.build.pageview import site_fields
from sitegen.build.templates import SiteView, Templates
from sitegen.prose.resolve import SiteIndex


@dataclass(frozen=True)
class OutputDelta:
    """The outputs that may differ from another build's files (all others are the same)."""

    base: Mapping[str, bytes]
    paths: frozenset[str]


@dataclass
class Snapshot:
    """What a successful build leaves for the next one to start from.

    Owned by one Builder and handed from build to build: a rebuild of a few pages updates it
    in place and passes it on; a build that fails or goes the full way drops it.
    """

    config: Config
    build_date: dt.datetime | None
    templates_key: str
    static: Mapping[str, tuple[bytes, str]]
    loaded: dict[str, LoadedPage]              # source -> page as read and parsed
    index: SiteIndex
    resolve_key: str
    charts: Mapping[tuple[str, int], Any]
    view: SiteView
    site_key: str
    fingerprints: dict[str, str]               # source -> fingerprint of the finished page
    files: dict[str, bytes]                    # the output map (never changed in place)
    result_files: Mapping[str, bytes]          # what the build handed out for it
    inputs: dict[str, frozenset[str]]
    feed: tuple[str, ...]                      # sources of the pages in feed.xml, in order
    warnings: tuple[Problem, ...]
    reads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # reader -> sources read
    readers: dict[str, set[str]] = field(default_factory=dict)       # source -> its readers

    def same_site(self, config: Config, build_date: dt.datetime | None, templates_key: str,
                  static: Mapping[str, tuple[bytes, str]]) -> bool:
        """Whether the settings, the build date, the templates and the static files are the
        same as last build's (the theme's are not watched, so they are looked at)."""
        return (config == self.config and build_date == self.build_date
                and templates_key == self.templates_key and static == self.static)

    def note_reads(self, reader: str, sources: Iterable[str]) -> None:
        """Record which other pages' bodies a render of reader read (replacing the last)."""
        for source in self.reads.pop(reader, ()):
            self.readers.get(source, set()).discard(reader)
        sources = tuple(sources)
        if sources:
            self.reads[reader] = sources
            for source in sources:
                self.readers.setdefault(source, set()).add(reader)


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
    """What redoing the edited pages made: the new output map and the outputs it touched."""

    files: dict[str, bytes]
    inputs: dict[str, frozenset[str]]
    view: SiteView
    touched: frozenset[str]
    rendered: int


def rebuild_edited(work: PageWork, last: Snapshot, edited: list[str], root: Path,
                   templates: Templates) -> Rebuilt | None:
    """The edited pages read, resolved and rendered again, with every render that read
    them; None when unsure. An error is "unsure" too: the full build reports it.

    last is brought up to date as this goes (its caller drops it when this returns None);
    the files and inputs are new mappings, so the last result's stay as they were.
    """
    pages: list[tuple[LoadedPage, FinishedPage]] = []
    for source in edited:
        try:
            page = read_and_parse(root / source, root, last.config.typographer)
            old = last.loaded[source]
            if not same_for_others(old, page) or work.target(page) != work.target(old):
                return None
            done = work.finish(page, last.index, last.resolve_key, last.charts)
        except (SitegenError, OSError):
            return None
        if site_fields(done.page) != site_fields(last.view.page(source)):
            return None  # a title (from the first heading) in every page's navigation
        pages.append((page, done))
    view = last.view.with_pages(done.page for _, done in pages)
    for page, done in pages:
        last.loaded[page.source.source] = page
        last.fingerprints[page.source.source] = done.fingerprint
    redo = set(edited).union(*(last.readers.get(source, ()) for source in edited))
    files = dict(last.files)
    touched: set[str] = set()
    rendered = 0
    for source in sorted(redo):
        try:
            if source == MISSING_PAGE:
                path = "404.html"
                data, reads = work.missing_page(view, templates, last.site_key,
                                                last.fingerprints)
                fresh = True
            else:
                page_now = view.page(source)
                path = page_now.output_path
                data, reads, fresh = work.render(
                    page_now, view, templates, last.site_key, last.fingerprints,
                    head_extra(page_now, last.charts), between_builds=True)
        except SitegenError:
            return None
        rendered += fresh
        last.note_reads(source, (read for read, _ in reads))
        if data is not None:
            files[path] = data
            touched.add(path)
    if any(source in last.feed for source in edited):
        files["feed.xml"] = work.feed(last.config, [view.page(s) for s in last.feed])
        touched.add("feed.xml")
    inputs = dict(last.inputs)
    for page, done in pages:
        work.finished[page.source.source] = done
        inputs[done.page.output_path] = done.read
    return Rebuilt(files, inputs, view, frozenset(touched), rendered)
