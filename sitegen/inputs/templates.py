"""Template sources: the site's `templates/` over the theme's, read once per build.

Reading them here, with the rest of the inputs, lets rendering run without touching the disk,
and gives the templates one key that changes exactly when a name or a byte does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector
from sitegen.inputs.files import decode_utf8, site_files


@dataclass(frozen=True)
class TemplateSource:
    """One template file: its bytes, its full path (tracebacks name it) and its site name."""

    raw: bytes
    filename: str
    shown: str

    def text(self) -> str:
        """The template's text (an InputError at the first byte that is not UTF-8)."""
        return decode_utf8(self.raw, self.shown)


@dataclass(frozen=True)
class TemplateSet:
    """Every template by name (the site's where it has one, else the theme's), and a key."""

    sources: Mapping[str, TemplateSource]
    key: str
    search_path: tuple[Path, ...]


def read_templates(paths: SitePaths, problems: ProblemCollector) -> TemplateSet:
    """The templates of the site and the theme, and one hash over their names and bytes
    (found as every input is: `site_files`, its problems recorded in problems)."""
    digest = hashlib.sha256()
    sources: dict[str, TemplateSource] = {}
    folders = (paths.templates, paths.theme_templates)
    for folder, label in zip(folders, ("templates", "(theme) templates"), strict=True):
        root = paths.root if label == "templates" else None  # the theme is sitegen's own
        for path in site_files(folder, root, problems):
            name = path.relative_to(folder).as_posix()
            raw = path.read_bytes()
            digest.update(name.encode() + b"\0" + raw)
            sources.setdefault(name, TemplateSource(raw, str(path), f"{label}/{name}"))
        digest.update(b"\1")
    return TemplateSet(sources, digest.hexdigest(), folders)
