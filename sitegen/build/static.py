"""Static files: the theme's, overridden file by file by the site's, under content-hashed names.

CSS and JS get a hash of their bytes in their names so browsers never run stale assets; a
file that is a symlink to something outside the site is refused rather than published.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from sitegen.errors import ProblemCollector, SitegenError
from sitegen.build.templates import theme_root

HASHED_SUFFIXES = (".css", ".js")


def static_files(root: Path, problems: ProblemCollector) -> dict[str, tuple[bytes, str]]:
    """{path inside static/: (bytes, source label)}: the theme's, then the site's over them."""
    found: dict[str, tuple[bytes, str]] = {}
    for base, label in ((theme_root() / "static", "(theme) static"), (root / "static", "static")):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                if label == "static":
                    try:
                        check_inside(path, root)
                    except SitegenError as error:
                        problems.add(error)
                        continue
                rel = path.relative_to(base).as_posix()
                found[rel] = (path.read_bytes(), f"{label}/{rel}")
    return found


def check_inside(path: Path, root: Path) -> None:
    """Refuse a symlink leading out of the site: it would publish a file never meant to be."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        relative = path.relative_to(root).as_posix()
        raise SitegenError(
            f"{relative} is a link to {resolved}, outside the site", relative, None, None,
            "copy the file into the site instead of linking to it",
        )


def hashed_name(relative: str, data: bytes) -> str:
    """`css/site.css` -> `css/site.<hash>.css`; other files keep their names."""
    if PurePosixPath(relative).suffix not in HASHED_SUFFIXES:
        return relative
    return content_hashed(relative, data)


def content_hashed(relative: str, data: bytes) -> str:
    """`a/b.css` -> `a/b.<hash>.css`: a name that changes whenever the bytes do, so a
    browser may cache the file for ever (the hash is 10 hex digits of its SHA-256)."""
    path = PurePosixPath(relative)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
