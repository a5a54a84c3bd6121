"""Static files: the theme's, overridden file by file by the site's `static/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector
from sitegen.inputs.files import check_inside


@dataclass(frozen=True)
class StaticFile:
    """One static file's bytes and where it came from (`static/x` or `(theme) static/x`)."""

    data: bytes
    source: str


def static_files(paths: SitePaths, problems: ProblemCollector) -> Mapping[str, StaticFile]:
    """{path inside static/: file}: the theme's, then the site's over them."""
    found: dict[str, StaticFile] = {}
    for base, label in ((paths.theme_static, "(theme) static"), (paths.static, "static")):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            with problems.gather():
                if label == "static":
                    check_inside(path, paths.root)
                rel = path.relative_to(base).as_posix()
                found[rel] = StaticFile(path.read_bytes(), f"{label}/{rel}")
    return found
