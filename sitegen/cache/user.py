"""The user-level cache: what depends only on library versions, made once for every site.

Some artefacts are the same bytes for every site built with the same versions of sitegen's
libraries (the chart runtime is the big one). They are kept in one folder per user --
platformdirs' user cache folder (`~/.cache/sitegen` on Linux), or `$SITEGEN_CACHE_DIR` when
that is set -- so every site, the dev server, CI and the test suite make them once per version.
Names carry the versions they were made from, files are written atomically (a concurrent
build sees the old file or the new one, never half of one), and the folder is safe to delete.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sitegen.cache.store import atomic_write

ENV_VAR = "SITEGEN_CACHE_DIR"
"""Set to a folder to keep the user-level cache there instead of platformdirs' place."""


def user_cache_dir() -> Path:
    """`$SITEGEN_CACHE_DIR`, or the platform's user cache folder for sitegen."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("sitegen", appauthor=False))


@dataclass(frozen=True)
class UserCache:
    """Files by name in the user-level cache; a miss or an unwritable folder costs only time."""

    directory: Path

    @classmethod
    def default(cls) -> UserCache:
        """The cache at user_cache_dir() (read from the environment at each call)."""
        return cls(user_cache_dir())

    def read(self, name: str) -> bytes | None:
        """The bytes stored under name, or None."""
        try:
            return (self.directory / name).read_bytes()
        except OSError:
            return None

    def write(self, name: str, content: bytes) -> bool:
        """Store bytes atomically; False when the folder cannot be written."""
        return atomic_write(self.directory / name, content)

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()

    def get(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The bytes under name, made by make() and stored when missing."""
        found = self.read(name)
        if found is None:
            found = make()
            self.write(name, found)
        return found
