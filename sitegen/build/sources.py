"""The site's sources: every row a page's numbers or charts show, grouped by its source, each
with links back to where it is used (the page, or the figure showing it).

Templates see it as `site_sources` (the default theme's `sources.html` lists it after the
page's own text). It is worked out only when a template reads it, and a render that reads it
depends on every page, as one that loops over `pages` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sitegen.inputs import Dataset, is_web_address
from sitegen.prose import Page, SourceRef, row_source


@dataclass(frozen=True)
class Use:
    """Where a row is used: a page URL, a fragment ("" or "#chart-id") and the link text."""

    url: str
    fragment: str
    text: str


@dataclass(frozen=True)
class SourceRow:
    """One row of a source: `dataset.row-id`, its label, and where it is used."""

    name: str
    label: str
    uses: tuple[Use, ...]


@dataclass(frozen=True)
class SiteSource:
    """A source with the rows of it the site uses."""

    title: str
    url: str
    date: str
    kind: str
    rows: tuple[SourceRow, ...]

    @property
    def is_link(self) -> bool:
        """Whether the URL may be a link (a web address, not free text)."""
        return is_web_address(self.url)


def site_sources(pages: Sequence[Page], datasets: Mapping[str, Dataset],
                 ) -> tuple[SiteSource, ...]:
    """Every source the pages use, in the order of the pages, with its rows and uses."""
    by_source: dict[tuple[str, str], tuple[SourceRef, dict[str, list[Use]]]] = {}
    labels: dict[str, str] = {}
    for page in pages:
        for use in page.rows_used:
            dataset = datasets.get(use.dataset)
            try:
                row = dataset.row(use.row) if dataset is not None else None
            except KeyError:
                row = None
            source = row_source(row) if row is not None else None
            if row is None or source is None:
                continue
            name = f"{use.dataset}.{use.row}"
            labels[name] = str(row.values.get("series") or row.values.get("label") or "")
            _, rows = by_source.setdefault((source.title, source.url), (source, {}))
            text = page.nav_title + (f", Figure {use.number}" if use.figure else "")
            where = Use(page.url, f"#{use.figure}" if use.figure else "", text)
            if where not in rows.setdefault(name, []):
                rows[name].append(where)
    return tuple(
        SiteSource(ref.title, ref.url, ref.date, ref.kind,
                   tuple(SourceRow(name, labels[name], tuple(uses))
                         for name, uses in rows.items()))
        for ref, rows in by_source.values())


class SourcesView:
    """`site_sources` as a template sees it: worked out when first read; reading it reads
    every page (so the render is redone when any page's rows change)."""

    def __init__(self, pages: Sequence[Page], datasets: Mapping[str, Dataset],
                 reads: set[str]) -> None:
        self._pages = pages
        self._datasets = datasets
        self._reads = reads
        self._sources: tuple[SiteSource, ...] | None = None

    def _all(self) -> tuple[SiteSource, ...]:
        self._reads.update(p.source for p in self._pages)
        if self._sources is None:
            self._sources = site_sources(self._pages, self._datasets)
        return self._sources

    def __iter__(self) -> Iterator[SiteSource]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self._all())
