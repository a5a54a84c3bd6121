"""What each Vega-Lite transform reads and makes, and how a field name names a column.

The field check (charts.fields) walks a view's transforms in order; for each it asks here
which fields the transform reads (each with its key, so a wrong one is placed) and which it
adds. The outputs follow Vega-Lite's compiler (`producedFields` in src/compile/data/) and
Vega's transforms where Vega-Lite passes a parameter through (a regression with
`params: true` makes `keys`, `coef` and `rSquared`). Where the outputs cannot be known
before the data is read -- a pivot's columns are its values, a lookup without `fields` or
`as` copies whatever the other data holds -- the view's fields are left open.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.charts.schema import Path_


@dataclass(frozen=True)
class Made:
    """The fields a transform adds; `open` when it may add fields no one can name yet."""

    fields: frozenset[str]
    open: bool = False


Read = tuple[str, Path_, bool]
"""(a field a transform reads, the key it is at, whether it is an access path: `a.b`
reads member b of a; False for `datum['a.b']` in an expression, which is the column 'a.b')."""


def top_field(name: str) -> str:
    """The column a Vega-Lite field names: the first step of its access path, unescaped.

    Follows vega-util's splitAccessPath: `a.b` and `a[0]` read inside column a; a backslash
    escapes the next character, so `a\\.b` is the column 'a.b' and `f(\\'x\\')` is f('x').
    """
    parts = split_access_path(name)
    return parts[0] if parts else name


def split_access_path(path: str) -> list[str]:
    """vega-util's splitAccessPath: `a.b[0]["c.d"]` -> [a, b, 0, c.d] (escapes honoured)."""
    out: list[str] = []
    quote: str | None = None
    bracket = 0  # index after an open bracket (0: none; -1: just closed a quoted part)
    start, pending, index, n = 0, "", 0, len(path)

    def push(end: int) -> None:
        nonlocal pending, start
        out.append(pending + path[start:end])
        pending, start = "", end + 1

    while index < n:
        char = path[index]
        if char == "\\":
            pending += path[start:index]
            index += 1
            start = index
        elif char == quote:
            push(index)
            quote, bracket = None, -1
        elif quote:
            pass
        elif start == bracket and char in "\"'":
            start, quote = index + 1, char
        elif char == "." and not bracket:
            if index > start:
                push(index)
            else:
                start = index + 1
        elif char == "[":
            if index > start:
                push(index)
            bracket = start = index + 1
        elif char == "]" and bracket:
            if bracket > 0:
                push(index)
            bracket, start = 0, index + 1
        index += 1
    if index > start or pending:
        push(n)
    return out


def read_fields(transform: Mapping[str, Any]) -> Iterator[Read]:
    """Every field a transform reads from its input, with its key (expressions apart)."""
    def one(value: Any, *where: str | int) -> Iterator[Read]:
        if isinstance(value, str):
            yield value, where, True

    def each(values: Any, *where: str | int) -> Iterator[Read]:
        if isinstance(values, list):
            for index, value in enumerate(values):
                yield from one(value, *where, index)

    for key in ("aggregate", "joinaggregate", "window"):
        for index, item in enumerate(transform.get(key) or []):
            if isinstance(item, dict):
                yield from one(item.get("field"), key, index, "field")
    for key in ("groupby", "fold", "flatten"):
        yield from each(transform.get(key), key)
    for key in ("stack", "density", "quantile", "regression", "loess", "on", "impute", "key",
                "lookup", "extent", "pivot", "value"):
        if key == "value" and "pivot" not in transform:
            continue  # impute's `value` is the value it fills in, not a field
        yield from one(transform.get(key), key)
    if "bin" in transform or "timeUnit" in transform:
        yield from one(transform.get("field"), "field")
    for index, item in enumerate(transform.get("sort") or []):  # window, stack
        if isinstance(item, dict):
            yield from one(item.get("field"), "sort", index, "field")
    if isinstance(transform.get("filter"), dict):
        yield from predicate_fields(transform["filter"], ("filter",))


def predicate_fields(predicate: Mapping[str, Any], path: Path_) -> Iterator[Read]:
    """The fields a filter predicate tests, through `and`, `or` and `not`."""
    if isinstance(predicate.get("field"), str):
        yield predicate["field"], path + ("field",), True
    for key in ("and", "or"):
        for index, item in enumerate(predicate.get(key) or []):
            if isinstance(item, dict):
                yield from predicate_fields(item, path + (key, index))
    if isinstance(predicate.get("not"), dict):
        yield from predicate_fields(predicate["not"], path + ("not",))


def made_fields(transform: Mapping[str, Any], columns: Mapping[str, tuple[str, ...]]) -> Made:
    """The fields a transform adds to its input's. columns: the columns of each dataset a
    lookup may read (by name), so a lookup of a whole row knows what it copies."""
    made: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            made.add(value)
        elif isinstance(value, list):
            made.update(v for v in value if isinstance(v, str))

    given = transform.get("as")
    for key in ("aggregate", "joinaggregate", "window"):
        for item in transform.get(key) or []:
            if isinstance(item, dict):
                add(item.get("as"))  # required by the schema
    pairs = {"fold": ("key", "value"), "density": ("value", "density"),
             "quantile": ("prob", "value"),
             "regression": (transform.get("on"), transform.get("regression")),
             "loess": (transform.get("on"), transform.get("loess"))}
    for key, default in pairs.items():
        if key in transform:
            names = given if isinstance(given, list) else []
            add([names[i] if i < len(names) and names[i] else default[i] for i in (0, 1)])
    if "regression" in transform and transform.get("params"):
        made.update(("keys", "coef", "rSquared"))
    if "calculate" in transform:
        add(given)
    for key in ("bin", "timeUnit", "stack"):  # a single name is the start; the end is NAME_end
        if key in transform:
            add(given)
            if isinstance(given, str):
                made.add(given + "_end")
    if "flatten" in transform:
        add(given if isinstance(given, list) else transform["flatten"])
    if "lookup" in transform:
        return _lookup_made(transform, columns, made)
    if "pivot" in transform:
        add(transform.get("groupby"))
        return Made(frozenset(made), open=True)
    return Made(frozenset(made))


def _lookup_made(transform: Mapping[str, Any], columns: Mapping[str, tuple[str, ...]],
                 made: set[str]) -> Made:
    """A lookup adds its `as` names, else the secondary's `fields`, else the whole row."""
    given = transform.get("as")
    found = transform.get("from")
    source: dict[str, Any] = found if isinstance(found, dict) else {}
    fields = source.get("fields")
    if given is not None:
        made.update([given] if isinstance(given, str) else
                    [v for v in given if isinstance(v, str)] if isinstance(given, list) else [])
        return Made(frozenset(made))
    if isinstance(fields, list):
        made.update(v for v in fields if isinstance(v, str))
        return Made(frozenset(made))
    data = source.get("data")
    name = data.get("name") if isinstance(data, dict) else None
    if isinstance(name, str) and name in columns:
        return Made(frozenset(made | set(columns[name])))
    return Made(frozenset(made), open=True)

