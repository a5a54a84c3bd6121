"""Caches on disk: one pickle per cache under `.sitegen-cache/`, valid for one version of the code.

A cache written by other code (an upgrade, or a change while developing sitegen itself) is
ignored rather than trusted, and a cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any


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
    """Write entries atomically (a temporary file renamed over the old one)."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(f".tmp{os.getpid()}")
        with open(temporary, "wb") as handle:
            pickle.dump((code_fingerprint(), entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, file)
    except OSError:
        pass
