"""Code in pages: fenced blocks with a known language coloured by Pygments.

Lexers and the formatter are made once per process (pure functions of their names). A
lexer keeps the text exactly: Pygments' defaults drop a block's leading and trailing blank
lines (`stripnl`) and give an empty one a newline (`ensurenl`): both are turned off.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


def highlight(code: str, lang: str, attrs: str) -> str:
    """Pygments HTML for a fenced block with a known language; plain escaping otherwise."""
    name = lang.strip().lower()
    lexer = _lexer(name) if name else None
    if lexer is None:
        return ""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter

    body = pygments_highlight(code, lexer, _formatter(HtmlFormatter))
    return f'<pre class="highlight"><code class="language-{name}">{body}</code></pre>\n'


def highlighted_language(info: str) -> str | None:
    """The language highlight will colour a fence with this info string in, if any
    (markdown-it hands it the first word of the unescaped info)."""
    from markdown_it.common.utils import unescapeAll

    words = unescapeAll(info).strip().split(maxsplit=1) if info else []
    name = words[0].strip().lower() if words else ""
    return name if name and _lexer(name) is not None else None


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter(formatter_class: Any) -> Any:
    return formatter_class(nowrap=True)
