"""Reading input files the same way for every kind of input: inside the site, as UTF-8.

A file that is a symlink to something outside the site is refused rather than read or
published; text that is not UTF-8 fails at the line and column of the first bad byte.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.errors import InputError


def check_inside(path: Path, root: Path) -> None:
    """Refuse a symlink leading out of the site: it would publish a file never meant to be."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        relative = path.relative_to(root).as_posix()
        raise InputError(
            f"{relative} is a link to {resolved}, outside the site", relative, None, None,
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
