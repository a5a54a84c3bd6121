"""A page as templates see it: metadata, its finished HTML and its table of contents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sitegen.prose.markdown import TocEntry
from sitegen.prose.references import RowUse, SourceRef

DEFAULT_TEMPLATE = "page.html"
HOME_TEMPLATE = "home.html"


@dataclass(frozen=True)
class Page:
    """A page as templates see it: metadata, finished HTML and its table of contents."""

    source: str
    url: str
    output_path: str
    title: str
    description: str
    date: dt.date | None
    template: str
    weight: float
    content: str
    toc: tuple[TocEntry, ...]
    has_charts: bool
    social_image: str | None
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    references: tuple[SourceRef, ...] = ()   # the sources its numbers and charts used
    rows_used: tuple[RowUse, ...] = ()       # the rows they read (the site's sources page)

    @property
    def nav_title(self) -> str:
        """The short name navigation shows: front matter `nav_title`, else the title."""
        short = self.extra.get("nav_title")
        return short if isinstance(short, str) and short.strip() else self.title
