"""The chart cache: rendered charts on disk, and the keys that say when one is still good.

A key hashes everything that shapes a chart's output except its datasets: the block's text,
a `python:` block's module, the versions of Altair and vl-convert, and the code of the
charts room itself, so an edit there can never serve a stale chart. (Datasets are checked
against the digests the entry records; see chart_figures.py.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sitegen.cache import UserCache, atomic_write, code_fingerprint
from sitegen.charts.blocks import ChartBlock

CHARTS_VERSION = "3"
"""Bump when a change in the charts room alters rendered output, so cached charts are
rendered again (and so entries of an older format are never read)."""


@dataclass(frozen=True)
class ChartCache:
    """Rendered charts on disk, one JSON entry per chart key; safe to delete at any time.

    `user` is the user-level cache, for what depends only on library versions (the runtime);
    without one, such things are made again whenever they are needed.
    """

    directory: Path
    user: UserCache | None = None

    @classmethod
    def for_site(cls, directory: Path) -> ChartCache:
        """A site's chart cache, beside the user-level cache of this environment."""
        return cls(directory, UserCache.default())

    def _path(self, name: str) -> Path:
        return self.directory / "charts" / name

    def read(self, name: str) -> bytes | None:
        """The stored bytes under name, or None."""
        try:
            return self._path(name).read_bytes()
        except OSError:
            return None

    def write(self, name: str, content: bytes) -> None:
        """Store bytes atomically (a concurrent build sees the old entry or the new one)."""
        atomic_write(self._path(name), content)

    def has(self, name: str) -> bool:
        return self._path(name).is_file()

    def entry(self, key: str) -> dict[str, Any] | None:
        """The JSON entry of a chart key, or None when missing or unreadable."""
        raw = self.read(f"{key}.json")
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) and value.get("version") == CHARTS_VERSION \
            else None

    def store(self, key: str, entry: Mapping[str, Any]) -> None:
        self.write(f"{key}.json", json.dumps(entry, sort_keys=True).encode())


# --- cache keys ---------------------------------------------------------------------------


def output_versions() -> str:
    """Versions that shape the output: ours (with a hash of sitegen's code, so an edit
    anywhere in it can never serve a stale chart), Altair's and vl-convert's."""
    return "|".join([CHARTS_VERSION, code_fingerprint()[:16], package_version("altair"),
                     package_version("vl-convert-python")])


def package_version(name: str) -> str:
    """An installed distribution's version, or "?" when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def block_key(block: ChartBlock, charts_dir: Path, versions: str) -> str:
    """Hash of the block's text and (for `python:` blocks) its module's source.

    Datasets are not in the key: the entry records the digest of each dataset it read, and a
    hit needs them all unchanged, so a module that reads one dataset of many is not rebuilt
    when another changes.
    """
    digest = hashlib.sha256(versions.encode() + b"\0" + block.text.encode())
    match = re.search(r"^python:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)", block.text, re.M)
    if match:
        try:
            digest.update(b"\0" + (charts_dir / f"{match.group(1)}.py").read_bytes())
        except OSError:
            digest.update(b"\0missing")
    return digest.hexdigest()
