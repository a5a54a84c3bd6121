"""Templates: the Jinja2 environment (site templates over the packaged theme) and page rendering.

Rendering is pure: the same page, site and assets give the same bytes. Every URL a template
writes is relative to the page, so one build works at a domain root and under any subpath.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.config import Config
from sitegen.inputs.data import Dataset
from sitegen.errors import SitegenError
from sitegen.prose.markdown import TocEntry

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

    @property
    def nav_title(self) -> str:
        """The short name navigation shows: front matter `nav_title`, else the title."""
        short = self.extra.get("nav_title")
        return short if isinstance(short, str) and short.strip() else self.title


def theme_root() -> Path:
    """The packaged default theme: inside the wheel, or the repository's top level in a checkout."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_theme"
    if packaged.is_dir():
        return packaged
    return package.parent


def relative_url(from_url: str, target: str) -> str:
    """URL of a site path as seen from a page at from_url (both without a leading slash)."""
    return (root_prefix(from_url) + target) or "./"


def root_prefix(page_url: str) -> str:
    """The `../` chain from a page to the site root ("" for pages at the root)."""
    return "../" * page_url.count("/")


class Templates:
    """The Jinja2 environment of one site: its own templates first, then the theme's."""

    def __init__(self, config: Config) -> None:
        import jinja2

        self.search_path = [config.root / "templates", theme_root() / "templates"]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.search_path if p.is_dir()]),
            autoescape=jinja2.select_autoescape(("html", "htm", "xml")),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self.config = config

    def exists(self, name: str) -> bool:
        """Whether a template of this name is in the site or the theme."""
        import jinja2

        try:
            self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return False
        return True

    def render(self, name: str, context: Mapping[str, Any], used_by: str) -> str:
        """Render a template; Jinja errors become SitegenErrors at the template's line."""
        import jinja2

        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            raise SitegenError(
                f"template '{exc.name}' not found (used by {used_by})", used_by, None, None,
                f"put it in templates/ (searched: {', '.join(self._relative_search_path())})",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise SitegenError(
                f"template syntax error: {exc.message}", self._relative(exc.filename, exc.name),
                exc.lineno, None, f"while rendering {used_by}",
            ) from None
        except jinja2.UndefinedError as exc:
            path, line = self._template_frame(exc)
            raise SitegenError(
                f"undefined in template: {exc.message}", path, line, None,
                f"while rendering {used_by}; test optional values with 'is defined'",
            ) from None
        except SitegenError:
            raise
        except Exception as exc:  # a filter or a test raised inside the template
            path, line = self._template_frame(exc)
            raise SitegenError(
                f"template error: {type(exc).__name__}: {exc}", path, line, None,
                f"while rendering {used_by}",
            ) from None

    def _template_frame(self, exc: BaseException) -> tuple[str | None, int | None]:
        place: tuple[str | None, int | None] = (None, None)
        traceback = exc.__traceback__
        roots = [str(p) for p in self.search_path]
        while traceback is not None:
            filename = traceback.tb_frame.f_code.co_filename
            if any(filename.startswith(root) for root in roots):
                place = (self._relative(filename, None), traceback.tb_lineno)
            traceback = traceback.tb_next
        return place

    def _relative(self, filename: str | None, name: str | None) -> str | None:
        if not filename:
            return f"templates/{name}" if name else None
        path = Path(filename)
        try:
            return path.relative_to(self.config.root).as_posix()
        except ValueError:
            return f"(theme) templates/{name or path.name}"

    def _relative_search_path(self) -> list[str]:
        return [self._relative(str(p), None) or str(p) for p in self.search_path]


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

        from sitegen.build.pageview import PageList, page_ref

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
        }

    def _url_for(self, from_url: str) -> Callable[[str], str]:
        def url_for(target: str = "") -> str:
            return relative_url(from_url, str(target).lstrip("/"))

        return url_for

    def _asset_url(self, from_url: str, used_by: str) -> Callable[[str], str]:
        def asset_url(path: str) -> str:
            key = str(path).lstrip("/")
            if key not in self.assets:
                raise SitegenError(
                    f"asset_url: no static file '{key}'", used_by, None, None,
                    "static files live in static/ (or the theme's); check the name",
                )
            return relative_url(from_url, self.assets[key])

        return asset_url

    def _absolute_url(self, target: str = "") -> str:
        return self.config.base_url + str(target).lstrip("/") if self.config.base_url else (
            "/" + str(target).lstrip("/"))


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

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets)
