"""The live site: the files the dev server shows, and what each build changed for the tabs.

`LiveSite` holds the latest good build in memory, counts published builds, makes requests wait
until the published build covers every recorded change, and queues each build's `BuildNews`
for the open event streams. `compare_builds` decides, per page, whether a tab must reload,
may swap its stylesheets, or may re-embed only its charts; `error_payload` is the overlay a
failed build sends. No HTTP and no threads of its own here: `httpd` answers from this state
and `serve` runs the build thread that publishes into it.
"""

from __future__ import annotations

import queue
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sitegen.errors import Problem, SitegenError
from sitegen.output import MemoryWriter, OutputDelta, unhashed
from sitegen.serve.watch import Changes

REQUEST_WAIT = 60.0

_FIGURE = re.compile(rb'<figure\b[^>]*\bclass="[^"]*\bchart\b[^"]*"[^>]*>.*?</figure>', re.S)


# ---------------------------------------------------------------------- what a build changed

@dataclass(frozen=True)
class BuildNews:
    """What one published build means for the open tabs (sent as JSON over SSE)."""

    build: int
    pages: Mapping[str, str] = field(default_factory=dict)   # html path -> reload|css|charts
    css: Mapping[str, str] = field(default_factory=dict)     # old css path -> new css path
    charts: Mapping[str, list[int]] = field(default_factory=dict)  # html path -> figure indexes
    assets: tuple[str, ...] = ()                             # other changed or removed files
    error: Mapping[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        return {"build": self.build, "pages": dict(self.pages), "css": dict(self.css),
                "charts": {k: list(v) for k, v in self.charts.items()},
                "assets": list(self.assets), "error": self.error}


def compare_builds(old: Mapping[str, bytes], new: Mapping[str, bytes],
                   only: Collection[str] | None = None) -> tuple[
        dict[str, str], dict[str, str], dict[str, list[int]], list[str]]:
    """(pages, css renames, chart indexes, other assets) that differ between two builds.

    A page whose bytes differ only by renamed stylesheets is "css" (the tab swaps its links);
    only inside `figure.chart` elements is "charts"; anything else is "reload". A renamed
    script makes a reload: scripts cannot be swapped honestly. only, when given, holds every
    path that may differ (the build knows): the rest is not looked at.
    """
    if only is None:
        removed = [p for p in old if p not in new]
        added = [p for p in new if p not in old]
    else:
        removed = [p for p in only if p in old and p not in new]
        added = [p for p in only if p in new and p not in old]
    renames = _hashed_renames(removed, added)
    css = {a: b for a, b in renames.items() if a.endswith(".css")}
    explained = set(renames) | set(renames.values())
    pages: dict[str, str] = {}
    charts: dict[str, list[int]] = {}
    assets: list[str] = []
    for path in (new if only is None else [p for p in only if p in new]):
        data = new[path]
        before = old.get(path)
        if before is data or before == data:
            continue
        if not path.endswith(".html"):
            if path not in explained:
                assets.append(path)
            continue
        if before is None:
            pages[path] = "reload"
            continue
        kind, indexes = _page_change(before, data, renames, css)
        pages[path] = kind
        if indexes:
            charts[path] = indexes
    for path in removed:
        if path.endswith(".html"):
            pages[path] = "reload"
        elif path not in explained:
            assets.append(path)
    return pages, css, charts, sorted(assets)


def _hashed_renames(removed: list[str], added: list[str]) -> dict[str, str]:
    """Old -> new site path of content-hashed files whose hash changed (css/site.<h>.css)."""
    fresh: dict[str, str] = {}
    for path in added:
        key = unhashed(path)
        if key is not None:
            fresh[key] = path
    renames = {}
    for path in removed:
        key = unhashed(path)
        if key is not None and key in fresh:
            renames[path] = fresh[key]
    return renames


def _page_change(before: bytes, after: bytes, renames: Mapping[str, str],
                 css: Mapping[str, str]) -> tuple[str, list[int]]:
    if renames:
        undone = after
        for old_path, new_path in renames.items():
            undone = undone.replace(PurePosixPath(new_path).name.encode(),
                                    PurePosixPath(old_path).name.encode())
        if undone == before:
            return ("css", []) if len(css) == len(renames) else ("reload", [])
        if len(css) != len(renames):
            return "reload", []
        after = undone  # judge the rest of the change as if the stylesheets had not moved
    old_figures = _FIGURE.findall(before)
    new_figures = _FIGURE.findall(after)
    if (old_figures and len(old_figures) == len(new_figures)
            and _FIGURE.sub(b"", before) == _FIGURE.sub(b"", after)):
        pairs = enumerate(zip(old_figures, new_figures, strict=True))
        indexes = [i for i, (a, b) in pairs if a != b]
        if indexes:
            return "charts", indexes
        return ("css", []) if renames else ("reload", [])
    return "reload", []


def error_payload(error: BaseException, debug: bool = False) -> dict[str, Any]:
    """The overlay's content: every problem with its place, as the terminal prints it."""
    if isinstance(error, SitegenError):
        problems = list(error.problems)
    else:
        problems = [Problem(f"internal error: {type(error).__name__}: {error}",
                            hint="rerun with --debug for a traceback, and please report it")]
    items = [{"path": p.path, "line": p.line, "column": p.column, "message": p.message,
              "hint": p.hint, "location": p.location(), "text": p.format()} for p in problems]
    payload: dict[str, Any] = {"problems": items,
                               "summary": f"{len(items)} problem{'s' if len(items) != 1 else ''}"}
    if debug and not isinstance(error, SitegenError):
        payload["traceback"] = "".join(traceback.format_exception(error))
    return payload


# ---------------------------------------------------------------------- the live site

class LiveSite:
    """The latest good files, the build number, and the rule that requests wait for builds."""

    def __init__(self, changes: Changes, request_wait: float = REQUEST_WAIT) -> None:
        self.changes = changes
        self.request_wait = request_wait
        self.id = uuid.uuid4().hex[:12]
        self.writer = MemoryWriter()
        self.number = 0             # builds published so far (good or failed)
        self.covered = -1           # changes.seen value the latest published build covers
        self.good = False           # whether any build has succeeded yet
        self.error: dict[str, Any] | None = None
        self.changed_at: dict[str, int] = {}
        self._published: Mapping[str, bytes] | None = None  # the files last given to publish
        self.builds_run = 0
        self._cond = threading.Condition()
        self._clients: list[queue.Queue[tuple[str, dict[str, Any]] | None]] = []

    @property
    def files(self) -> Mapping[str, bytes]:
        return self.writer.files

    def wait_fresh(self, timeout: float | None = None) -> tuple[Mapping[str, bytes], int]:
        """The files and build number once every recorded change is built (or timeout,
        by default request_wait: a long build does not hold a request for ever; the tab is
        told of the build when it is published)."""
        deadline = time.monotonic() + (self.request_wait if timeout is None else timeout)
        with self._cond:
            while self.covered < self.changes.seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self.writer.files, self.number

    def wait_for(self, predicate: Callable[[LiveSite], bool], timeout: float) -> bool:
        """Wait until predicate(self) holds after a publish (for tests and the benchmark)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def publish(self, covers: int, files: Mapping[str, bytes] | None,
                error: dict[str, Any] | None, changes: OutputDelta | None = None) -> BuildNews:
        """Make a finished build visible, wake waiting requests, then tell the browsers.

        changes, when its base is the files published last, names every path that may
        differ: only those are compared.
        """
        with self._cond:
            self.builds_run += 1
            self.number += 1
            if files is not None:
                old = self.writer.files
                only = (changes.paths if changes is not None
                        and changes.base is self._published else None)
                pages, css, charts, assets = compare_builds(old, files, only)
                self.writer.commit(files)
                self._published = files
                for path in list(pages) + list(assets) + list(css) + list(css.values()):
                    self.changed_at[path] = self.number
                if not self.good:
                    self.good = True
                news = BuildNews(self.number, pages, css, charts, tuple(assets), None)
                self.error = None
            else:
                news = BuildNews(self.number, error=error)
                self.error = error
            self.covered = max(self.covered, covers)
            message = ("build", news.payload())
            for client in self._clients:
                client.put(message)
            self._cond.notify_all()
        return news

    def subscribe(self, page: str, fallback: str, build: int, server: str) -> tuple[
            queue.Queue[tuple[str, dict[str, Any]] | None], dict[str, Any]]:
        """A client's event queue and its hello (with `reload` when its page is stale)."""
        client: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        with self._cond:
            self._clients.append(client)
            if server != self.id:
                stale = True        # served by an earlier run of the server
            elif not page:
                stale = self.good   # the "first build failed" page: any good build replaces it
            else:
                stale = max(self.changed_at.get(page, 0),
                            self.changed_at.get(fallback, 0) if fallback else 0) > build
            hello = {"build": self.number, "server": self.id, "reload": stale,
                     "error": self.error}
        return client, hello

    def unsubscribe(self, client: queue.Queue[Any]) -> None:
        with self._cond:
            if client in self._clients:
                self._clients.remove(client)

    def close_clients(self) -> None:
        with self._cond:
            for client in self._clients:
                client.put(None)
            self._clients.clear()

    @property
    def client_count(self) -> int:
        with self._cond:
            return len(self._clients)
