"""Parsed pages cached by content hash, and parsed in parallel when many are new.

Parsing Markdown is the bulk of a cold build, so an unchanged page must cost nothing on the
next build (the cache is keyed by the file's bytes and the parser's settings), and a cold
build spreads the work over the machine's cores.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.errors import SitegenError

PARALLEL_THRESHOLD = 48
CHUNK = 32


class PageCache:
    """{source path: (key, parsed page)} kept in one pickle under .sitegen-cache/."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[str, Any]] = {}
        self.loaded = False
        self.dirty = False

    def load_pages(
        self,
        paths: Sequence[Path],
        root: Path,
        typographer: bool,
        parse: Callable[[Path, Path, bool], Any],
    ) -> Iterator[tuple[Path, Any]]:
        """(path, parsed page or SitegenError) for each path, in order."""
        self._read()
        results: dict[Path, Any] = {}
        missing: list[tuple[Path, str]] = []
        live: set[str] = set()
        for path in paths:
            relative = path.relative_to(root).as_posix()
            live.add(relative)
            key = _key(path.read_bytes(), typographer)
            cached = self.entries.get(relative)
            if cached is not None and cached[0] == key:
                results[path] = cached[1]
            else:
                missing.append((path, key))
        for (path, key), outcome in zip(missing, _parse_all([p for p, _ in missing], root,
                                                             typographer, parse)):
            results[path] = outcome
            if not isinstance(outcome, SitegenError):
                self.entries[path.relative_to(root).as_posix()] = (key, outcome)
                self.dirty = True
        for stale in set(self.entries) - live:
            del self.entries[stale]
            self.dirty = True
        for path in paths:
            yield path, results[path]

    def save(self) -> None:
        """Write the cache if it changed (a failed write only costs speed next time)."""
        if not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(f".tmp{os.getpid()}")
            with open(temporary, "wb") as handle:
                pickle.dump((__version__, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.file)
            self.dirty = False
        except OSError:
            pass

    def _read(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        try:
            with open(self.file, "rb") as handle:
                version, entries = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError,
                ImportError, TypeError):
            return
        if version == __version__ and isinstance(entries, dict):
            self.entries = entries


def _key(raw: bytes, typographer: bool) -> str:
    digest = hashlib.sha256(raw)
    digest.update(b"typographer" if typographer else b"plain")
    return digest.hexdigest()


def _parse_one(args: tuple[Path, Path, bool, Callable[[Path, Path, bool], Any]]) -> Any:
    path, root, typographer, parse = args
    try:
        return parse(path, root, typographer)
    except SitegenError as error:
        return error


def _parse_all(
    paths: list[Path], root: Path, typographer: bool, parse: Callable[[Path, Path, bool], Any],
) -> list[Any]:
    jobs = [(path, root, typographer, parse) for path in paths]
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_THRESHOLD or workers < 2:
        return [_parse_one(job) for job in jobs]
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_parse_one, jobs, chunksize=CHUNK))
