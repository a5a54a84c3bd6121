"""Knowing that nothing changed: stamps of every input and of the written output.

A `sitegen build` whose inputs (every file the build could read, the settings, the options,
sitegen's own code and the chart libraries' versions) and whose output folder are exactly as
the last successful build left them has nothing to do. Stamps are (size, mtime in ns, inode)
per file: any edit, even one that keeps the size, changes the mtime; when in doubt the build
runs.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.cache.store import load_cache, save_cache

Stamp = tuple[int, int, int]


@dataclass(frozen=True)
class Manifest:
    """What the last successful build read and wrote, and what it said."""

    inputs: str
    outputs: Mapping[str, Stamp]
    summary: Any
    expires: float | None = None
    """When a data loader's cached result goes stale (its REFRESH): no no-op after it."""
    watched: tuple[tuple[str, Stamp | None], ...] = ()
    """Stamps of files read from outside the site's folders (by data loaders)."""

    def still_holds(self) -> bool:
        """Whether nothing beyond the site's folders has moved on since (time, files)."""
        import time

        if self.expires is not None and time.time() >= self.expires:
            return False
        return all(file_stamp(Path(path)) == stamp for path, stamp in self.watched)


def file_stamp(path: Path) -> Stamp | None:
    """One file's stamp, None when it is missing."""
    try:
        return _stamp(path.stat())
    except OSError:
        return None


def input_stamp(folders: list[Path], files: list[Path], settings: Any) -> str:
    """One hash over the stamps of every file under folders, the files, and settings."""
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(sys.version.encode())
    for folder in folders:
        digest.update(b"\0folder " + str(folder).encode())
        for relative, stamp in _walk(folder):
            digest.update(f"{relative}\0{stamp}\n".encode())
    for path in files:
        try:
            status = path.stat()
            digest.update(f"{path}\0{_stamp(status)}\n".encode())
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
    return digest.hexdigest()


def output_stamps(out_dir: Path) -> dict[str, Stamp] | None:
    """Stamps of every file in the output folder, or None when it is missing."""
    if not out_dir.is_dir():
        return None
    return dict(_walk(out_dir))


def manifest_file(cache_dir: Path, out_dir: Path) -> Path:
    """Where the manifest of builds into out_dir is kept (one per output folder)."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"manifest-{name}.pickle"


def load_manifest(file: Path) -> Manifest | None:
    """The last manifest written by this code, if any."""
    entry = load_cache(file).get("manifest")
    return entry if isinstance(entry, Manifest) else None


def save_manifest(file: Path, manifest: Manifest) -> None:
    """Record a successful build."""
    save_cache(file, {"manifest": manifest})


class OutputFiles(Mapping[str, bytes]):
    """The files of a build that wrote nothing, read from the output folder on demand."""

    def __init__(self, out_dir: Path, paths: Mapping[str, Stamp]) -> None:
        self.out_dir = out_dir
        self.paths = paths

    def __getitem__(self, path: str) -> bytes:
        if path not in self.paths:
            raise KeyError(path)
        return (self.out_dir / path).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.paths))

    def __len__(self) -> int:
        return len(self.paths)


def _walk(root: Path) -> Iterator[tuple[str, Stamp]]:
    if not root.is_dir():
        return
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":  # written by importing chart modules
                    stack.append(Path(entry.path))
                continue
            relative = os.path.relpath(entry.path, root).replace(os.sep, "/")
            try:
                yield relative, _stamp(entry.stat(follow_symlinks=True))
            except OSError:
                yield relative, (-1, -1, -1)


def _stamp(status: os.stat_result) -> Stamp:
    return (status.st_size, status.st_mtime_ns, status.st_ino)
