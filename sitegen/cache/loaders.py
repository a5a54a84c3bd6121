"""Data loaders' results kept by exactly what they depended on, in `.sitegen-cache/loaders.pickle`.

An entry remembers the loader's code, the datasets it read and every file it opened (each by
digest), sitegen's version, when it ran and how long its result stays fresh (`REFRESH`):
the loaders room decides whether it still holds; this module only keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.cache.store import load_cache, save_cache


@dataclass(frozen=True)
class LoaderEntry:
    """One loader's last result and everything it depended on."""

    code: str
    version: str
    reads: tuple[tuple[str, str], ...]
    """(dataset name, digest) of each dataset it read."""
    files: tuple[tuple[str, str | None], ...]
    """(absolute path, content digest or None when missing) of each file it opened."""
    made: float
    fresh_for: float | None
    value: Any
    def_line: int


class LoaderCache:
    """{loader's site path: LoaderEntry}, loaded once and saved at the end of a build."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, LoaderEntry] = {
            key: entry for key, entry in load_cache(file).items()
            if isinstance(entry, LoaderEntry)}
        self.dirty = False

    def get(self, relative: str) -> LoaderEntry | None:
        """The last entry of the loader at relative, if any."""
        return self.entries.get(relative)

    def put(self, relative: str, entry: LoaderEntry) -> None:
        """Remember a loader's new result."""
        self.entries[relative] = entry
        self.dirty = True

    def keep_only(self, loaders: set[str]) -> None:
        """Forget loaders that no longer exist."""
        gone = set(self.entries) - loaders
        for relative in gone:
            del self.entries[relative]
        self.dirty = self.dirty or bool(gone)

    def save(self) -> None:
        """Write the entries if they changed (a failed write only costs time)."""
        if self.dirty:
            save_cache(self.file, self.entries)
            self.dirty = False
