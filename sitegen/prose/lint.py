"""Figures typed by hand: every number in prose that no placeholder produced.

sitegen's promise is that a number a reader sees comes from a data row. A figure typed into a
sentence can drift from its source without anything noticing, so the parse notes every
number-like word in the text (digits and number words, outside code, placeholders, raw HTML
and link URLs), and `hand_typed` keeps those that no rule or marker says are deliberate:

* names, not quantities: a word whose digits follow letters (`H20`, `V3`, `Q2`, `FY25`);
* periods: a year standing alone (`2025`, `2020s`) and a day next to a month (`9 April`);
* a scale word right after a placeholder (`{{ x | number }} million`), part of that figure;
* the writer's own list: `literals` in front matter (this page) or in `sitegen.toml` (the
  site), matched word for word, and `{{ "…" }}` in the text for a one-off literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitegen.errors import Problem

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

_NUMBER_WORDS = """
    two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions trillion trillions
    dozen dozens
"""
NUMBER_WORDS = frozenset(_NUMBER_WORDS.split())
SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "trillion", "dozen"})
_MONTHS = """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
"""
MONTHS = frozenset(_MONTHS.split())

_WORD = re.compile(r"[$€£¥]?(?:[A-Za-z]+-)?[A-Za-z]*\d[\w.,%]*(?<![.,])|[A-Za-z]+")
_NAME = re.compile(r"[A-Za-z][A-Za-z-]*\d")
_YEAR = re.compile(r"(?:19|20)\d\ds?\Z")
_DAY = re.compile(r"(?:[12]?\d|3[01])(?:st|nd|rd|th)?\Z")


@dataclass(frozen=True)
class TypedNumber:
    """A number-like word of a page's text, where it stands (line within the body), and
    what stands beside it: "date" (a day by a month name), "bound" (a scale word right after
    a placeholder) or ""."""

    text: str
    line: int
    column: int
    beside: str = ""


def collect_figures(state: StateCore) -> None:
    """Core rule: note each number-like word of the page's text with its line and column."""
    found: list[TypedNumber] = state.env["sitegen"].figures
    lines = state.src.split("\n")
    for block in state.tokens:
        if block.type != "inline" or not block.children or not block.map:
            continue
        for text, offset, after_placeholder in _texts(block.content, block.children):
            words = _WORD.findall(text)
            starts = [m.start() for m in _WORD.finditer(text)]
            for index, (word, start) in enumerate(zip(words, starts, strict=True)):
                if not (any(c.isdigit() for c in word) or word.lower() in NUMBER_WORDS):
                    continue
                line, column = _place(block.content, offset + start, block.map[0], lines)
                beside = _beside(words, index, after_placeholder)
                found.append(TypedNumber(word, line, column, beside))


def by_rule(figure: TypedNumber) -> bool:
    """Whether a rule says the word is not a hand-typed quantity (a name, a period, a date,
    or part of a bound figure)."""
    return bool(figure.beside or _NAME.match(figure.text) or _YEAR.match(figure.text))


def hand_typed(figures: Sequence[TypedNumber],
               literals: Iterable[str] = ()) -> list[TypedNumber]:
    """The figures no rule or listed literal accounts for (see the module docstring)."""
    allowed = frozenset(literals)
    return [f for f in figures if f.text not in allowed and not by_rule(f)]


def figure_problems(source: str, body_line: int, figures: Sequence[TypedNumber],
                    literals: Iterable[str] = ()) -> list[Problem]:
    """One problem per hand-typed figure of a page, placed at its line and column."""
    return [
        Problem(f"'{figure.text}' is typed by hand, not bound to data",
                path=source, line=figure.line + body_line - 1, column=figure.column,
                hint="write it as {{ dataset.row-id.column }} from a sourced row, or mark a "
                     "deliberate literal: {{ \"" + figure.text + "\" }}, or list it under "
                     "`literals:` in the front matter")
        for figure in hand_typed(figures, literals)
    ]


# ----------------------------------------------------------------- finding the words

def _texts(content: str, children: Sequence[Token]) -> list[tuple[str, int, bool]]:
    """The plain-text children, each with its offset in the inline source and whether a
    placeholder comes right before it (code, URLs and expressions are stepped over)."""
    texts: list[tuple[str, int, bool]] = []
    cursor = 0
    after_placeholder = False
    targets: list[str] = []  # the URLs of the links the cursor is inside
    for child in children:
        if child.type in ("text", "text_special"):
            found = content.find(child.content, cursor)
            autolink = any(t == "" for t in targets)
            if found >= 0 and not autolink:
                texts.append((child.content, found, after_placeholder))
            cursor = found + len(child.content) if found >= 0 else cursor
            after_placeholder = False
            continue
        if child.type == "link_open":
            automatic = child.markup in ("autolink", "linkify")
            targets.append("" if automatic else str(child.attrGet("href") or ""))
        elif child.type == "link_close" and targets:
            cursor = _past(content, targets.pop(), cursor)
        elif child.type == "image":
            alt = _texts(content[cursor:], child.children or [])
            texts.extend((text, offset + cursor, before) for text, offset, before in alt)
            cursor = _past(content, str(child.attrGet("src") or ""), cursor)
        elif child.type == "sitegen_expression":
            end = content.find("}}", child.meta.get("offset", cursor))
            cursor = end + 2 if end >= 0 else cursor
        elif child.content:
            cursor = _past(content, child.content, cursor)
        after_placeholder = child.type == "sitegen_expression"
    return texts


def _past(content: str, taken: str, cursor: int) -> int:
    """The offset just past the next occurrence of what a child took of the inline source."""
    found = content.find(taken, cursor) if taken else -1
    return found + len(taken) if found >= 0 else cursor


def _beside(words: Sequence[str], index: int, after_placeholder: bool) -> str:
    """What the context says of the index-th word of a text: see TypedNumber.beside."""
    word = words[index]
    if index == 0 and after_placeholder and word.lower() in SCALE_WORDS:
        return "bound"
    if _DAY.match(word):
        near = [words[i].lower().rstrip(".") for i in (index - 1, index + 1)
                if 0 <= i < len(words)]
        if any(w in MONTHS for w in near):
            return "date"
    return ""


def _place(content: str, offset: int, first_line: int, lines: Sequence[str]) -> tuple[int, int]:
    """Line (in the body) and column of an offset in an inline's source: the inline's lines
    lose their list, quote and table markup, so the column is found in the body's line."""
    before = content[:offset]
    line_index = before.count("\n")
    line_start = before.rfind("\n") + 1
    line_end = content.find("\n", line_start)
    content_line = content[line_start: line_end if line_end >= 0 else len(content)]
    number = first_line + line_index
    body_line = lines[number] if number < len(lines) else content_line
    base = body_line.find(content_line)
    return number + 1, (base if base >= 0 else 0) + offset - line_start + 1
