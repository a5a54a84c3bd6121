"""Static files: the theme's, overridden file by file by the site's `static/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector
from sitegen.inputs.files import site_files


@dataclass(frozen=True)
class StaticFile:
    """One static file's bytes and where it came from (`static/x` or `(theme) static/x`)."""

    data: bytes
    source: str


def static_files(paths: SitePaths, problems: ProblemCollector) -> Mapping[str, StaticFile]:
    """{path inside static/: file}: the theme's, then the site's over them."""
    found: dict[str, StaticFile] = {}
    for base, label in ((paths.theme_static, "(theme) static"), (paths.static, "static")):
        root = paths.root if label == "static" else None  # the theme is sitegen's own
        for path in site_files(base, root, problems, _dot_file):
            rel = path.relative_to(base).as_posix()
            found[rel] = StaticFile(path.read_bytes(), f"{label}/{rel}")
    return found


def _dot_file(parts: tuple[str, ...], is_folder: bool) -> bool:
    """Files whose name starts with `.` stay out; folders such as .well-known are published."""
    return not is_folder and parts[-1].startswith(".")
