"""The memory writer: the latest good build kept in memory (the dev server serves from here)."""

from __future__ import annotations

from collections.abc import Mapping


class MemoryWriter:
    """Keeps the files of the last committed build."""

    def __init__(self) -> None:
        self.files: Mapping[str, bytes] = {}

    def begin(self) -> None:
        """Nothing to prepare: a build is kept only once it is whole."""

    def put(self, path: str, data: bytes) -> None:
        """Files are taken whole at commit."""

    def commit(self, files: Mapping[str, bytes]) -> bool:
        """Keep files as the current build; True when they differ from the last."""
        changed = files != self.files
        self.files = files
        return changed

    def abort(self) -> None:
        """The build failed: the last good files stay."""
