"""Numbers in prose: `{{ dataset.row.column | format }}` (or any dotted path into a data
file, `{{ meta.retrieved | date }}`) resolved against the datasets.

A sentence and a chart that show the same figure read it from the same row, so they cannot
drift apart. Formats cover what writers need: thousands separators, currency, compact
(1.6M), percent and dates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from sitegen.errors import InputError, Problem, ProseError
from sitegen.inputs import Dataset, Value

_EXPRESSION = re.compile(
    r"^(?P<dataset>[\w-]+)(?P<path>(?:\.[\w-]+)+)"
    r"\s*(?:\|\s*(?P<format>\w+)(?:\s*:\s*(?P<argument>.+?))?)?\s*$"
)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|T)")
_BARE = re.compile(r"\|\s*bare\s*$")


def split_bare(text: str) -> tuple[str, bool]:
    """An expression without its closing `| bare` (a value shown as plain text, without its
    source card), and whether it had one."""
    bare = _BARE.search(text)
    return (text[: bare.start()].rstrip(), True) if bare else (text, False)


def resolve_expression(text: str, datasets: Mapping[str, Dataset]) -> str:
    """The formatted value an expression names; ProseError (without a place) if it can't."""
    match = _EXPRESSION.match(split_bare(text)[0])
    if not match:
        raise ProseError(
            f"cannot read '{{{{ {text} }}}}'",
            hint="write {{ dataset.row-id.column }} or {{ dataset.key.key | format }} "
            "(then | bare for plain text); "
            r"in a table, escape the bar as \|; write \{{ for literal braces",
        )
    name, keys = match.group("dataset"), match.group("path")[1:].split(".")
    dataset = datasets.get(name)
    if dataset is None:
        known = ", ".join(sorted(datasets)) or "none"
        raise ProseError(
            f"unknown dataset '{name}'",
            hint=f"datasets are the files in content/data/ by stem; known: {known}",
        )
    try:
        value = dataset.lookup(keys).value
    except InputError as error:
        raise ProseError(problems=error.problems) from None
    return format_value(value, match.group("format") or "", match.group("argument"))


MAX_DECIMALS = 20
"""The most decimals a format shows (a double holds about 17 significant digits)."""

_TEXT_EXPRESSION = re.compile(r"(?<!\\)\{\{(.*?)\}\}")


def resolve_in_text(text: str, datasets: Mapping[str, Dataset]) -> str:
    """Every `{{ ... }}` in a text replaced by its value (chart titles, captions, alt text).

    Problems carry the line and column within text (1-based), for the caller to shift.
    """
    problems: list[Problem] = []

    def value(match: re.Match[str]) -> str:
        try:
            return resolve_expression(match.group(1).strip(), datasets)
        except ProseError as error:
            before = text[: match.start()]
            line = 1 + before.count("\n")
            column = match.start() - (before.rfind("\n") + 1) + 1
            problems.extend(replace(p, line=line, column=column) for p in error.problems)
            return ""

    resolved = _TEXT_EXPRESSION.sub(value, text)
    if problems:
        raise ProseError(problems=problems)
    return resolved


def format_value(value: Value, name: str, argument: str | None) -> str:
    """Format one value by a named format (see the module docstring)."""
    formatter = _FORMATS.get(name)
    if formatter is None:
        raise ProseError(
            f"unknown format '{name}'",
            hint=f"formats: {', '.join(sorted(f for f in _FORMATS if f))}",
        )
    return formatter(value, argument)


def _number_of(value: Value, name: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProseError(f"format '{name}' needs a number, but the value is {value!r}")
    return value


def _decimals(argument: str | None) -> int | None:
    if argument is None:
        return None
    if not argument.strip().isdigit():
        raise ProseError(f"'{argument}' is not a number of decimals", hint="for example number:1")
    if len(argument.strip()) > 2 or int(argument) > MAX_DECIMALS:
        raise ProseError(f"{argument.strip()[:12]} decimals are too many",
                         hint=f"formats show up to {MAX_DECIMALS} decimals")
    return int(argument)


def _grouped(number: float | int, decimals: int | None) -> str:
    if decimals is None:
        if isinstance(number, int) or float(number).is_integer():
            return f"{int(number):,}"
        text = f"{number:,.10f}".rstrip("0")
        return text.rstrip(".")
    return f"{number:,.{decimals}f}"


def _plain(value: Value, argument: str | None) -> str:
    if isinstance(value, dt.date):
        return _date(value, argument)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _grouped(value, _decimals(argument))
    return str(value)


def _number(value: Value, argument: str | None) -> str:
    return _grouped(_number_of(value, "number"), _decimals(argument))


def _currency(value: Value, argument: str | None) -> str:
    number = _number_of(value, "currency")
    sign = "-" if number < 0 else ""
    return f"{sign}${_grouped(abs(number), _decimals(argument))}"


def _compact(value: Value, argument: str | None) -> str:
    number = _number_of(value, "compact")
    decimals = _decimals(argument)
    units = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
    for index, (size, suffix) in enumerate(units):
        if abs(number) >= size:
            text = _scaled(number / size, decimals)
            if abs(float(text)) >= 1000 and index > 0:  # 999,999 rounds up to the next unit
                size, suffix = units[index - 1]
                text = _scaled(number / size, decimals)
            return text + suffix
    return _grouped(number, decimals)


def _scaled(scaled: float, decimals: int | None) -> str:
    if decimals is not None:
        return f"{scaled:.{decimals}f}"
    text = f"{scaled:.3g}"
    return f"{scaled:.0f}" if "e" in text else text  # 3 significant digits, never 1e+03


def _percent(value: Value, argument: str | None) -> str:
    number = _number_of(value, "percent") * 100
    decimals = _decimals(argument)
    if decimals is None:
        return f"{number:.10g}%"
    return f"{number:.{decimals}f}%"


def _date(value: Value, argument: str | None) -> str:
    if isinstance(value, str) and _ISO_DATE.match(value):
        with contextlib.suppress(ValueError):  # a date written as text (JSON has none)
            value = dt.date.fromisoformat(value[:10])
    if not isinstance(value, dt.date):
        raise ProseError(f"format 'date' needs a date, but the value is {value!r}")
    if argument:
        return value.strftime(argument)
    return f"{value.day} {value.strftime('%B %Y')}"


_FORMATS: dict[str, Callable[[Value, str | None], str]] = {
    "": _plain,
    "number": _number,
    "currency": _currency,
    "compact": _compact,
    "percent": _percent,
    "date": _date,
}
