"""The files of one build, each claimed by exactly one source, and what a rebuild changed.

Two outputs that claim one path are an error naming both sources, and so is a file where
another output needs a folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sitegen.errors import OutputError, ProblemCollector


class OutputSet:
    """The files of one build, each claimed by exactly one source."""

    def __init__(self, problems: ProblemCollector,
                 sink: Callable[[str, bytes], None] | None = None) -> None:
        self.sink = sink
        self.files: dict[str, bytes] = {}
        self.claimed_by: dict[str, str] = {}
        self.folders: dict[str, str] = {}  # a folder the output needs -> the first source
        self.problems = problems

    def add(self, path: str, data: bytes, source: str, line: int | None = None) -> None:
        """Claim an output path for a source; a second claim is recorded as a clash, and so
        is a file where another output needs a folder (`about` beside `about/index.html`)."""
        if path in self.claimed_by and self.claimed_by[path] != source:
            other = self.claimed_by[path]
            self._clash(source, other, line, f"{source} and {other} both write '{path}'")
            return
        if path in self.folders:
            other = self.folders[path]
            self._clash(source, other, line, f"{source} writes the file '{path}', where "
                                             f"{other} needs a folder")
            return
        folder = path.rpartition("/")[0]
        while folder and folder not in self.folders:
            if folder in self.claimed_by:
                other = self.claimed_by[folder]
                self._clash(source, other, line, f"{source} needs the folder '{folder}', where "
                                                 f"{other} writes a file")
                return
            self.folders[folder] = source
            folder = folder.rpartition("/")[0]
        self.claimed_by[path] = source
        self.files[path] = data
        if self.sink is not None:
            self.sink(path, data)

    def _clash(self, source: str, other: str, line: int | None, what: str) -> None:
        """Placed at the source, or at the other claimant when only it is a file (a page's
        `feed.xml` against the feed sitegen writes)."""
        if source.startswith("(") and not other.startswith("("):
            source, line = other, None
        if line is None and not source.startswith("("):  # a file: place it, at least line 1
            line = 1
        self.problems.add(OutputError(f"output clash: {what}", source, line, None,
                                      "rename or move one of them"))


@dataclass(frozen=True)
class OutputDelta:
    """The outputs that may differ from another build's files (all others are the same)."""

    base: Mapping[str, bytes]
    paths: frozenset[str]
