"""GitHub's callouts (`> [!NOTE]` blockquotes) rendered as the admonitions `!!! note` makes,
so a page written for GitHub reads the same on the site."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

_CALLOUT = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*\n?", re.I)


def github_callouts(state: StateCore) -> None:
    """`> [!NOTE]` blockquotes (GitHub's callouts) become admonitions like `!!! note`."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        inline = tokens[index + 2]
        if inline.type != "inline":
            continue
        match = _CALLOUT.match(inline.content)
        if not match or not inline.children:
            continue
        kind = match.group(1).lower()
        token.tag = "div"
        token.attrSet("class", f"admonition {kind}")
        _close_of(tokens, index).tag = "div"
        first = inline.children[0]
        first.content = _CALLOUT.sub("", first.content)
        if inline.children[1:2] and inline.children[1].type == "softbreak" and not first.content:
            inline.children = inline.children[2:]
        from markdown_it.token import Token as NewToken

        title = NewToken("html_block", "", 0)
        title.content = f'<p class="admonition-title">{kind.capitalize()}</p>\n'
        tokens.insert(index + 1, title)


def _close_of(tokens: list[Token], open_index: int) -> Token:
    depth = 0
    for token in tokens[open_index:]:
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                return token
    raise AssertionError("unbalanced blockquote")
