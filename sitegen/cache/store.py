"""Caches on disk: one pickle per cache under `.sitegen-cache/`, valid for one version of the code.

A cache written by other code (an upgrade, or a change while developing sitegen itself) is
ignored rather than trusted, and a cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import IO, Any


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of sitegen's own code (every module and script of the package, in every room),
    so caches never outlive the code that wrote them."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js", ".css") and path.is_file() \
                and "_theme" not in path.relative_to(package).parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_cache(file: Path) -> dict[str, Any]:
    """The entries saved by this code, or an empty dict."""
    try:
        with open(file, "rb") as handle:
            version, entries = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError,
            ImportError, TypeError, IndexError):
        return {}
    if version != code_fingerprint() or not isinstance(entries, dict):
        return {}
    return entries


def save_cache(file: Path, entries: dict[str, Any]) -> None:
    """Write entries atomically, tagged with the code that wrote them."""
    # Streamed into the file: a page cache is megabytes, and a copy of it in memory first
    # costs a no-op rebuild time and memory.
    atomic_write(file, lambda out: pickle.dump((code_fingerprint(), entries), out,
                                               protocol=pickle.HIGHEST_PROTOCOL))


def atomic_write(file: Path, content: bytes | Callable[[IO[bytes]], None]) -> bool:
    """Write a cache file whole or not at all: a concurrent reader sees the old bytes or the
    new ones. content is the bytes, or a function that writes them to the open file. False
    when it could not be written (a cache that cannot be written only costs time, so callers
    may ignore it)."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                if isinstance(content, bytes):
                    out.write(content)
                else:
                    content(out)
            os.replace(temporary, file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    return True
