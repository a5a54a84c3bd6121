"""The site's search index: every published HTML page handed to Pagefind from memory, and
the files Pagefind makes returned as outputs (so they go through the build's one writer).

What is indexed is decided by the theme's markup (`data-pagefind-body` on the main content,
`data-pagefind-ignore` on navigation, table of contents, references, citations, the pager)
and by the selectors below for the parts of a chart that are not its text. A chart's title
is given to Pagefind as a heading carrying the figure's id, so a search for a word in a
chart's title, caption or data table has a sub-result that links to the chart itself.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping

from sitegen.search.service import PagefindService

SEARCH_FOLDER = "pagefind"
"""Where the index and Pagefind's scripts are published, under the site's root."""

EXCLUDED = (
    ".header-anchor",      # the "#" link after each heading
    ".chart-static", ".chart-interactive", "script", "svg",  # drawings, not text
    ".chart-source", ".chart-panel",  # a chart's sources list, downloads and citation
    "[data-pagefind-ignore]",
)

UNUSED = frozenset({
    "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-component-ui.js",
    "pagefind-component-ui.css", "pagefind-highlight.js",
})
"""Pagefind's other front ends: the theme uses the default UI only."""

NOT_INDEXED = frozenset({"404.html"})

_FIGURE = re.compile(r'<figure class="chart" id="([^"]+)"([^>]*)>(.*?)</figure>', re.S)
_TITLE = re.compile(r'<p class="chart-title">(.*?)</p>', re.S)
_CELL_END = re.compile(r"</(td|th)>")


def is_search_file(path: str) -> bool:
    """Whether an output path is part of the search bundle."""
    return path.startswith(SEARCH_FOLDER + "/")


def indexed_pages(files: Mapping[str, bytes]) -> list[tuple[str, bytes]]:
    """The outputs that are searched: HTML pages but the 404 page, in path order."""
    return sorted((path, data) for path, data in files.items()
                  if path.endswith(".html") and path not in NOT_INDEXED
                  and not is_search_file(path))


def page_url(path: str) -> str:
    """The URL Pagefind gives a result, from the site's root (`a/index.html` -> `/a/`)."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("index.html")]
    return "/" + path


def as_indexed(html: str) -> str:
    """The page as Pagefind reads it: each chart's title a heading with the chart's id, and
    table cells apart (Pagefind would join the words of neighbouring cells)."""
    def figure(match: re.Match[str]) -> str:
        ident, rest, inner = match.groups()
        titled, count = _TITLE.subn(
            lambda title: f'<h6 id="{ident}">{title.group(1)}</h6>', inner, count=1)
        if not count:
            return match.group(0)
        return f'<figure class="chart"{rest}>{titled}</figure>'

    return _CELL_END.sub(r"</\1> ", _FIGURE.sub(figure, html))


def build_index(pages: Iterable[tuple[str, bytes]], language: str) -> dict[str, bytes]:
    """Index the pages (path, HTML) and return the search bundle as {site path: bytes}.

    The result depends only on the pages, their order and the language: Pagefind names its
    chunks by their content.
    """
    config = {"force_language": language.split("-")[0].lower() or "en",
              "exclude_selectors": list(EXCLUDED)}
    with PagefindService() as service:
        index_id = service.request({"type": "NewIndex", "config": config})["index_id"]
        for path, data in pages:
            service.request({"type": "AddFile", "index_id": index_id, "url": page_url(path),
                             "file_contents": as_indexed(data.decode("utf-8", "replace"))})
        answer = service.request({"type": "GetFiles", "index_id": index_id})
    return {f"{SEARCH_FOLDER}/{item['path']}": base64.b64decode(item["content"])
            for item in sorted(answer["files"], key=lambda item: str(item["path"]))
            if item["path"] not in UNUSED}


def search_outputs(files: Mapping[str, bytes], language: str) -> dict[str, bytes]:
    """The search bundle for a build's outputs (any earlier bundle among them is ignored)."""
    return build_index(indexed_pages(files), language)
