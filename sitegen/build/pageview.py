"""What a template sees of the site: `SiteView` (the variables of one render), and the other
pages through `PageRef`, which notes those it read beyond their titles.

A page's HTML can show other pages: the theme shows their titles and URLs (`nav`, `prev`,
`next`), and a site's template may show their content or table of contents (`pages`). The
fields in `SITE_FIELDS` are hashed into every page's render key, so a change to one of them
re-renders every page. Anything else a render reads of another page (content, toc,
has_charts, an unknown attribute, or the whole page printed or compared) is noted here, so
that render is redone when that page changes, and only then. When unsure, a read is noted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from sitegen.build.citation import cite
from sitegen.build.sources import SourcesView
from sitegen.config import Config
from sitegen.errors import TemplateError
from sitegen.inputs import Dataset, relative_url
from sitegen.prose import Page, url_of

SITE_FIELDS = ("source", "title", "url", "date", "description", "weight", "extra")
"""What every page's render key covers of every page (and so `nav_title`, made of two)."""


def site_fields(page: Page) -> tuple[Any, ...]:
    """The SITE_FIELDS of one page, for the render key every page's render includes."""
    return tuple(getattr(page, name) for name in SITE_FIELDS)


class PageRef:
    """Another page, read through: reading anything outside SITE_FIELDS notes its source."""

    __slots__ = ("_page", "_reads")

    def __init__(self, page: Page, reads: set[str]) -> None:
        self._page = page
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        """Any attribute but the SITE_FIELDS properties below: noted, then read."""
        if name in PageRef.__slots__:  # not set yet (a copy being made): no page to ask
            raise AttributeError(name)
        self._reads.add(self._page.source)
        return getattr(self._page, name)

    def __eq__(self, other: object) -> bool:
        self._reads.add(self._page.source)
        return self._page == (other._whole() if isinstance(other, PageRef) else other)

    def __hash__(self) -> int:
        self._reads.add(self._page.source)
        return hash(self._page)

    def __repr__(self) -> str:
        self._reads.add(self._page.source)
        return repr(self._page)

    def _whole(self) -> Page:
        self._reads.add(self._page.source)
        return self._page


for _name in (*SITE_FIELDS, "nav_title"):  # read as they are, found at once (no failed lookup)
    setattr(PageRef, _name, property(attrgetter(f"_page.{_name}")))


class PageList(Sequence[Any]):
    """Pages in order for one render: the rendered page itself as is, the others as PageRefs."""

    __slots__ = ("_pages", "_reads", "_viewer")

    def __init__(self, pages: Sequence[Page], viewer: str, reads: set[str]) -> None:
        self._pages = pages
        self._viewer = viewer
        self._reads = reads

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return PageList(self._pages[index], self._viewer, self._reads)
        return self._wrap(self._pages[index])

    def __iter__(self) -> Iterator[Any]:
        for page in self._pages:
            yield self._wrap(page)

    def __eq__(self, other: object) -> bool:
        self._reads.update(p.source for p in self._pages)
        if isinstance(other, PageList):
            other = tuple(other._pages)
            self._reads.update(p.source for p in other)
        return tuple(self._pages) == other

    __hash__ = None  # type: ignore[assignment]  # as a list of pages: not hashable

    def __repr__(self) -> str:
        self._reads.update(p.source for p in self._pages)
        return repr(tuple(self._pages))

    def _wrap(self, page: Page) -> Any:
        return page if page.source == self._viewer else PageRef(page, self._reads)


def page_ref(page: Page | None, viewer: str, reads: set[str]) -> Any:
    """One neighbouring page (prev, next) as a template should see it."""
    if page is None or page.source == viewer:
        return page
    return PageRef(page, reads)


@dataclass(frozen=True)
class SiteView:
    """What every template sees of the whole site."""

    config: Config
    pages: Sequence[Page]
    datasets: Mapping[str, Dataset]
    assets: Mapping[str, str]
    build_date: dt.datetime | None
    nav: Sequence[Page] = ()
    _order: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self._order:  # made by with_pages: nav and the order are given
            return
        top_level = tuple(p for p in self.pages if p.url.count("/") <= 1)
        object.__setattr__(self, "nav", top_level)
        object.__setattr__(self, "_order", {p.source: i for i, p in enumerate(self.pages)})

    def page(self, source: str) -> Page:
        """The page made from source (KeyError when it is not in the site)."""
        return self.pages[self._order[source]]

    def with_pages(self, pages: Iterable[Page]) -> SiteView:
        """This view with new versions of some of its pages, each in its old place.

        Only for versions whose place and nav membership are unchanged (same source, URL,
        weight and title); the order is reused, not worked out again.
        """
        fresh = {page.source: page for page in pages}
        listed = list(self.pages)
        for source, page in fresh.items():
            listed[self._order[source]] = page
        nav = tuple(fresh.get(p.source, p) for p in self.nav) if fresh else self.nav
        return SiteView(self.config, tuple(listed), self.datasets, self.assets, self.build_date,
                        nav, self._order)

    def context(self, page: Page, head_extra: str,
                reads: set[str] | None = None) -> dict[str, Any]:
        """The template variables for one page (see README: Templates).

        Other pages are seen through `pageview`: the sources of those the render reads
        beyond the fields every render key covers are added to reads.
        """
        from markupsafe import Markup

        reads = set() if reads is None else reads
        index = self._order.get(page.source)
        previous = self.pages[index - 1] if index is not None and index > 0 else None
        following = (self.pages[index + 1]
                     if index is not None and index + 1 < len(self.pages) else None)
        return {
            "site": _site_view(self.config),
            "page": page,
            "content": Markup(page.content),
            "nav": PageList(self.nav, page.source, reads),
            "pages": PageList(self.pages, page.source, reads),
            "prev": page_ref(previous, page.source, reads),
            "next": page_ref(following, page.source, reads),
            "data": _DataView(self.datasets),
            "url_for": self._url_for(page.url),
            "asset_url": self._asset_url(page.url, page.source),
            "absolute_url": self._absolute_url,
            "head_extra": Markup(head_extra),
            "build_date": self.build_date,
            "cite": cite(page, self.config),
            "site_sources": SourcesView(self.pages, self.datasets, reads),
        }

    def _url_for(self, from_url: str) -> Callable[[str], str]:
        def url_for(target: str = "") -> str:
            return relative_url(from_url, url_of(str(target).lstrip("/")))

        return url_for

    def _asset_url(self, from_url: str, used_by: str) -> Callable[[str], str]:
        def asset_url(path: str) -> str:
            key = str(path).lstrip("/")
            if key not in self.assets:
                raise TemplateError(
                    f"asset_url: no static file '{key}'", used_by, None, None,
                    "static files live in static/ (or the theme's); check the name",
                )
            return relative_url(from_url, url_of(self.assets[key]))

        return asset_url

    def _absolute_url(self, target: str = "") -> str:
        path = url_of(str(target).lstrip("/"))
        return self.config.base_url + path if self.config.base_url else "/" + path


def _site_view(config: Config) -> Mapping[str, Any]:
    return MappingProxyType({
        "title": config.title,
        "description": config.description,
        "author": config.author,
        "language": config.language,
        "base_url": config.base_url,
        "copyright": config.copyright,
        "repo_url": config.repo_url,
        "extra": config.extra,
        "search": config.search,
    })


class _DataView(Mapping[str, Dataset]):
    """Datasets for templates: `data.costs` or `data["costs"]`."""

    def __init__(self, datasets: Mapping[str, Dataset]) -> None:
        self._datasets = datasets

    def __getitem__(self, name: str) -> Dataset:
        return self._datasets[name]

    def __getattr__(self, name: str) -> Dataset:
        try:
            return self._datasets[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets)
