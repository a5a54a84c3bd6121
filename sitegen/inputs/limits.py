"""Bounds on what a text input can make sitegen do: nesting depth, YAML alias expansion, and
numbers too large to hold, each an error at its line and column.

YAML aliases let a few lines stand for billions of values (each `*a` repeats what `&a`
names), and deep nesting exhausts the parsers' recursion; both are measured here before a
file, front matter or chart block is loaded, in one pass over the parser's events (or the
brackets of JSON and TOML). Integers beyond what Python converts, and floats beyond a
double's range, are refused where they are written.
"""

from __future__ import annotations

import math
import re
from typing import Any

from sitegen.errors import InputError

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a YAML, JSON or TOML input may have."""
MAX_ALIAS_VALUES = 100_000
"""Values YAML aliases may add to a document, beyond the ones written out."""
MAX_DIGITS = 4_000
"""Longest run of digits a number may have (Python converts up to 4,300)."""

_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


def check_yaml(text: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH or whose aliases add too many values
    (an InputError at the line and column, within text, where the bound is passed)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    written = added = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 0])
                if len(stack) - 1 > MAX_DEPTH:
                    raise _at(event, f"nested more than {MAX_DEPTH} levels deep",
                              "flatten the structure")
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, count = stack.pop()
                if anchor is not None:
                    sizes[anchor] = count + 1
                stack[-1][1] += count + 1
            elif isinstance(event, yaml.ScalarEvent):
                written += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                stack[-1][1] += 1
            elif isinstance(event, yaml.AliasEvent):
                size = sizes.get(event.anchor or "", 1)
                added += size
                stack[-1][1] += size
                if added > MAX_ALIAS_VALUES:
                    raise _at(event, f"YAML aliases here expand to more than "
                              f"{MAX_ALIAS_VALUES:,} values", "write the values out, or use "
                              "fewer aliases (*name repeats everything &name holds)")
    except yaml.YAMLError:
        return  # a syntax error: the loader reports it at its own place
    check_numbers(text)


def check_brackets(text: str) -> None:
    """Refuse JSON or TOML nested deeper than MAX_DEPTH (outside strings), and numbers too
    long to convert."""
    depth, quote, escaped = 0, "", False
    line, column = 1, 0
    for char in text:
        column += 1
        if char == "\n":
            line, column = line + 1, 0
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"nested more than {MAX_DEPTH} levels deep", None, line,
                                 column, "flatten the structure")
        elif char in "]}":
            depth -= 1
    check_numbers(text)


def check_numbers(text: str) -> None:
    """Refuse a number written with more than MAX_DIGITS digits."""
    match = _LONG_NUMBER.search(text)
    if match:
        line, column = _place(text, match.start())
        raise InputError(f"a number of {len(match.group(0)):,} digits is too large",
                         None, line, column, f"numbers may have up to {MAX_DIGITS:,} digits")


def finite(value: float) -> bool:
    """False for infinities and NaN (a number too large for a double, or none at all)."""
    return math.isfinite(value)


def _at(event: Any, message: str, hint: str) -> InputError:
    mark = event.start_mark
    return InputError(message, None, mark.line + 1, mark.column + 1, hint)


def _place(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1
