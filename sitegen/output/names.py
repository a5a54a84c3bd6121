"""Content-hashed output names: `css/site.css` published as `css/site.<hash>.css`.

A name that changes whenever the bytes do lets a browser cache the file for ever; the dev
server recognises the same pattern to swap stylesheets and to send long cache headers.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

HASHED_SUFFIXES = (".css", ".js")
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{10}(?P<suffix>\.(?:css|js))$")
"""A content-hashed file name, as content_hashed makes it."""


def hashed_name(relative: str, data: bytes) -> str:
    """`css/site.css` -> `css/site.<hash>.css`; files other than CSS and JS keep their names."""
    if PurePosixPath(relative).suffix not in HASHED_SUFFIXES:
        return relative
    return content_hashed(relative, data)


def content_hashed(relative: str, data: bytes) -> str:
    """`a/b.css` -> `a/b.<hash>.css`, the hash 10 hex digits of the bytes' SHA-256."""
    path = PurePosixPath(relative)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def unhashed(path: str) -> str | None:
    """The name a content-hashed path was made from (`css/site.css`), or None."""
    name = PurePosixPath(path)
    match = HASHED_NAME.match(name.name)
    return str(name.with_name(match["stem"] + match["suffix"])) if match else None
