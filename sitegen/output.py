"""Writers: the built site to disk (swapped in atomically) or to memory (for the dev server).

Rendering produces `{site path: bytes}`; only a writer touches the output. Two outputs that
claim one path are an error naming both sources. A cold build can stream its files into the
staging tree while it renders (`DiskWriter.stage`), so the disk works while the CPU does;
the swap still happens only when the whole build succeeded.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sitegen.errors import Problem, SitegenError


class OutputSet:
    """The files of one build, each claimed by exactly one source."""

    def __init__(self, sink: Callable[[str, bytes], None] | None = None) -> None:
        self.sink = sink
        self.files: dict[str, bytes] = {}
        self.claimed_by: dict[str, str] = {}
        self.problems: list[Problem] = []

    def add(self, path: str, data: bytes, source: str, line: int | None = None) -> None:
        """Claim an output path for a source; a second claim is recorded as a clash."""
        if path in self.claimed_by and self.claimed_by[path] != source:
            if line is None and not source.startswith("("):  # a file: place it, at least line 1
                line = 1
            self.problems.append(Problem(
                f"output clash: {source} and {self.claimed_by[path]} both write '{path}'",
                source, line, None, "rename or move one of them",
            ))
            return
        self.claimed_by[path] = source
        self.files[path] = data
        if self.sink is not None:
            self.sink(path, data)


class Writer(Protocol):
    """Where a finished build goes."""

    def write(self, files: Mapping[str, bytes]) -> bool: ...


@dataclass
class MemoryWriter:
    """Keeps the latest good build in memory (the dev server serves from here)."""

    files: Mapping[str, bytes]

    def write(self, files: Mapping[str, bytes]) -> bool:
        changed = files != self.files
        self.files = dict(files)
        return changed


@dataclass(frozen=True)
class DiskWriter:
    """Writes beside the old output, then swaps it in: a failed build never touches it."""

    out_dir: Path

    def write(self, files: Mapping[str, bytes]) -> bool:
        """Swap the new tree in; returns False when the output already held exactly these files."""
        if _same_tree(self.out_dir, files):
            return False
        try:
            staging = self._staging()
            _write_tree(staging, files)
        except BaseException:
            _remove_tree(self._staging_path())
            raise
        self._swap(staging)
        return True

    def stage(self) -> StagedWrite:
        """A staging tree that files can be streamed into while the build still runs.

        Nothing happens on disk until open(); call it inside the try whose except calls
        abort(), so a Ctrl-C at any moment leaves no staging tree behind.
        """
        return StagedWrite(self)

    def _staging_path(self) -> Path:
        return self.out_dir.parent / f".{self.out_dir.name}.new-{os.getpid()}"

    def _staging(self) -> Path:
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_siblings(parent, self.out_dir.name)
        staging = self._staging_path()
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        return staging

    def _swap(self, staging: Path) -> None:
        """Put the staged tree in place of the output; the old one is deleted afterwards."""
        retired = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        try:
            if self.out_dir.exists() and not self.out_dir.is_dir():
                raise SitegenError(
                    f"the output path {self.out_dir} exists and is not a folder",
                    hint="remove it or pass another --out",
                )
            if self.out_dir.exists():
                os.replace(self.out_dir, retired)
            os.replace(staging, self.out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if retired.exists() and not self.out_dir.exists():
                os.replace(retired, self.out_dir)
            raise
        try:
            shutil.rmtree(retired, ignore_errors=True)
        except BaseException:  # Ctrl-C while deleting the old tree: finish deleting, then stop
            shutil.rmtree(retired, ignore_errors=True)
            raise


class StagedWrite:
    """Files written into a staging tree by a background thread as the build produces them."""

    _DONE = None

    def __init__(self, writer: DiskWriter) -> None:
        self.writer = writer
        self.staging: Path | None = None
        self.written: dict[str, bytes] = {}
        self._queue: queue.SimpleQueue[tuple[str, bytes] | None] = queue.SimpleQueue()
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._cancelled = False

    def open(self) -> None:
        """Make the staging folder and start the writer thread."""
        self.staging = self.writer._staging()
        self._thread = threading.Thread(target=self._run, name="sitegen-writer", daemon=True)
        self._thread.start()

    def put(self, path: str, data: bytes) -> None:
        """Queue one file for writing (a later put of the same path wins)."""
        self._queue.put((path, data))

    def commit(self, files: Mapping[str, bytes]) -> bool:
        """Make the staged tree hold exactly files, then swap it in."""
        assert self.staging is not None, "commit() before open()"
        try:
            self._stop()  # waiting for the writer can be interrupted too
            if self._failure is not None:
                raise self._failure
            for relative in set(self.written) - set(files):
                (self.staging / relative).unlink()
            missing = {path: data for path, data in files.items()
                       if self.written.get(path) is not data and self.written.get(path) != data}
            _write_tree(self.staging, missing)
        except BaseException:
            self._halt()
            _remove_tree(self.staging)
            raise
        self.writer._swap(self.staging)
        return True

    def abort(self) -> None:
        """Throw the staged tree away (the build failed); the output is untouched."""
        try:
            self._halt()
        finally:
            if self.staging is not None:
                _remove_tree(self.staging)
            else:  # interrupted inside open(): remove what it may have made
                _remove_tree(self.writer._staging_path())

    def _stop(self) -> None:
        self._queue.put(self._DONE)
        if self._thread is not None and self._thread.ident is not None:
            self._thread.join()

    def _halt(self) -> None:
        """Stop the writer without finishing its queue, even through another Ctrl-C.

        Deleting the staging tree while the thread still writes into it would leave parts
        of it behind, so this waits for the thread before returning.
        """
        self._cancelled = True
        self._queue.put(self._DONE)
        if self._thread is None or self._thread.ident is None:
            return
        interrupted: BaseException | None = None
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt as again:
                interrupted = again
        if interrupted is not None:
            raise interrupted

    def _run(self) -> None:
        assert self.staging is not None
        made: set[Path] = set()
        while (item := self._queue.get()) is not self._DONE:
            if self._failure is not None or self._cancelled:
                continue
            path, data = item
            try:
                target = self.staging / path
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                with open(target, "wb") as handle:
                    handle.write(data)
                self.written[path] = data
            except BaseException as failure:  # reported by commit()
                self._failure = failure


def _remove_tree(path: Path) -> None:
    """Delete a tree completely, even when Ctrl-C comes again while deleting it."""
    interrupted: BaseException | None = None
    while path.exists():
        try:
            shutil.rmtree(path, ignore_errors=True)
        except KeyboardInterrupt as again:
            interrupted = again
    if interrupted is not None:
        raise interrupted


def _remove_stale_siblings(parent: Path, name: str) -> None:
    """Staging and retired trees left behind by a build that was killed (its process is gone)."""
    for path in parent.glob(f".{name}.*-*"):
        kind, _, pid = path.name[len(name) + 2:].partition("-")
        if kind in ("new", "old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _same_tree(root: Path, files: Mapping[str, bytes]) -> bool:
    """Whether root holds exactly these files with these bytes (a no-op build writes nothing)."""
    if not root.is_dir():
        return False
    found = 0
    for folder, _, names in os.walk(root):
        for name in names:
            relative = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            expected = files.get(relative)
            if expected is None:
                return False
            found += 1
    if found != len(files):
        return False
    for relative, data in files.items():
        target = root / relative
        try:
            if target.is_symlink() or target.stat().st_size != len(data):
                return False
            if target.read_bytes() != data:
                return False
        except OSError:
            return False
    return True


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    made: set[Path] = set()
    for relative in sorted(files):
        target = root / relative
        folder = target.parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(target, "wb") as handle:
            handle.write(files[relative])
