"""What a running build has done so far (`Progress`: counts and the time of each phase), and
the one line a terminal shows of it (`TerminalLine`), replaced in place, never scrolled.

The build ticks counts where the work happens (pages parsed, charts rendered, pages
rendered); a new kind of work adds a count by ticking a new name and a label in `LABELS`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

LABELS = (
    ("pages parsed", "pages parsed"),
    ("charts rendered", "charts rendered"),
    ("loaders run", "loaders run"),
    ("pages rendered", "pages rendered"),
)
"""The counts a terminal shows, in order: (name ticked, label)."""


class Progress:
    """Counts and phase times of one build; read from another thread while it runs."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.phases: list[tuple[str, float]] = []
        self.current = ""
        self._inner: list[float] = []  # per open phase: the time of the phases inside it

    def tick(self, what: str, count: int = 1) -> None:
        """Count count more of what (a name in LABELS, or a new one)."""
        self.counts[what] = self.counts.get(what, 0) + count

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time a phase of the build (load, render, search, write); a phase inside another
        is taken out of the other's time, so the times add up to the build's."""
        started = time.perf_counter()
        outer = self.current
        self.current = name
        self._inner.append(0.0)
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self.phases.append((name, took - self._inner.pop()))
            if self._inner:
                self._inner[-1] += took
            self.current = outer or name

    def line(self) -> str:
        """What the build has done so far, on one line."""
        done = [f"{self.counts[name]:,} {label}" for name, label in LABELS
                if self.counts.get(name)]
        return f"{self.current or 'starting'}: " + (", ".join(done) or "…")


class TerminalLine:
    """Shows a build's progress on a terminal: after a delay, one line redrawn in place
    (`\\r`) until the build ends, then wiped so the summary line takes its place."""

    def __init__(self, progress: Progress, stream: TextIO, delay: float = 1.0,
                 every: float = 0.1) -> None:
        self.progress = progress
        self.stream = stream
        self.delay = delay
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._drawn = False

    def __enter__(self) -> TerminalLine:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return  # a quick build shows nothing but its summary
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns - 1
        except (OSError, ValueError, AttributeError):
            width = 0
        width = width if width >= 20 else 79  # a terminal that gives no size
        while True:
            self.stream.write("\r" + self.progress.line()[:width] + "\x1b[K")
            self.stream.flush()
            self._drawn = True
            if self._stop.wait(self.every):
                return
