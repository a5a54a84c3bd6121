"""What a chart shows of its data: the rows left by simple filters, their sources, the table
and the CSV download.

The default source line lists the distinct sources of the rows a chart uses. Leading filters
that can be read exactly (`datum.group == 'x'`, `&&` of comparisons, field predicates) are
applied; at the first one that cannot, the rows so far are kept -- a superset, so no source of
a shown number is ever left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sitegen.inputs import Dataset, Row, is_web_address

TABLE_ROW_LIMIT = 500
"""A data table shows at most this many rows; the CSV download has them all."""

Used = tuple[tuple[Dataset, tuple[Row, ...]], ...]


def used_rows(raw: Mapping[str, Any], refs: Mapping[str, Dataset],
               ) -> tuple[tuple[Dataset, tuple[Row, ...]], ...]:
    """Rows each dataset contributes: the top dataset after its leading simple filters."""
    top = raw.get("data")
    used = []
    for name, dataset in refs.items():
        rows = dataset.rows
        if name == top:
            rows = _apply_simple_filters(rows, raw.get("transform") or [])
        used.append((dataset, rows))
    return tuple(used)


def _apply_simple_filters(rows: tuple[Row, ...], transforms: list[Any]) -> tuple[Row, ...]:
    """Apply leading filters we can read exactly; stop at the first we cannot (keeps a superset)."""
    for transform in transforms:
        if not (isinstance(transform, dict) and set(transform) == {"filter"}):
            break
        test = _predicate(transform["filter"])
        if test is None:
            break
        rows = tuple(row for row in rows if test(row))
    return rows


_COMPARE = re.compile(
    r"""^\s*datum\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['"])(.*?)\2\s*\])\s*
        (===|!==|==|!=|<=|>=|<|>)\s*
        ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)
        \s*$""", re.X)


def _predicate(expression: Any) -> Any:
    """A Python test for a filter we can evaluate exactly, or None."""
    if isinstance(expression, dict):
        return _field_predicate(expression)
    if not isinstance(expression, str) or "||" in expression:
        return None
    tests = []
    for part in expression.split("&&"):
        match = _COMPARE.match(part.strip().strip("()") if part.count("(") == part.count(")")
                               else part)
        if not match:
            return None
        name = match.group(1) or match.group(3)
        literal = json.loads(match.group(5)) if not match.group(5).startswith("'") else \
            match.group(5)[1:-1].replace("\\'", "'")
        tests.append(_comparison(name, match.group(4), literal))
    return lambda row: all(test(row) for test in tests)


def _comparison(name: str, op: str, literal: Any) -> Any:
    def test(row: Row) -> bool:
        value = row.values.get(name)
        if isinstance(value, dt.date) or isinstance(literal, bool) != isinstance(value, bool):
            raise _Unreadable
        if op in ("==", "==="):
            return value == literal
        if op in ("!=", "!=="):
            return value != literal
        if value is None or literal is None or isinstance(value, str) != isinstance(literal, str):
            return False
        return {"<": value < literal, "<=": value <= literal, ">": value > literal,
                ">=": value >= literal}[op]

    def safe(row: Row) -> bool:
        try:
            return test(row)
        except _Unreadable:
            return True
    return safe


class _Unreadable(Exception):
    """A comparison whose JavaScript meaning we do not reproduce; the row is kept."""


def _field_predicate(predicate: Mapping[str, Any]) -> Any:
    name = predicate.get("field")
    if not isinstance(name, str) or "timeUnit" in predicate:
        return None
    if "equal" in predicate:
        return lambda row: row.values.get(name) == predicate["equal"]
    if "oneOf" in predicate and isinstance(predicate["oneOf"], list):
        return lambda row: row.values.get(name) in predicate["oneOf"]
    if "valid" in predicate:
        return lambda row: (row.values.get(name) is not None) == bool(predicate["valid"])
    bounds = {k: predicate[k] for k in ("lt", "lte", "gt", "gte") if k in predicate}
    if "range" in predicate and isinstance(predicate["range"], list) and \
            len(predicate["range"]) == 2:
        low, high = predicate["range"]
        if low is not None:
            bounds["gte"] = low
        if high is not None:
            bounds["lte"] = high
    if not bounds or not all(isinstance(v, int | float) for v in bounds.values()):
        return None

    def test(row: Row) -> bool:
        value = row.values.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return all({"lt": value < b, "lte": value <= b, "gt": value > b,
                    "gte": value >= b}[k] for k, b in bounds.items())
    return test


def datum_fields(expression: str) -> Iterator[str]:
    """Fields an expression reads as `datum.x` or `datum['x']` (string literals skipped)."""
    stripped = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"",
                      lambda m: m.group(0) if _is_index(expression, m) else "''", expression)
    for match in re.finditer(r"\bdatum\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['\"])(.*?)\2\s*\])",
                             stripped):
        yield match.group(1) or match.group(3)


def _is_index(expression: str, match: re.Match[str]) -> bool:
    return bool(re.search(r"datum\s*\[\s*$", expression[: match.start()]))


def source_html(override: str | None, used: Used) -> str:
    """`Source: A; B` — the override, or each distinct source of the rows the chart shows."""
    if override is not None:
        if not override:
            return ""
        return f"Source: {_linked_text(override)}."
    sources: dict[tuple[str, str], None] = {}
    for _, rows in used:
        for row in rows:
            title = row.values.get("source_title") or row.values.get("source")
            url = row.values.get("source_url")
            if title or url:
                sources[(str(title or ""), str(url or ""))] = None
    if not sources:
        return ""
    label = "Source" if len(sources) == 1 else "Sources"
    return f"{label}: " + "; ".join(_source_link(t, u) for t, u in sources) + "."


def _source_link(title: str, url: str) -> str:
    shown = html.escape(title or re.sub(r"^https?://(www\.)?", "", url).split("/")[0])
    if is_web_address(url):
        return f'<a href="{html.escape(url)}">{shown}</a>'
    return shown


def _linked_text(text: str) -> str:
    """Escaped text where Markdown-style [label](https://url) links become links."""
    out, last = [], 0
    for match in re.finditer(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", text):
        out.append(html.escape(text[last:match.start()]))
        out.append(_source_link(match.group(1), match.group(2)))
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out).rstrip(".")


def tables_html(spec: Mapping[str, Any], used: Used) -> str:
    """The chart's data as tables inside <details>: the columns the chart uses, its rows."""
    if not used:
        return ""
    mentioned = _mentioned(spec)
    tables = []
    for dataset, rows in used:
        columns = [c for c in dataset.columns if c in mentioned] or list(dataset.columns)
        numeric = {c for c in columns if dataset.column_types.get(c) == "number"}
        shown = rows[:TABLE_ROW_LIMIT]
        note = (f" (the first {len(shown)} of {len(rows)} rows; the CSV has them all)"
                if len(rows) > len(shown) else f" ({len(rows)} rows)")
        head = "".join(f'<th scope="col"{_num(c, numeric)}>{html.escape(c)}</th>'
                       for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td{_num(c, numeric)}>{html.escape(_cell(row.values.get(c)))}"
                             "</td>" for c in columns) + "</tr>"
            for row in shown)
        tables.append(
            f'<div class="chart-table table-wrap"><table><caption>{html.escape(dataset.name)}'
            f"{html.escape(note)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")
    return ('<details class="chart-data"><summary>Data table</summary>'
            + "".join(tables) + "</details>")


def _num(column: str, numeric: set[str]) -> str:
    return ' class="num"' if column in numeric else ""


def _mentioned(spec: Any) -> set[str]:
    """Every string in the spec (outside its data) and every `datum.x` in its expressions."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in ("datasets", "data"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.update((node, node.split(".")[0]))  # `o.v` reads the column o
            if "datum" in node:
                found.update(datum_fields(node))
    walk(spec)
    return found


def _cell(value: Any) -> str:
    """A value as a table cell or CSV field: dates ISO, floats without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):  # nested values, flattened for display
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def csv_text(dataset: Dataset, rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(dataset.columns)
    for row in rows:
        writer.writerow([_cell(row.values.get(c)) for c in dataset.columns])
    return out.getvalue()
