"""File events -> debounced change sets, for the dev server.

The watcher only records which site-root-relative paths changed; it never builds. One build
thread takes the recorded paths as a batch once the files have been quiet for a moment, so a
burst of saves (an editor's temp file, write and rename; a `git checkout`) is one rebuild.

What is watched: `content/`, `templates/`, `static/` (recursively) and `sitegen.toml`. The
output folder, `.sitegen-cache`, `.git`, `__pycache__` and editor droppings (`.swp`, `~`,
`.#name`, Vim's `4913`) are ignored. A watched folder created after the server started is
picked up; a deleted one is dropped and watched again when it comes back.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from sitegen.config import CACHE_DIR, CONFIG_FILE, WATCHED_DIRS

IGNORED_PARTS = frozenset({".git", ".hg", ".svn", "__pycache__", CACHE_DIR,
                           "node_modules", ".ipynb_checkpoints"})
IGNORED_SUFFIXES = (".swp", ".swx", ".swo", ".swn", "~", ".pyc", ".pyo", ".crdownload")
IGNORED_NAMES = frozenset({"4913", ".DS_Store", "Thumbs.db"})

# watchdog event types that mean "the bytes or the names changed" (opened / closed-without-
# writing are only reads and would rebuild after every build that reads the files)
CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})

DEBOUNCE = 0.03
MAX_DELAY = 0.5


def is_relevant(relative: str, output_dir: str = "_site") -> bool:
    """Whether a change to this site-root-relative path can change the site."""
    path = PurePosixPath(relative)
    parts = path.parts
    if not parts:
        return False
    if parts == (CONFIG_FILE,):
        return True
    if parts[0] not in WATCHED_DIRS or parts[0] == output_dir:
        return False
    name = parts[-1]
    if name in IGNORED_NAMES or name.startswith(".#") or name.endswith(IGNORED_SUFFIXES):
        return False
    return not any(part in IGNORED_PARTS for part in parts)


class Changes:
    """Changed paths gathered from any thread, handed to the build thread in debounced batches.

    `seen` counts every recorded change; a batch says up to which count it covers, so the
    server knows whether a finished build is still behind the files on disk.
    """

    def __init__(self, debounce: float = DEBOUNCE, max_delay: float = MAX_DELAY,
                 on_change: Callable[[], None] | None = None) -> None:
        self.debounce = debounce
        self.max_delay = max_delay
        self.on_change = on_change
        self.seen = 0
        self._paths: list[str] = []
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self._cond = threading.Condition()

    def add(self, paths: Iterable[str]) -> None:
        """Record changed paths (site-root-relative); wakes the build thread."""
        paths = list(paths)
        if not paths:
            return
        with self._cond:
            now = time.monotonic()
            if not self._paths:
                self._first = now
            self._paths.extend(paths)
            self._last = now
            self.seen += 1
            self._cond.notify_all()
        if self.on_change is not None:
            self.on_change()

    def next_batch(self) -> tuple[list[str], int] | None:
        """Block until a change and a quiet period: (paths in order, seen); None once closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                if not self._paths:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                due = min(self._last + self.debounce, self._first + self.max_delay)
                if now < due:
                    self._cond.wait(due - now)
                    continue
                paths = list(dict.fromkeys(self._paths))
                self._paths.clear()
                return paths, self.seen

    def close(self) -> None:
        """Wake and release the build thread for good."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class SiteWatcher:
    """watchdog on a site root: records relevant changes into a `Changes`."""

    def __init__(self, root: Path, changes: Changes, output_dir: str = "_site",
                 log: Callable[[str], None] | None = None) -> None:
        self.root = root.resolve()
        self.changes = changes
        self.output_dir = output_dir
        self.log = log or print
        self._observer: Any = None
        self._watches: dict[str, object] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Watch with the system's notifications, or by polling when they are unavailable."""
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        try:
            self._start(Observer())
        except OSError as error:  # e.g. the inotify watch limit: slower, but still right
            self.log(f"*** cannot watch for changes with system notifications ({error}); "
                     "polling the files once a second instead ***")
            with contextlib.suppress(Exception):  # it never fully started
                self._observer.stop()
            self._observer = None
            self._watches.clear()
            self._start(PollingObserver(timeout=1))

    def _start(self, observer: object) -> None:
        self._observer = observer
        observer.schedule(_Handler(self), str(self.root), recursive=False)  # type: ignore[attr-defined]
        for name in WATCHED_DIRS:
            self._watch_dir(name, strict=True)
        observer.start()  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def _watch_dir(self, name: str, strict: bool = False) -> None:
        if self._observer is None or name == self.output_dir:
            return
        with self._lock:
            old = self._watches.pop(name, None)
            if old is not None:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(old)
            folder = self.root / name
            if folder.is_dir():
                try:
                    self._watches[name] = self._observer.schedule(
                        _Handler(self), str(folder), recursive=True)
                except OSError as error:
                    if strict:
                        raise
                    self.log(f"*** cannot watch {name}/ ({error}): changes there are missed; "
                             "restart the server ***")

    def _relative(self, path: str | bytes) -> str | None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return None

    def on_event(self, event: object) -> None:
        kind = getattr(event, "event_type", "")
        if kind not in CHANGE_EVENTS:
            return
        is_dir = getattr(event, "is_directory", False)
        paths = [getattr(event, "src_path", "")]
        if kind == "moved":
            paths.append(getattr(event, "dest_path", ""))
        changed: list[str] = []
        for raw in paths:
            relative = self._relative(raw)
            if relative is None:
                continue
            if is_dir and kind == "modified":
                continue  # a folder's listing changed: the file events say what
            if is_dir and relative in WATCHED_DIRS and kind in ("created", "deleted", "moved"):
                self._watch_dir(relative)
            if is_relevant(relative, self.output_dir):
                changed.append(relative)
        if changed:
            self.changes.add(changed)


class _Handler:
    """A watchdog event handler that forwards to SiteWatcher.on_event."""

    def __init__(self, watcher: SiteWatcher) -> None:
        self.watcher = watcher

    def dispatch(self, event: object) -> None:
        self.watcher.on_event(event)
