"""Rendered pages cached by everything that can change them.

A page's HTML depends on the page itself, the templates, the site settings, the navigation
(titles and URLs of other pages), the asset names and the data. The key hashes all of it, so
a no-op build or a one-page edit re-renders only the pages whose inputs changed; when in doubt
the key includes more, never less.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sitegen.cachefile import code_fingerprint, load_cache, save_cache


class RenderCache:
    """{output path: (key, bytes)}, kept in memory and in one pickle under .sitegen-cache/."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[str, bytes]] = load_cache(file)
        self.fresh: dict[str, tuple[str, bytes]] = {}
        self.dirty = False

    def get(self, output: str, key: str) -> bytes | None:
        """The bytes rendered last time for this output under this key, if any."""
        entry = self.entries.get(output)
        if entry is not None and entry[0] == key:
            self.fresh[output] = entry
            return entry[1]
        return None

    def put(self, output: str, key: str, data: bytes) -> None:
        """Remember what an output rendered to under a key."""
        self.fresh[output] = (key, data)

    def end_build(self) -> None:
        """Keep only what this build used (outputs that went away are dropped)."""
        if self.fresh != self.entries:
            self.dirty = True
        self.entries, self.fresh = self.fresh, {}

    def save(self) -> None:
        """Write the entries if they changed since the last save."""
        if self.dirty:
            save_cache(self.file, self.entries)
            self.dirty = False


def fingerprint(*parts: Any) -> str:
    """A stable hash of picklable values (dataclasses, tuples, strings, bytes)."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else pickle.dumps(part, protocol=4))
    return digest.hexdigest()


def tree_fingerprint(folders: Iterable[Path]) -> str:
    """A hash of every file's name and bytes under some folders (the templates)."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(path.read_bytes())
        digest.update(b"\1")
    return digest.hexdigest()
