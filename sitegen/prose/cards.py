"""Sources at the number: each value from data in running text, marked up with its source.

A value `{{ dataset.row.column }}` whose row names a source becomes a link to that source's
entry in the page's references (`#ref-N`: the source's title, a link, and date), holding
the value as `<data value="...">`, with `data-ref="N"` for the print stylesheet's reference
mark. It is described (`aria-describedby`) by that entry and by a card body kept once in a
hidden block at the end of the content: the row's kind in words and, for a derived row, the
rows it was computed from (its `derived_from` column, which a loader's `derive` writes). The
theme's script shows both as a card on hover, focus and tap; without it the link still leads
to the references, and screen readers read the entry and the card as the link's description.

`| bare` (last in the expression) keeps a value plain; values in attributes, heading ids,
titles and feeds are always plain (`bare_html` turns a page's marked content back).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sitegen.errors import Problem, ProseError
from sitegen.inputs import Dataset, Row, Value
from sitegen.prose.references import SourceRef, expression_row, row_source
from sitegen.prose.values import format_value, split_bare

KIND_GLOSSES = {
    "reported": "a company filing or a news report of one",
    "estimate": "an analyst's or a government's estimate",
    "claim": "what a party says of itself",
    "derived": "computed here from other rows",
    "unverified": "not confirmed by a second source",
}
"""What each kind in a row's `kind` column means (shown in the card)."""

DERIVED_COLUMN = "derived_from"


@dataclass(frozen=True)
class Marked:
    """A page's values in running text as HTML (by expression index), the hidden block of
    their source cards, and the data files the cards read."""

    values: Mapping[int, str]
    cards: str
    read: frozenset[str]


def mark_values(in_text: Sequence[int], expressions: Sequence[str], values: Sequence[str],
                datasets: Mapping[str, Dataset], references: Sequence[SourceRef]) -> Marked:
    """The HTML of each value standing in running text (in_text: expression indexes in the
    order they stand), numbered against the page's references; ProseError for a
    `derived_from` naming a row that does not exist (at the data file's line)."""
    numbers = {(ref.title, ref.url): number for number, ref in enumerate(references, 1)}
    by_row: dict[tuple[str, str], str] = {}   # (dataset, row id) -> card id or ""
    cards: dict[str, str] = {}                # card body -> card id
    marked: dict[int, str] = {}
    read: set[str] = set()
    problems: list[Problem] = []
    for index in in_text:
        shown = html.escape(values[index], quote=False)
        expression, bare = split_bare(expressions[index])
        found = None if bare else expression_row(expression, datasets)
        source = row_source(found[1]) if found else None
        number = numbers.get((source.title, source.url)) if source else None
        if found is None or source is None or number is None:
            marked[index] = shown
            continue
        dataset, row, value = found
        key = (dataset.name, str(row.values.get("id")))
        if key not in by_row:
            body, used = _card(dataset, row, source, datasets, problems)
            by_row[key] = cards.setdefault(body, f"src-{len(cards) + 1}") if body else ""
            read.update(used)
        described = f"ref-{number} {by_row[key]}".rstrip()
        raw = html.escape(_raw(value))
        marked[index] = (f'<a class="value-link" href="#ref-{number}" data-ref="{number}" '
                         f'aria-describedby="{described}"><data value="{raw}">{shown}</data></a>')
    if problems:
        raise ProseError(problems=problems)
    block = "".join(f'<p class="value-source" id="{card_id}">{body}</p>\n'
                    for body, card_id in cards.items())
    return Marked(marked, f'<div class="value-sources" hidden>\n{block}</div>\n' if block else "",
                  frozenset(read))


_MARKED_VALUE = re.compile(
    r'<a class="value-link" href="#ref-\d+" data-ref="\d+" aria-describedby="ref-\d+(?: src-\d+)?">'
    r'<data value="[^"]*">(.*?)</data></a>')
_CARDS = re.compile(r'<div class="value-sources" hidden>\n.*?</div>\n', re.S)


def bare_html(content: str) -> str:
    """A page's content with its values plain (no source link, mark or card): for feeds,
    search and excerpts, where the cards would be noise."""
    if 'class="value-' not in content:
        return content
    return _MARKED_VALUE.sub(r"\1", _CARDS.sub("", content))


def _card(dataset: Dataset, row: Row, source: SourceRef, datasets: Mapping[str, Dataset],
          problems: list[Problem]) -> tuple[str, set[str]]:
    """What a card adds to the value's reference: the row's kind, said in words, and for a
    derived row the rows it came from ("" when there is nothing to add)."""
    parts = []
    kinds = kind_words(_text(row.values.get("kind")) or source.kind)
    if kinds:
        parts.append('<span class="value-card-kind">' + " ".join(
            f'<span class="chart-kind" data-kind="{kind}">{kind.capitalize()}</span>: '
            f"{KIND_GLOSSES[kind]}." for kind in kinds) + "</span>")
    derived, used = _derived(dataset, row, datasets, problems)
    if derived:
        parts.append('<span class="value-card-derived">From: ' + "; ".join(derived) + ".</span>")
    return " ".join(parts), used


def kind_words(kind: str) -> list[str]:
    """The known kinds a `kind` cell names, in order ("claim (derived)" -> claim, derived)."""
    words = re.findall(r"[a-z]+", kind.lower())
    return [word for word in dict.fromkeys(words) if word in KIND_GLOSSES]


def _derived(dataset: Dataset, row: Row, datasets: Mapping[str, Dataset],
             problems: list[Problem]) -> tuple[list[str], set[str]]:
    """Each row a derived row names in `derived_from` (`row-id` in its own dataset or
    `dataset.row-id`), as "series: value unit (source)"."""
    cell = row.values.get(DERIVED_COLUMN)
    shown: list[str] = []
    used: set[str] = set()
    for name in re.split(r"[\s,;]+", str(cell or "").strip()):
        if not name:
            continue
        other_name, _, row_id = name.rpartition(".")
        other = datasets.get(other_name) if other_name else dataset
        try:
            if other is None:
                raise KeyError(name)
            origin = other.row(row_id)
        except KeyError:
            problems.append(Problem(
                f"'{DERIVED_COLUMN}' names '{name}', which is no row",
                dataset.path, row.line, None,
                f"write row ids of {dataset.name} or dataset.row-id, separated by spaces"))
            continue
        used.add(other.path)
        shown.append(_row_text(origin))
    return shown, used


def _row_text(row: Row) -> str:
    values = row.values
    label = str(values.get("series") or values.get("label") or values.get("id"))
    value = values.get("value")
    text = html.escape(label)
    if value is not None:
        unit = values.get("unit")
        text += ": " + html.escape(format_value(value, "", None)
                                   + (f" {unit}" if unit else ""))
    source = row_source(row)
    return text + (f" ({html.escape(source.title)})" if source else "")


def _text(value: Value | None) -> str:
    return "" if value is None else str(value).strip()


def _raw(value: Value | None) -> str:
    """A value as machine-readable text for `<data value>`."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
