"""Parsed pages cached by content hash, and parsed in parallel when many are new.

Parsing Markdown is the bulk of a cold build, so an unchanged page must cost nothing on the
next build (the cache is keyed by the file's bytes and the parser's settings), and a cold
build spreads the work over the machine's cores.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sitegen.cache.store import load_cache, save_cache
from sitegen.errors import ProblemCollector, SitegenError

Parse = Callable[[Path, bytes], Any]
"""Parses one file from its path and bytes (raising SitegenError for a bad page)."""

PARALLEL_THRESHOLD = 48
CHUNK = 16


class PageCache:
    """{source path: (content key, file stamp, parsed page)}, in one pickle under .sitegen-cache/.

    A file whose size, modification time (ns) and inode are unchanged is not read again; any
    other file is read and its bytes hashed, and parsed only when the hash changed.
    """

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[str, tuple[str, tuple[int, int, int, bool], Any]] = {}
        self.loaded = False
        self.dirty = False

    def load_pages(
        self,
        paths: Sequence[Path],
        root: Path,
        typographer: bool,
        parse: Parse,
        problems: ProblemCollector,
        unchanged: Callable[[str], bool] | None = None,
        tick: Callable[[str, int], None] | None = None,
    ) -> dict[Path, Any]:
        """{path: parsed page} of the paths that parse, in order; the problems of the rest
        are recorded.

        parse(path, raw) parses one file from its bytes, read here once; it must pickle
        (a module-level function, or a partial of one), since workers run it. typographer
        is part of every key.
        unchanged(relative) may vouch that a file did not change since the last call (the
        dev server's watcher knows); such a file is not even stat'ed. tick, when given, is
        told of each page parsed ("pages parsed", 1) as it is.
        """
        self._read()
        results, missing = self._cached(paths, root, typographer, unchanged)
        for path, (key, stamp, outcome) in zip(missing, _parse_all(missing, typographer, parse),
                                               strict=True):
            if tick is not None:
                tick("pages parsed", 1)
            results[path] = outcome
            if not isinstance(outcome, SitegenError):
                self.entries[path.relative_to(root).as_posix()] = (key, stamp, outcome)
                self.dirty = True
        parsed = {}
        for path in paths:
            outcome = results[path]
            if isinstance(outcome, SitegenError):
                problems.add(outcome)
            else:
                parsed[path] = outcome
        return parsed

    def _cached(self, paths: Sequence[Path], root: Path, typographer: bool,
                unchanged: Callable[[str], bool] | None) -> tuple[dict[Path, Any], list[Path]]:
        """The pages whose cached parse still holds, and the paths to parse; entries of
        files that are gone are dropped."""
        results: dict[Path, Any] = {}
        missing: list[Path] = []
        live: set[str] = set()
        prefix = len(str(root)) + 1
        for path in paths:
            relative = str(path)[prefix:].replace(os.sep, "/")  # paths are all under root
            live.add(relative)
            cached = self.entries.get(relative)
            if cached is not None and unchanged is not None and unchanged(relative):
                results[path] = cached[2]
                continue
            if cached is None:
                missing.append(path)  # hashed where it is parsed, in a worker
                continue
            stamp = _stamp(path, typographer)
            if cached[1] == stamp:
                results[path] = cached[2]  # same size, mtime and inode: not even read
                continue
            key = _key(path.read_bytes(), typographer)
            if cached[0] == key:
                results[path] = cached[2]
                self.entries[relative] = (key, stamp, cached[2])
                self.dirty = True
            else:
                missing.append(path)
        for stale in set(self.entries) - live:
            del self.entries[stale]
            self.dirty = True
        return results, missing

    def reparse(self, paths: Sequence[Path], root: Path, typographer: bool,
                parse: Parse) -> list[Any]:
        """Parse these files again now (the caller knows they changed), keeping every other
        entry; the first SitegenError is raised."""
        self._read()
        parsed = []
        for path in paths:
            key, stamp, outcome = _parse_one((path, typographer, parse))
            if isinstance(outcome, SitegenError):
                raise outcome
            self.entries[path.relative_to(root).as_posix()] = (key, stamp, outcome)
            self.dirty = True
            parsed.append(outcome)
        return parsed

    def save(self) -> None:
        """Write the cache if it changed."""
        if self.dirty:
            save_cache(self.file, self.entries)
            self.dirty = False

    def _read(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.entries = load_cache(self.file)


def _stamp(path: Path, typographer: bool) -> tuple[int, int, int, bool]:
    status = path.stat()
    return (status.st_size, status.st_mtime_ns, status.st_ino, typographer)


def _key(raw: bytes, typographer: bool) -> str:
    digest = hashlib.sha256(raw)
    digest.update(b"typographer" if typographer else b"plain")
    return digest.hexdigest()


def _parse_one(args: tuple[Path, bool, Parse]) -> tuple[str, tuple[int, int, int, bool], Any]:
    """(content key, file stamp, parsed page or SitegenError) of one file, read once.

    The stamp is taken before the bytes are read, so a file that changes while this runs
    has a newer stamp than the one recorded, and is hashed and parsed again next time.
    """
    path, typographer, parse = args
    stamp = _stamp(path, typographer)
    raw = path.read_bytes()
    key = _key(raw, typographer)
    try:
        return key, stamp, parse(path, raw)
    except SitegenError as error:
        return key, stamp, error


def _parse_all(
    paths: list[Path], typographer: bool, parse: Parse,
) -> Iterator[tuple[str, tuple[int, int, int, bool], Any]]:
    """Each page parsed, in order, as soon as it is (in worker processes when there are
    many)."""
    jobs = [(path, typographer, parse) for path in paths]
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_THRESHOLD or workers < 2:
        yield from (_parse_one(job) for job in jobs)
        return
    # Imported here: most builds parse few pages, or none (a no-op build).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # The first page is parsed here before forking, so every worker inherits a warm parser
    # (plugins imported, the Markdown instance built) instead of building its own.
    first = _parse_one(jobs[0])
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_collect_rarely) as pool:
        yield first
        yield from pool.map(_parse_one, jobs[1:], chunksize=CHUNK)


def _collect_rarely() -> None:
    """Make a parse worker run the cyclic garbage collector about 70 times less often.

    A parse allocates tens of thousands of tokens that reference counting frees, yet they
    trigger a collection every 700 allocations (what that costs:
    benchmarks/results/design-notes.md). The workers live for one build, so the cycles left
    over cost nothing lasting.
    """
    import gc

    gc.freeze()  # what the parent had before the fork is never scanned (nor copied) again
    gc.set_threshold(50_000, 50, 50)
