"""Heading ids, permalinks and the table of contents, also for headings showing data.

A heading's id is its slug (or `{#id}`), unique within the page. A heading holding a value
from data (`## {{ costs.total.value | currency }} in all`) has no slug until the data is
known, so on such a page every heading id is left as a placeholder at parse time and all
of them are worked out again, in order, when the page is resolved: the id, the permalink
and the table of contents then use the filled text, exactly as if the writer had typed it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

OPEN, CLOSE = "\ue000", "\ue001"
_VALUE_MARK = re.compile(OPEN + r"E(\d+)" + CLOSE)
_EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][\w\-:.]*)\}\s*$")


@dataclass(frozen=True)
class TocEntry:
    """A heading in the table of contents; children are the headings under it."""

    level: int
    id: str
    title: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class HeadingSource:
    """A heading of a page whose ids wait for the data: its level, `{#id}` if written, and
    its text with a value mark (`\\ue000E3\\ue001`) where each value goes."""

    level: int
    explicit: str | None
    title: str


@dataclass(frozen=True)
class Headings:
    """A page's headings, in order: (level, id, text) each; ids unique."""

    flat: tuple[tuple[int, str, str], ...]

    @property
    def ids(self) -> frozenset[str]:
        """Every heading id."""
        return frozenset(anchor for _, anchor, _ in self.flat)

    @property
    def first_title(self) -> str | None:
        """The text of the first level-1 heading (the page's title when none is set)."""
        return next((title for level, _, title in self.flat if level == 1), None)

    def toc(self) -> tuple[TocEntry, ...]:
        """Headings below the page title, nested by level."""
        return nest(self.flat)


def slugify(text: str) -> str:
    """GitHub-style heading id: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r" ", "-", text) or "section"


def heading_mark(index: int) -> str:
    """The placeholder left for the index-th heading's id on a page with values in headings."""
    return f"{OPEN}H{index}{CLOSE}"


def heading_ids(state: StateCore, toc: list[tuple[int, str, str]],
                waiting: list[HeadingSource]) -> None:
    """Give each heading its id and permalink, and list it in toc; on a page where a
    heading shows a value, ids are placeholders and waiting holds what fills them."""
    tokens = state.tokens
    found: list[tuple[Token, Token, str | None, str]] = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        explicit = None
        if children and children[-1].type == "text":
            match = _EXPLICIT_ID.search(children[-1].content)
            if match:
                explicit = match.group(1)
                children[-1].content = children[-1].content[: match.start()]
        title = "".join(_text_of(c) for c in children).strip()
        found.append((token, inline, explicit, title))
    dynamic = any(_VALUE_MARK.search(title) for *_, title in found)
    used: dict[str, int] = {}
    for number, (token, inline, explicit, title) in enumerate(found):
        level = int(token.tag[1])
        if dynamic:
            anchor = heading_mark(number)
            waiting.append(HeadingSource(level, explicit, title))
        else:
            anchor = explicit or _unique(slugify(title), used)
            used.setdefault(anchor, 0)
        token.attrSet("id", anchor)
        toc.append((level, anchor, title))
        if level > 1:
            _append_permalink(inline, anchor, title)


def _text_of(child: Token) -> str:
    if child.type in ("text", "code_inline"):
        return child.content
    if child.type == "sitegen_expression":
        return str(child.meta["placeholder"])
    return ""


def fill_headings(waiting: Sequence[HeadingSource], value: Callable[[int], str]) -> Headings:
    """The headings of a page with values in them, each value(i) put in its place."""
    used: dict[str, int] = {}
    flat: list[tuple[int, str, str]] = []
    for heading in waiting:
        title = _VALUE_MARK.sub(lambda m: value(int(m.group(1))), heading.title).strip()
        anchor = heading.explicit or _unique(slugify(title), used)
        used.setdefault(anchor, 0)
        flat.append((heading.level, anchor, title))
    return Headings(tuple(flat))


def _unique(slug: str, used: dict[str, int]) -> str:
    if slug not in used:
        used[slug] = 0
        return slug
    while True:
        used[slug] += 1
        candidate = f"{slug}-{used[slug]}"
        if candidate not in used:
            used[candidate] = 0
            return candidate


def _append_permalink(inline: Token, anchor: str, title: str) -> None:
    from markdown_it.token import Token

    link = Token("link_open", "a", 1)
    link.attrs = {"class": "header-anchor", "href": f"#{anchor}", "aria-label": f"Link to {title}"}
    symbol = Token("text", "", 0)
    symbol.content = "#"
    space = Token("text", "", 0)
    space.content = " "
    inline.children = [*(inline.children or []), space, link, symbol, Token("link_close", "a", -1)]


def nest(flat: Sequence[tuple[int, str, str]]) -> tuple[TocEntry, ...]:
    """Headings below the page title, nested by level."""
    entries = [(level, anchor, title) for level, anchor, title in flat if level > 1]

    def build(start: int, parent_level: int) -> tuple[list[TocEntry], int]:
        result: list[TocEntry] = []
        index = start
        while index < len(entries):
            level, anchor, title = entries[index]
            if level <= parent_level:
                break
            children, index = build(index + 1, level)
            result.append(TocEntry(level, anchor, title, tuple(children)))
        return result, index

    return tuple(build(0, 0)[0])
