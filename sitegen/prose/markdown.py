"""Markdown -> HTML with placeholders for what needs the whole site.

The markdown-it-py instance and its plugins live here. Parsing a page needs only its own text,
so its result can be cached by content hash: links to other pages, numbers from data and chart
fences are left as placeholders (with their lines) and resolved later, when every page, heading
and dataset is known.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sitegen.prose.callouts import github_callouts
from sitegen.prose.highlight import highlight, highlighted_language
from sitegen.prose.lint import TypedNumber, collect_figures

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

# Placeholders use private-use characters, which no writer types and no escaper touches.
OPEN, CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(OPEN + r"([ELCR])(\d+)" + CLOSE)
CHART_INFO = "chart"
_ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')  # every id a link's fragment may name


@dataclass(frozen=True)
class TocEntry:
    """A heading in the table of contents; children are the headings under it."""

    level: int
    id: str
    title: str
    children: tuple[TocEntry, ...] = ()


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


@dataclass
class _Env:
    expressions: list[Reference] = field(default_factory=list)
    links: list[Reference] = field(default_factory=list)
    fences: list[FencedBlock] = field(default_factory=list)
    toc: list[tuple[int, str, str]] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    figures: list[TypedNumber] = field(default_factory=list)


def parse_markdown(body: str, typographer: bool = True) -> ParsedMarkdown:
    """Parse one page body (front matter removed); lines are counted within the body."""
    env = _Env()
    extended = bool(_EXTENDED_SYNTAX.search(body))
    html = _markdown(typographer, extended).render(body, {"sitegen": env})
    first = next((title for level, _, title in env.toc if level == 1), None)
    return ParsedMarkdown(
        html=html,
        toc=_nest(env.toc),
        heading_ids=frozenset(anchor for _, anchor, _ in env.toc),
        element_ids=frozenset(_ID_ATTRIBUTE.findall(html)),
        expressions=tuple(env.expressions),
        links=tuple(env.links),
        fences=tuple(env.fences),
        first_heading=first,
        languages=frozenset(env.languages),
        figures=tuple(env.figures),
    )


def placeholder(kind: str, index: int) -> str:
    """The marker left in the HTML for the index-th reference of a kind: E (a value), L (a
    link's URL), C (a chart), R (the text of a link written without any: "Figure N")."""
    return f"{OPEN}{kind}{index}{CLOSE}"


def slugify(text: str) -> str:
    """GitHub-style heading id: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r" ", "-", text) or "section"


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
    md.core.ruler.after("sitegen_places", "sitegen_headings", _heading_ids)
    md.core.ruler.after("sitegen_headings", "sitegen_callouts", github_callouts)
    md.add_render_rule("sitegen_expression", _render_expression)
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
    return tokens[idx].meta["placeholder"]


# ----------------------------------------------------------------- lines of references

_LOCAL_SCHEMES = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def is_internal_link(href: str) -> bool:
    """A link the site resolves: a relative path or an in-page anchor, not a URL with a scheme."""
    return bool(href) and not _LOCAL_SCHEMES.match(href) and not href.startswith("/")


def _place_references(state: StateCore) -> None:
    """Give every value expression and internal link its line, and leave a placeholder."""
    env: _Env = state.env["sitegen"]
    for block in state.tokens:
        if block.type != "inline" or not block.children or not block.map:
            continue
        content, start_line = block.content, block.map[0] + 1
        search_from = 0
        children = list(block.children)
        for position, child in enumerate(children):
            if child.type == "sitegen_expression":
                line, column = _line_column(content, child.meta["offset"], start_line)
                env.expressions.append(Reference(child.content, line, column))
                child.meta["placeholder"] = placeholder("E", len(env.expressions) - 1)
            elif child.type in ("link_open", "image"):
                attr = "href" if child.type == "link_open" else "src"
                target = str(child.attrGet(attr) or "")
                if not is_internal_link(target):
                    continue
                found = content.find(target, search_from)
                offset = found if found >= 0 else search_from
                search_from = max(search_from, offset)
                line, column = _line_column(content, offset, start_line)
                env.links.append(Reference(target, line, column))
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


def _line_column(content: str, offset: int, start_line: int) -> tuple[int, int]:
    before = content[:offset]
    return start_line + before.count("\n"), offset - (before.rfind("\n") + 1) + 1


# ----------------------------------------------------------------- headings

_EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][\w\-:.]*)\}\s*$")


def _heading_ids(state: StateCore) -> None:
    """Stable, unique heading ids (or `{#id}`), a permalink, and the table of contents."""
    env: _Env = state.env["sitegen"]
    used: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        children = inline.children or []
        anchor = None
        if children and children[-1].type == "text":
            explicit = _EXPLICIT_ID.search(children[-1].content)
            if explicit:
                anchor = explicit.group(1)
                children[-1].content = children[-1].content[: explicit.start()]
        title = "".join(c.content for c in children if c.type in ("text", "code_inline")).strip()
        if anchor is None:
            anchor = _unique(slugify(title), used)
        used.setdefault(anchor, 0)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        env.toc.append((level, anchor, title))
        if level > 1:
            _append_permalink(state, inline, anchor, title)


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


def _append_permalink(state: StateCore, inline: Token, anchor: str, title: str) -> None:
    from markdown_it.token import Token

    link = Token("link_open", "a", 1)
    link.attrs = {"class": "header-anchor", "href": f"#{anchor}", "aria-label": f"Link to {title}"}
    symbol = Token("text", "", 0)
    symbol.content = "#"
    space = Token("text", "", 0)
    space.content = " "
    inline.children = [*(inline.children or []), space, link, symbol, Token("link_close", "a", -1)]


def _nest(flat: list[tuple[int, str, str]]) -> tuple[TocEntry, ...]:
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
