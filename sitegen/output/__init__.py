"""Output: the one place that writes a build, and the names and claims of its files.

Rendering produces `{site path: bytes}`; only a Writer touches the output. Each build is
`begin()`, any number of `put(path, bytes)` as files are made (a writer may start writing
them at once, or wait), then `commit(files)` when the whole build succeeded or `abort()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sitegen.output.disk import DiskWriter
from sitegen.output.memory import MemoryWriter
from sitegen.output.names import HASHED_NAME, content_hashed, hashed_name, unhashed
from sitegen.output.outputs import OutputDelta, OutputSet


class Writer(Protocol):
    """Where a build goes: disk (swapped in whole), memory (the dev server)."""

    def begin(self) -> None:
        """A build starts."""

    def put(self, path: str, data: bytes) -> None:
        """One finished file (a later put of the same path wins)."""

    def commit(self, files: Mapping[str, bytes]) -> bool:
        """The build succeeded: the output becomes exactly files; True if anything changed."""

    def abort(self) -> None:
        """The build failed: the output stays as it was."""


__all__ = [
    "HASHED_NAME", "DiskWriter", "MemoryWriter", "OutputDelta", "OutputSet", "Writer",
    "content_hashed", "hashed_name", "unhashed",
]
