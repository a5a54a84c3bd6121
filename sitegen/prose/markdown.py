"""Markdown -> HTML with placeholders for what needs the whole site.

The markdown-it-py instance and its plugins live here. Parsing a page needs only its own text,
so its result can be cached by content hash: links to other pages, numbers from data and chart
fences are left as placeholders (with their lines) and resolved later, when every page, heading
and dataset is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sitegen.prose.callouts import github_callouts
from sitegen.prose.headings import HeadingSource, TocEntry, heading_ids, nest
from sitegen.prose.highlight import highlight, highlighted_language
from sitegen.prose.lint import TypedNumber, collect_figures

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

# Placeholders use private-use characters, which no writer types and no escaper touches.
OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(OPEN + r"([ELCRHV])(\d+)" + CLOSE)
CHART_INFO = "chart"
_ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')  # every id a link's fragment may name


@dataclass(frozen=True)
class Reference:
    """Something in the page resolved after parsing: a value expression or a link target."""

    text: str
    line: int
    column: int | None = None


@dataclass(frozen=True)
class FencedBlock:
    """A fence handed to another room (charts); line is the opening fence's line in the body."""

    info: str
    text: str
    line: int


@dataclass(frozen=True)
class ParsedMarkdown:
    """The HTML of a body with placeholders, and what the placeholders stand for."""

    html: str
    toc: tuple[TocEntry, ...]
    heading_ids: frozenset[str]
    element_ids: frozenset[str]
    expressions: tuple[Reference, ...]
    links: tuple[Reference, ...]
    fences: tuple[FencedBlock, ...]
    first_heading: str | None = None
    languages: frozenset[str] = frozenset()  # of the code blocks Pygments highlighted
    figures: tuple[TypedNumber, ...] = ()     # number-like words of the text (prose.lint)
    waiting_headings: tuple[HeadingSource, ...] = ()  # when a heading shows a value: all


@dataclass
class _Env:
    expressions: list[Reference] = field(default_factory=list)
    links: list[Reference] = field(default_factory=list)
    fences: list[FencedBlock] = field(default_factory=list)
    toc: list[tuple[int, str, str]] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    figures: list[TypedNumber] = field(default_factory=list)
    waiting: list[HeadingSource] = field(default_factory=list)


def parse_markdown(body: str, typographer: bool = True) -> ParsedMarkdown:
    """Parse one page body (front matter removed); lines are counted within the body."""
    env = _Env()
    extended = bool(_EXTENDED_SYNTAX.search(body))
    html = _markdown(typographer, extended).render(body, {"sitegen": env})
    first = next((title for level, _, title in env.toc if level == 1), None)
    return ParsedMarkdown(
        html=html,
        toc=nest(env.toc),
        heading_ids=frozenset(anchor for _, anchor, _ in env.toc),
        element_ids=frozenset(i for i in _ID_ATTRIBUTE.findall(html) if OPEN not in i),
        expressions=tuple(env.expressions),
        links=tuple(env.links),
        fences=tuple(env.fences),
        first_heading=first,
        languages=frozenset(env.languages),
        figures=tuple(env.figures),
        waiting_headings=tuple(env.waiting),
    )


def placeholder(kind: str, index: int) -> str:
    """The marker left in the HTML for the index-th reference of a kind: E (a value as plain
    text: in an attribute, a heading's id, a link's text), V (the same value in running text,
    where it is marked up with its source), L (a link's URL), C (a chart), R (the text of a
    link written without any: "Figure N")."""
    return f"{OPEN}{kind}{index}{CLOSE}"


# A page without any of these marks renders the same without the footnote, definition-list,
# task-list and admonition plugins, and a quarter faster; when in doubt, use them all.
_EXTENDED_SYNTAX = re.compile(r"\[\^|\^\[|!!!|\?\?\?|\[[ xX]\]|^[ \t]*[:~]", re.M)


@lru_cache(maxsize=4)
def _markdown(typographer: bool, extended: bool = True) -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.admon import admon_plugin
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    md = MarkdownIt(
        "commonmark",
        {"html": True, "typographer": typographer, "highlight": highlight},
    )
    md.enable(["table", "strikethrough"])
    if typographer:
        md.enable(["replacements", "smartquotes"])
    if extended:
        md.use(footnote_plugin).use(deflist_plugin).use(tasklists_plugin).use(admon_plugin)
    # After "text", not before: "{" ends a text run, so the rule still sees every "{{", but it is
    # no longer tried at every position where plain text starts.
    md.inline.ruler.after("text", "sitegen_expression", _expression_rule)
    md.core.ruler.after("inline", "sitegen_figures", collect_figures)
    md.core.ruler.after("sitegen_figures", "sitegen_places", _place_references)
    md.core.ruler.after("sitegen_places", "sitegen_headings", _headings)
    md.core.ruler.after("sitegen_headings", "sitegen_callouts", github_callouts)
    md.add_render_rule("sitegen_expression", _render_expression)
    md.add_render_rule("image", _image)
    md.normalizeLink = _normalize_link  # type: ignore[method-assign]
    default_fence = md.renderer.rules["fence"]  # type: ignore[attr-defined]

    def fence(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        token = tokens[idx]
        info = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        if info == CHART_INFO and token.map:
            fences: list[FencedBlock] = env["sitegen"].fences
            fences.append(FencedBlock(info, token.content, token.map[0] + 1))
            return placeholder("C", len(fences) - 1) + "\n"
        language = highlighted_language(token.info)
        if language is not None:
            env["sitegen"].languages.add(language)
        return default_fence(tokens, idx, options, env)

    md.add_render_rule("fence", fence)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


# URLs that markdown-it's normalizeLink returns unchanged: relative ones (no scheme, no host) and
# http(s) ones with a lower-case ASCII host, made only of characters it never escapes (no "%").
# tests/test_markdown.py checks the claim against normalizeLink on random URLs.
_URL_CHARACTERS = "A-Za-z0-9/._~\\-#?=&+,;!$*'()"
_PLAIN_RELATIVE_URL = re.compile(rf"(?!//)[{_URL_CHARACTERS}]*\Z")
_PLAIN_WEB_URL = re.compile(rf"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:[/?#][{_URL_CHARACTERS}]*)?\Z")


def _normalize_link(url: str) -> str:
    """markdown-it's normalizeLink, skipping its parse and re-encode when they change nothing.

    A page links a dozen times or more, and the full parse/format/encode is a noticeable part
    of a parse.
    """
    if _PLAIN_RELATIVE_URL.match(url) or _PLAIN_WEB_URL.match(url):
        return url
    from markdown_it.common.normalize_url import normalizeLink

    return normalizeLink(url)


def _table_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """Wide tables scroll inside a focusable wrapper instead of widening the page."""
    opening = renderer.renderToken(tokens, idx, options, env)
    return '<div class="table-wrap" tabindex="0">\n' + opening


def _table_close(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return renderer.renderToken(tokens, idx, options, env) + "</div>\n"


# ----------------------------------------------------------------- numbers from data

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)


def _expression_rule(state: StateInline, silent: bool) -> bool:
    """`{{ dataset.row.column | format }}` becomes a token resolved against the data later."""
    src, pos = state.src, state.pos
    if not src.startswith("{{", pos):
        return False
    match = _EXPRESSION.match(src, pos)
    if not match:
        return False
    if not silent:
        token = state.push("sitegen_expression", "", 0)
        token.content = match.group(1).strip()
        token.meta = {"offset": pos}
    state.pos = match.end()
    return True


def _render_expression(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                       env: dict) -> str:
    return tokens[idx].meta.get("in_text", tokens[idx].meta["placeholder"])


# ----------------------------------------------------------------- lines of references

_LOCAL_SCHEMES = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def is_internal_link(href: str) -> bool:
    """A link the site resolves: a relative path or an in-page anchor, not a URL with a scheme."""
    return bool(href) and not _LOCAL_SCHEMES.match(href) and not href.startswith("/")


def _place_references(state: StateCore) -> None:
    """Give every value expression and internal link its line, and leave a placeholder:
    in text, in image alt text, and in the titles of links and images."""
    env: _Env = state.env["sitegen"]
    lines = state.src.split("\n")
    for block in state.tokens:
        if block.type != "inline" or not block.children or not block.map:
            continue
        where = _Where(block.content, block.map[0] + 1, lines)
        search_from = 0
        children = list(block.children)
        in_link = 0  # a value in a link's text stays plain: a link cannot hold another
        for position, child in enumerate(children):
            in_link += {"link_open": 1, "link_close": -1}.get(child.type, 0)
            if child.type == "sitegen_expression":
                _place_expression(env, child, where, marked=not in_link)
            elif child.type in ("link_open", "image"):
                for inner in child.children or ():  # an image's alt text
                    if inner.type == "sitegen_expression":  # its offset is in the alt text
                        found = where.content.find(inner.content, search_from)
                        start = where.content.rfind("{{", 0, found) if found >= 0 else -1
                        _place_expression(env, inner, where, max(start, 0))
                _place_title(env, child, where)
                attr = "href" if child.type == "link_open" else "src"
                target = str(child.attrGet(attr) or "")
                if not is_internal_link(target):
                    continue
                found = where.content.find(target, search_from)
                offset = found if found >= 0 else search_from
                search_from = max(search_from, offset)
                env.links.append(Reference(target, *where.line_column(offset)))
                child.attrSet(attr, placeholder("L", len(env.links) - 1))
                following = children[position + 1] if position + 1 < len(children) else None
                if child.type == "link_open" and following is not None \
                        and following.type == "link_close":
                    _insert_text(block, child, placeholder("R", len(env.links) - 1))


def _insert_text(block: Token, after: Token, text: str) -> None:
    """Put a text token right after a child of an inline block."""
    from markdown_it.token import Token as NewToken

    token = NewToken("text", "", 0)
    token.content = text
    children = block.children or []
    index = next(i for i, c in enumerate(children) if c is after)
    block.children = [*children[: index + 1], token, *children[index + 1:]]


@dataclass(frozen=True)
class _Where:
    """An inline block's text, its first line in the body, and the body's lines."""

    content: str
    start_line: int
    lines: list[str]

    def line_column(self, offset: int) -> tuple[int, int]:
        """(line, column) in the body of an offset in content (a table cell, a list item's
        text: the column counts from the start of the source line)."""
        before = self.content[:offset]
        row = before.count("\n")
        in_line = offset - (before.rfind("\n") + 1)
        line = self.start_line + row
        text_line = self.content.split("\n")[row]
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        start = source.find(text_line) if text_line else -1
        return line, max(start, 0) + in_line + 1


def _place_expression(env: _Env, token: Token, where: _Where,
                      offset: int | None = None, marked: bool = False) -> None:
    """Number a value; marked: it stands in running text, where it may show its source."""
    offset = token.meta["offset"] if offset is None else offset
    env.expressions.append(Reference(token.content, *where.line_column(offset)))
    token.meta["placeholder"] = placeholder("E", len(env.expressions) - 1)
    if marked:
        token.meta["in_text"] = placeholder("V", len(env.expressions) - 1)


def _place_title(env: _Env, token: Token, where: _Where) -> None:
    """`[a](b "{{ d.r.c }}")`: values in a link's or image's title become placeholders."""
    title = token.attrGet("title")
    if not isinstance(title, str) or "{{" not in title:
        return
    found = where.content.find(title)

    def mark(match: re.Match[str]) -> str:
        offset = found + match.start() if found >= 0 else 0
        env.expressions.append(Reference(match.group(1).strip(), *where.line_column(offset)))
        return placeholder("E", len(env.expressions) - 1)

    token.attrSet("title", _EXPRESSION.sub(mark, title))


def _image(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    """markdown-it's image rule, with the values of the alt text in it."""
    token = tokens[idx]
    token.attrSet("alt", _as_text(token.children or []))
    return str(renderer.renderToken(tokens, idx, options, env))


def _as_text(tokens: Sequence[Token]) -> str:
    text = ""
    for token in tokens:
        if token.type in ("text", "code_inline", "html_inline", "html_block"):
            text += token.content
        elif token.type == "sitegen_expression":
            text += token.meta["placeholder"]
        elif token.type == "image":
            text += _as_text(token.children or [])
        elif token.type in ("softbreak", "hardbreak"):
            text += "\n"
    return text


def _headings(state: StateCore) -> None:
    env: _Env = state.env["sitegen"]
    heading_ids(state, env.toc, env.waiting)
