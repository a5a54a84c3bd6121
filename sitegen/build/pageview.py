"""Other pages as a template sees them, noting which of them it read beyond their titles.

A page's HTML can show other pages: the theme shows their titles and URLs (`nav`, `prev`,
`next`), and a site's template may show their content or table of contents (`pages`). The
fields in `SITE_FIELDS` are hashed into every page's render key, so a change to one of them
re-renders every page. Anything else a render reads of another page (content, toc,
has_charts, an unknown attribute, or the whole page printed or compared) is noted here, so
that render is redone when that page changes, and only then. When unsure, a read is noted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sitegen.build.templates import Page

# what every page's render key already covers, for every page (nav_title is title and extra)
SITE_FIELDS = frozenset({"source", "url", "title", "nav_title", "description", "date",
                         "weight", "extra"})


def site_fields(page: Page) -> tuple[Any, ...]:
    """The fields of SITE_FIELDS of one page, for the site key every render key includes."""
    return (page.source, page.title, page.url, page.date, page.description, page.weight,
            page.extra)


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


for _name in SITE_FIELDS:  # read as they are, and found at once (no failed lookup first)
    setattr(PageRef, _name, property(attrgetter(f"_page.{_name}")))


class PageList(Sequence[Any]):
    """Pages in order for one render: the rendered page itself as is, the others as PageRefs."""

    __slots__ = ("_pages", "_viewer", "_reads")

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
