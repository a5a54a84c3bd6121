"""Links between pages: a link to a source file becomes the relative URL of its page.

Writers link `costs.md#unit-prices` or `../index.md`; the build turns that into the URL the
page is published at, as seen from the linking page, and fails at the link's line when the
page or the heading does not exist.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from sitegen.errors import ProseError


@dataclass(frozen=True)
class LinkTarget:
    """What a link may point at: a page's URL and the ids on it."""

    source: str
    url: str
    anchors: frozenset[str]
    headings: tuple[str, ...]
    signature: tuple[str, ...] = ()  # the anchors in a fixed order, for hashing


def link_target(source: str, url: str, element_ids: Collection[str],
                heading_ids: Collection[str], chart_count: int) -> LinkTarget:
    """What other pages may link to on one page."""
    anchors = anchors_of(element_ids, heading_ids, chart_count)
    return LinkTarget(source, url, anchors, tuple(sorted(heading_ids)), tuple(sorted(anchors)))


def anchors_of(element_ids: Collection[str], heading_ids: Collection[str],
               chart_count: int) -> frozenset[str]:
    """Every id a fragment may name: headings, raw-HTML ids, chart figures."""
    ids = set(heading_ids)
    ids.update(element_ids)
    ids.update(f"chart-{i + 1}" for i in range(chart_count))
    return frozenset(ids)


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
        if fragment and own is not None and fragment not in own.anchors:
            raise ProseError(f"link to a missing heading '#{fragment}' on this page",
                               hint=_heading_hint(own))
        return href, None
    target = _normalise(posixpath.join(posixpath.dirname(here), unquote(path_part)))
    if target is None:
        raise ProseError(f"link '{href}' points outside content/")
    candidates = [target]
    if path_part.endswith("/") or not posixpath.splitext(target)[1]:
        stem = target.rstrip("/")
        candidates += [f"{stem}.md", f"{stem}/index.md"] if stem else ["index.md"]
    for candidate in candidates:
        linked = targets.get(candidate)
        if linked is not None:
            if fragment and fragment not in linked.anchors:
                raise ProseError(f"link to a missing heading '#{fragment}' in {linked.source}",
                                   hint=_heading_hint(linked))
            return ((prefix + linked.url) or "./") + suffix, linked.source
        if candidate in broken:
            return "", None
        if candidate in assets:
            return prefix + candidate + suffix, None
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
