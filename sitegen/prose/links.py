"""Links between pages: a link to a source file becomes the relative URL of its page.

Writers link `costs.md#unit-prices` or `../index.md`; the build turns that into the URL the
page is published at, as seen from the linking page, and fails at the link's line when the
page or the heading does not exist.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from sitegen.errors import ProseError


@dataclass(frozen=True)
class LinkTarget:
    """What a link may point at: a page's URL and the ids on it."""

    source: str
    url: str
    anchors: frozenset[str]
    headings: tuple[str, ...]
    signature: tuple[str, ...] = ()  # the anchors in a fixed order, for hashing
    figures: tuple[str, ...] = ()    # the ids of the page's charts: Figure 1, 2, ...


# Kept as they are in a URL path: what markdown-it leaves unescaped in links, less "#", "?"
# and "%", which in a file name are characters, not a fragment, a query or an escape.
_SAFE_IN_PATH = "/;:@&=+$,!~*'()"


def url_of(site_path: str) -> str:
    """A site path (a page's URL path, an asset's name) as it is written in a link:
    percent-encoded (`a#b/` -> `a%23b/`, `my url` -> `my%20url`, `foo\\bar` -> `foo%5Cbar`)."""
    return quote(site_path, safe=_SAFE_IN_PATH)


def link_target(source: str, url: str, element_ids: Collection[str],
                heading_ids: Collection[str], figures: Sequence[str]) -> LinkTarget:
    """What other pages may link to on one page (figures: its charts' ids, in order)."""
    anchors = anchors_of(element_ids, heading_ids, figures)
    return LinkTarget(source, url, anchors, tuple(sorted(heading_ids)),
                      (*sorted(anchors), "", *figures), tuple(figures))


def anchors_of(element_ids: Collection[str], heading_ids: Collection[str],
               figures: Collection[str]) -> frozenset[str]:
    """Every id a fragment may name: headings, raw-HTML ids, chart figures."""
    ids = set(heading_ids)
    ids.update(element_ids)
    ids.update(figures)
    return frozenset(ids)


_CHART_ID = re.compile(r"""^id:[ \t]*["']?([A-Za-z][A-Za-z0-9_-]*)["']?[ \t]*(?:#.*)?$""", re.M)


def figure_ids(fence_texts: Sequence[str]) -> tuple[str, ...]:
    """The id of each chart of a page, in order: its `id:` key, or chart-N (the charts room
    checks the key; this only needs to know it, so links are checked before charts draw)."""
    ids = []
    for index, text in enumerate(fence_texts):
        given = _CHART_ID.search(text)
        ids.append(given.group(1) if given else f"chart-{index + 1}")
    return tuple(ids)


def figure_label(href: str, here: str, targets: Mapping[str, LinkTarget]) -> str:
    """"Figure N" for a link written without text: it must point at a chart by its id."""
    path_part, _, fragment = href.partition("#")
    target = targets.get(here) if not path_part else _find_page(path_part, here, targets)
    if target is None or fragment not in target.anchors:
        return ""  # a broken link: resolve_link reports it
    if fragment not in target.figures:
        shown = ", ".join(f"#{f}" for f in target.figures)
        raise ProseError(
            f"a link without text must point at a figure; '{href}' does not",
            hint="write [](#chart-id) or [](page.md#chart-id) for \"Figure N\", or give the "
                 "link a text" + (f"; figures there: {shown}" if shown else ""))
    return f"Figure {target.figures.index(fragment) + 1}"


def _find_page(path_part: str, here: str,
               targets: Mapping[str, LinkTarget]) -> LinkTarget | None:
    """The page a link's path names, or None (resolve_link says why)."""
    for candidate in _candidates(path_part.split("?", 1)[0], here) or ():
        if candidate in targets:
            return targets[candidate]
    return None


def _candidates(path_part: str, here: str) -> list[str] | None:
    """The paths inside content/ a link's path may mean, in the order tried (`costs` may be
    `costs.md` or `costs/index.md`), or None when it climbs out of content/."""
    target = _normalise(posixpath.join(posixpath.dirname(here), unquote(path_part)))
    if target is None:
        return None
    candidates = [target]
    if path_part.endswith("/") or not posixpath.splitext(target)[1]:
        stem = target.rstrip("/")
        candidates += [f"{stem}.md", f"{stem}/index.md"] if stem else ["index.md"]
    return candidates


def resolve_link(
    href: str,
    here: str,
    prefix: str,
    targets: Mapping[str, LinkTarget],
    assets: Collection[str],
    broken: Collection[str],
) -> tuple[str, str | None]:
    """(URL relative to the linking page, source it depends on) for a link written in a page.

    here is the linking page's path inside content/, prefix its `../` chain to the root;
    targets are pages keyed by their path inside content/; broken names pages that failed
    to load (a link to one is left empty: its own error says what is wrong).
    """
    path_part, _, fragment = href.partition("#")
    path_part = path_part.split("?", 1)[0]
    suffix = f"#{fragment}" if fragment else ""
    if not path_part:
        own = targets.get(here)
        if fragment and own is not None and unquote(fragment) not in own.anchors:
            raise ProseError(f"link to a missing heading '#{fragment}' on this page",
                               hint=_heading_hint(own))
        return href, None
    candidates = _candidates(path_part, here)
    if candidates is None:
        raise ProseError(f"link '{href}' points outside content/")
    for candidate in candidates:
        linked = targets.get(candidate)
        if linked is not None:
            if fragment and unquote(fragment) not in linked.anchors:
                raise ProseError(f"link to a missing heading '#{fragment}' in {linked.source}",
                                   hint=_heading_hint(linked))
            return ((prefix + url_of(linked.url)) or "./") + suffix, linked.source
        if candidate in broken:
            return "", None
        if candidate in assets:
            return prefix + url_of(candidate) + suffix, None
    raise ProseError(
        f"link to a missing page or file '{path_part}'",
        hint="link to a page by its source file, relative to this one (for example ../costs.md)",
    )


def _normalise(path: str) -> str | None:
    """The path with `.` and `..` folded, or None when it climbs out of content/."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _heading_hint(target: LinkTarget) -> str:
    shown = ", ".join(f"#{i}" for i in sorted(target.headings)[:15])
    return "headings there: " + (shown or "none")
