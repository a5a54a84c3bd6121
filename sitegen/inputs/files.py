"""Reading input files the same way for every kind of input: inside the site, as UTF-8.

One walker (`site_files`) finds the files of every input folder -- pages and assets under
`content/`, data files, `static/`, `templates/` -- so each kind treats the odd cases alike: a
link (to a file or a folder) that leads out of the site is refused rather than read or
published; a FIFO, socket or device is skipped with a warning (reading one could hang the
build); a link to nothing is skipped with a warning. Text that is not UTF-8 fails at the line
and column of the first bad byte.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from sitegen.errors import InputError, Problem, ProblemCollector

Skip = Callable[[tuple[str, ...], bool], bool]
"""(parts of a path below the walked folder, is it a folder) -> leave it out."""


def _keep_all(parts: tuple[str, ...], is_folder: bool) -> bool:
    return False


def site_files(folder: Path, root: Path | None, problems: ProblemCollector,
               skip: Skip = _keep_all) -> list[Path]:
    """Every regular file under folder, in a stable order (component by component).

    root is the site's folder, which every link must stay inside (None for the packaged
    theme, which is sitegen's own). Problems go to problems: a link out of the site is an
    error, a special file or a dangling link a warning; the rest of the walk goes on.
    """
    if not folder.is_dir():
        return []
    inside = root.resolve() if root is not None else None
    if inside is not None and not _allowed(folder, inside, root, problems):
        return []
    found: list[tuple[tuple[str, ...], Path]] = []
    _walk(folder, (), {folder.resolve()}, inside, root, skip, problems, found)
    return [path for _, path in sorted(found, key=lambda item: item[0])]


def _walk(folder: Path, parts: tuple[str, ...], seen: set[Path], inside: Path | None,
          root: Path | None, skip: Skip, problems: ProblemCollector,
          found: list[tuple[tuple[str, ...], Path]]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        problems.add(InputError(f"cannot read the folder: {exc.strerror}",
                                _shown(folder, root)))
        return
    for entry in entries:
        path, here = Path(entry.path), (*parts, entry.name)
        if entry.is_symlink() and inside is not None \
                and not _allowed(path, inside, root, problems):
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError:
            problems.warn(Problem("a link to nothing; skipped", _shown(path, root), None, None,
                                  "remove the link, or point it at a file of the site"))
            continue
        if stat.S_ISDIR(mode):
            real = path.resolve()
            if skip(here, True) or real in seen:  # a link back up would loop for ever
                continue
            _walk(path, here, seen | {real}, inside, root, skip, problems, found)
        elif stat.S_ISREG(mode):
            if not skip(here, False):
                found.append((here, path))
        elif not skip(here, False):
            problems.warn(Problem(
                f"{_kind(mode)}, not a file; skipped", _shown(path, root), None, None,
                "only regular files are read; move it out of the site's folders",
            ))


def _allowed(path: Path, inside: Path, root: Path | None, problems: ProblemCollector) -> bool:
    """False (and an error recorded) when path is a link leading out of the site."""
    if path.resolve().is_relative_to(inside):
        return True
    problems.add(InputError(
        "a link to a place outside the site; it is neither read nor published",
        _shown(path, root), None, None,
        "copy the file or folder into the site instead of linking to it",
    ))
    return False


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _shown(path: Path, root: Path | None) -> str:
    """A path as the site names it (the theme's by its place in the theme)."""
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return f"(theme) {path.parent.name}/{path.name}"


def check_inside(path: Path, root: Path) -> None:
    """Refuse a file that is a link leading out of the site (for files named, not walked)."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise InputError(
            "a link to a place outside the site; it is neither read nor published",
            _shown(path, root), None, None,
            "copy the file into the site instead of linking to it",
        )


def decode_utf8(raw: bytes, relative: str) -> str:
    """Text of a file, or an error at the line and column of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", relative, line, column,
            "save the file as UTF-8",
        ) from None
