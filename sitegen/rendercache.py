"""Rendered pages cached by everything that can change them.

A page's HTML depends on the page itself, the templates, the site settings, the navigation
(titles and URLs of other pages), the asset names and the data. The key hashes all of it, so
a no-op build or a one-page edit re-renders only the pages whose inputs changed; when in doubt
the key includes more, never less.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sitegen import __version__


class RenderCache:
    """{output path: (key, bytes)}, kept in memory and in one pickle under .sitegen-cache/."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[str, bytes]] = {}
        self.fresh: dict[str, tuple[str, bytes]] = {}
        self._read()

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

    def save(self) -> None:
        """Keep only this build's entries; write them if anything changed."""
        changed = self.fresh != self.entries
        self.entries, self.fresh = self.fresh, {}
        if not changed:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(f".tmp{os.getpid()}")
            with open(temporary, "wb") as handle:
                pickle.dump((__version__, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.file)
        except OSError:
            pass

    def _read(self) -> None:
        try:
            with open(self.file, "rb") as handle:
                version, entries = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError,
                ImportError, TypeError):
            return
        if version == __version__ and isinstance(entries, dict):
            self.entries = entries


def fingerprint(*parts: Any) -> str:
    """A stable hash of picklable values (dataclasses, tuples, strings, bytes)."""
    digest = hashlib.sha256(__version__.encode())
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
