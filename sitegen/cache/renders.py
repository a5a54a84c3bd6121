"""Rendered pages cached by everything that can change them.

A page's HTML depends on the page itself, the templates, the site settings, the navigation
(titles and URLs of other pages), the asset names and the data. The key hashes all of it, so
a no-op build or a one-page edit re-renders only the pages whose inputs changed; when in doubt
the key includes more, never less. A template may also show other pages' content: those reads
(noted by `pageview`) are kept beside the key with the fingerprint each page had.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sitegen.cache.store import code_fingerprint, load_cache, save_cache

Reads = tuple[tuple[str, str], ...]  # (source, fingerprint) of other pages a render read


class RenderCache:
    """{output path: (key, reads, bytes)}, in memory and in one pickle under .sitegen-cache/.

    The key covers what every render reads (the page, the templates, the site key); reads
    lists the other pages this render read beyond that (`pageview`), each with the
    fingerprint it had: the entry holds while every one of them still has it.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[str, Reads, bytes]] = load_cache(file)
        self.fresh: dict[str, tuple[str, Reads, bytes]] = {}
        self.dirty = False

    def get(self, output: str, key: str,
            fingerprints: Mapping[str, str]) -> tuple[bytes, Reads] | None:
        """(bytes, reads) rendered last time for this output, if its key and reads still hold."""
        entry = self.peek(output, key, fingerprints)
        if entry is not None:
            self.fresh[output] = (key, entry[1], entry[0])
        return entry

    def peek(self, output: str, key: str,
             fingerprints: Mapping[str, str]) -> tuple[bytes, Reads] | None:
        """Like get, without counting the entry as used by this build."""
        entry = self.entries.get(output)
        if entry is None or entry[0] != key:
            return None
        if any(fingerprints.get(source) != value for source, value in entry[1]):
            return None
        return entry[2], entry[1]

    def put(self, output: str, key: str, reads: Reads, data: bytes) -> None:
        """Remember what an output rendered to under a key, having read those pages."""
        self.fresh[output] = (key, reads, data)

    def end_build(self) -> None:
        """Keep only what this build used (outputs that went away are dropped)."""
        if self.fresh != self.entries:
            self.dirty = True
        self.entries, self.fresh = self.fresh, {}

    def replace(self, output: str, key: str, reads: Reads, data: bytes) -> None:
        """Store one output between builds (a rebuild of a few pages: the rest stay as they are)."""
        self.entries[output] = (key, reads, data)
        self.dirty = True

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
