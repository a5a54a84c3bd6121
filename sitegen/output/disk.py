"""The disk writer: the built site swapped into the output folder atomically.

A failed build never touches the output. A cold build streams its files into a staging tree
from a forked writer process while it renders (`DiskWriter(out, stream=True)`), so the disk
works while the CPU does; the swap still happens only when the whole build succeeded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Mapping
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from sitegen.errors import OutputError


class DiskWriter:
    """Writes beside the old output, then swaps it in: a failed build never touches it.

    With stream=True (a cold build, where every file is new), begin() starts a forked writer
    that puts each file into a staging tree as it comes. Otherwise the files are compared
    with the output at commit(), so a build that changed nothing writes nothing. Call
    begin() inside the try whose except calls abort(), so a Ctrl-C at any moment leaves no
    staging tree behind.
    """

    def __init__(self, out_dir: Path, stream: bool = False) -> None:
        self.out_dir = out_dir
        self.stream = stream
        self._staged: _StagedTree | None = None

    def begin(self) -> None:
        """Start the staging tree and its writer process (when streaming)."""
        if self.stream:
            self._staged = _StagedTree(self)
            self._staged.open()

    def put(self, path: str, data: bytes) -> None:
        """Hand one file to the staging writer (when streaming)."""
        if self._staged is not None:
            self._staged.put(path, data)

    def commit(self, files: Mapping[str, bytes]) -> bool:
        """Make the output exactly files; False when it already held exactly these."""
        staged, self._staged = self._staged, None
        if staged is not None:
            return staged.commit(files)
        if _same_tree(self.out_dir, files):
            return False
        try:
            staging = self._staging()
            _write_tree(staging, files, self.out_dir)
        except BaseException:
            _remove_tree(self._staging_path())
            raise
        self._swap(staging)
        return True

    def abort(self) -> None:
        """Throw the staged tree away; the output is untouched."""
        staged, self._staged = self._staged, None
        if staged is not None:
            staged.abort()

    def _staging_path(self) -> Path:
        return self.out_dir.parent / f".{self.out_dir.name}.new-{os.getpid()}"

    def _staging(self) -> Path:
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_siblings(parent, self.out_dir.name)
        staging = self._staging_path()
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        _spread_subfolders(staging)
        return staging

    def _swap(self, staging: Path) -> None:
        """Put the staged tree in place of the output; the old one is deleted afterwards."""
        retired = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        try:
            if self.out_dir.exists() and not self.out_dir.is_dir():
                raise OutputError(
                    f"the output path '{self.out_dir.name}' exists and is not a folder",
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


class _StagedTree:
    """Files written into a staging tree by a helper process as the build produces them.

    A process, not a thread: rendering holds the GIL, and a writer thread needs it back after
    every system call, so it wrote few pages while they rendered and the rest only after. A
    forked writer makes the same calls on the other core, unhindered.
    Where fork does not exist the files are written at commit().
    """

    def __init__(self, writer: DiskWriter) -> None:
        self.writer = writer
        self.staging: Path | None = None
        self.sent: dict[str, bytes] = {}
        self._connection: Connection | None = None
        self._process: BaseProcess | None = None

    def open(self) -> None:
        """Make the staging folder and start the writer process."""
        self.staging = self.writer._staging()
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=True)
        self._process = context.Process(
            target=_write_files, args=(self.staging, receiver, sender),
            name="sitegen-writer", daemon=True,
        )
        self._process.start()
        receiver.close()
        self._connection = sender

    def put(self, path: str, data: bytes) -> None:
        """Hand one file to the writer (a later put of the same path wins)."""
        if self._connection is not None:
            self._connection.send((path, data))
            self.sent[path] = data

    def commit(self, files: Mapping[str, bytes]) -> bool:
        """Make the staged tree hold exactly files, then swap it in."""
        assert self.staging is not None, "commit() before open()"
        try:
            failure = self._finish()  # waiting for the writer can be interrupted too
            if failure is not None:
                path, error = failure
                raise _output_error(error, self.writer.out_dir / path) from None
            for relative in set(self.sent) - set(files):
                (self.staging / relative).unlink()
            missing = {path: data for path, data in files.items()
                       if self.sent.get(path) is not data and self.sent.get(path) != data}
            _write_tree(self.staging, missing, self.writer.out_dir)
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

    def _finish(self) -> tuple[str, OSError] | None:
        """Let the writer write everything sent, and return its failure, if any."""
        if self._connection is None:
            return None
        try:
            self._connection.send(None)
            failure = self._connection.recv()
        except (EOFError, OSError):  # it died (killed, out of memory): the tree is incomplete
            failure = ("", OSError("the output writer process stopped before writing every "
                                   "file"))
        self._halt()
        return failure

    def _halt(self) -> None:
        """Stop the writer without finishing its work, even through another Ctrl-C.

        Deleting the staging tree while the writer still writes into it would leave parts
        of it behind, so this waits for the process before returning. It is killed rather
        than asked: processes forked since (parse workers) hold the pipe open too, so it
        might not see the pipe close.
        """
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.kill()  # its work is either done (commit) or unwanted (abort)
        interrupted: BaseException | None = None
        while True:
            try:
                self._process.join()
                break
            except KeyboardInterrupt as again:
                interrupted = again
        if interrupted is not None:
            raise interrupted


def _write_files(staging: Path, connection: Connection, parents_end: Connection) -> None:
    """The writer process: write each (path, bytes) received until told to stop.

    A Ctrl-C is the parent's to handle (it stops this process by closing the pipe), and the
    first failure is sent back to the parent, which reports it from commit().
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parents_end.close()  # so that the parent closing its end is seen here as the end
    folders = _Folders(staging)
    failure: tuple[str, OSError] | None = None
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):
            return  # the parent halted the build
        if item is None:
            break
        if failure is not None:
            continue
        path, data = item
        try:
            target = staging / path
            folders.make(target.parent)
            _write_file(target, data)
        except OSError as error:
            failure = (path, error)
    with contextlib.suppress(OSError):  # the parent is gone: it has nothing to hear
        connection.send(failure)


# ext4's inode flags (linux/fs.h): FS_IOC_GETFLAGS / FS_IOC_SETFLAGS and FS_TOPDIR_FL.
_GET_FLAGS, _SET_FLAGS, _TOPDIR = 0x80086601, 0x40086602, 0x00020000


def _spread_subfolders(folder: Path) -> None:
    """Mark folder as the top of a hierarchy for ext4's Orlov allocator, where it applies.

    A site is a thousand small folders, each with an index.html. On ext4 without a journal,
    every new inode skips the free ones deleted in the last minute, and all the folders of
    one parent land in the parent's block group, so writing a site soon after deleting one
    (the previous output; a clean build) costs O(recently deleted) per file. Marked, a
    folder's subfolders go to other, random block groups (the measurements:
    benchmarks/results/design-notes.md). It is only a placement hint: any failure (another
    file system, another OS) is ignored.
    """
    try:
        import array
        import fcntl

        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except (ImportError, OSError):
        return
    try:
        flags = array.array("i", [0, 0])  # room for a long; the kernel reads and writes an int
        fcntl.ioctl(descriptor, _GET_FLAGS, flags, True)
        flags[0] |= _TOPDIR
        fcntl.ioctl(descriptor, _SET_FLAGS, flags, True)
    except OSError:
        pass
    finally:
        os.close(descriptor)


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


def _write_tree(root: Path, files: Mapping[str, bytes], shown_as: Path) -> None:
    """Write files under root; an error names the file as it will be under shown_as."""
    folders = _Folders(root)
    for relative in sorted(files):
        target = root / relative
        try:
            folders.make(target.parent)
            _write_file(target, files[relative])
        except OSError as error:
            raise _output_error(error, shown_as / relative) from None


def _output_error(error: OSError, shown_as: Path) -> OSError:
    """The same error (same errno, so the same class), naming the file in the output folder
    rather than in the staging tree the user never sees."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, str(shown_as))


class _Folders:
    """Makes the folders of a staging tree, each parent marked to spread its subfolders."""

    def __init__(self, root: Path) -> None:
        self.made = {root}
        self.spread = {root}  # marked when it was made

    def make(self, folder: Path) -> None:
        """Create folder and its missing parents (all under the root)."""
        if folder in self.made:
            return
        parent = folder.parent
        self.make(parent)
        if parent not in self.spread:
            _spread_subfolders(parent)
            self.spread.add(parent)
        folder.mkdir(exist_ok=True)
        self.made.add(folder)


def _write_file(target: Path, data: bytes) -> None:
    """Create (or replace) a file with data: open, write, close, and no more system calls."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                         0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)
