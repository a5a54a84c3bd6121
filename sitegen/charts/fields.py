"""Fields of a YAML chart: Altair shorthand expanded, types inferred, existence checked.

Walks a spec's views in order (layers, concats, facets, repeats), tracking which fields each
view's data offers -- its dataset's columns plus what its transforms make -- so that
`period:O` becomes a channel mapping, a field without a type gets the one its column's type
implies, and a field the data lacks is an error at its key naming the columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.charts.blocks import ChartBlock, Places
from sitegen.charts.schema import Path_, did_you_mean
from sitegen.charts.tables import datum_fields
from sitegen.errors import ChartError
from sitegen.inputs import Dataset

FIELD_TYPES = {"number": "quantitative", "date": "temporal", "string": "nominal",
               "boolean": "nominal"}


_CONTAINERS = ("layer", "hconcat", "vconcat", "concat")


_UNTYPED = {"x2", "y2", "xError", "xError2", "yError", "yError2", "theta2", "radius2",
            "latitude2", "longitude2"}
"""Secondary channels take a field but no type: it is the primary channel's."""


class FieldChecker:
    """Walks views in order: expands shorthand, infers types, checks fields exist."""

    def __init__(self, block: ChartBlock, places: Places, refs: Mapping[str, Dataset]) -> None:
        self.block = block
        self.places = places
        self.refs = refs

    def view(self, spec: dict[str, Any], path: Path_, scope: _Scope | None) -> None:
        """One view (unit, layer, concat, facet or repeat) with the fields its data offers."""
        data = spec.get("data")
        if isinstance(data, dict) and data.get("name") in self.refs:
            ds = self.refs[data["name"]]
            scope = _Scope(ds, set(ds.columns), closed=True)
        elif data is not None:
            scope = None
        elif scope is not None:
            scope = _Scope(scope.dataset, set(scope.fields), scope.closed)
        if scope is not None:
            for index, transform in enumerate(spec.get("transform") or []):
                if isinstance(transform, dict):
                    self.transform(transform, path + ("transform", index), scope)
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            self.encoding(encoding, path + ("encoding",), scope)
        facet = spec.get("facet")
        if isinstance(facet, dict) and scope is not None:
            self.channel(spec, "facet", path, scope)
            for name in ("row", "column"):
                if name in facet:
                    self.channel(facet, name, path + ("facet",), scope)
        for key in _CONTAINERS:
            children = spec.get(key)
            if isinstance(children, list):
                for index, child in enumerate(children):
                    if isinstance(child, dict):
                        self.view(child, path + (key, index), scope)
        inner = spec.get("spec")
        if isinstance(inner, dict):
            self.view(inner, path + ("spec",), scope)

    def encoding(self, encoding: dict[str, Any], path: Path_, scope: _Scope | None) -> None:
        for channel in list(encoding):
            value = encoding[channel]
            if isinstance(value, list):
                for index in range(len(value)):
                    self.channel(value, index, path + (channel,), scope)
            else:
                self.channel(encoding, channel, path, scope, typed=channel not in _UNTYPED)

    def channel(self, parent: Any, key: str | int, path: Path_, scope: _Scope | None,
                typed: bool = True) -> None:
        """Expand shorthand in place, then check and type the field."""
        here = path + (key,)
        value = parent[key]
        if isinstance(value, str):
            value = parent[key] = _parse_shorthand(value)
        if not isinstance(value, dict):
            return
        condition = value.get("condition")
        if isinstance(condition, dict):
            self.channel(value, "condition", here, scope, typed)
        field_name = value.get("field")
        if not isinstance(field_name, str) or scope is None:
            return
        self.field(field_name, here + ("field",), scope)
        inferable = typed and not any(k in value for k in ("type", "aggregate", "bin", "timeUnit"))
        if inferable and field_name in scope.dataset.column_types:
            value["type"] = FIELD_TYPES.get(scope.dataset.column_types[field_name], "nominal")

    def field(self, name: str, path: Path_, scope: _Scope) -> None:
        """A field the data lacks is an error naming it and listing the columns."""
        if not scope.closed or name in scope.fields or _top_field(name) in scope.fields:
            return
        columns = ", ".join(scope.dataset.columns)
        derived = sorted(scope.fields - set(scope.dataset.columns))
        extra = f"; computed by the transforms: {', '.join(derived)}" if derived else ""
        raise ChartError(
            f"field '{name}' is not in the dataset '{scope.dataset.name}' "
            f"(columns: {columns}{extra})",
            self.block.page, self.places.line(path), None,
            did_you_mean(name, scope.fields) or f"check {scope.dataset.path}",
        )

    def transform(self, transform: dict[str, Any], path: Path_, scope: _Scope) -> None:
        """Check the fields a transform reads, then add the ones it makes."""
        def check(value: Any, *where: str | int) -> None:
            if isinstance(value, str):
                self.field(value, path + where, scope)

        def check_all(values: Any, *where: str | int) -> None:
            if isinstance(values, list):
                for index, value in enumerate(values):
                    check(value, *where, index)

        for key in ("filter", "calculate"):
            if isinstance(transform.get(key), str):
                for name in datum_fields(transform[key]):
                    self.field(name, path + (key,), scope)
        if isinstance(transform.get("filter"), dict):
            check(transform["filter"].get("field"), "filter", "field")
        for key in ("aggregate", "joinaggregate", "window"):
            for index, item in enumerate(transform.get(key) or []):
                if isinstance(item, dict):
                    check(item.get("field"), key, index, "field")
        check_all(transform.get("groupby"), "groupby")
        check_all(transform.get("fold"), "fold")
        check_all(transform.get("flatten"), "flatten")
        for key in ("stack", "density", "quantile", "regression", "loess", "on", "impute",
                    "key", "lookup"):
            check(transform.get(key), key)
        if "bin" in transform or "timeUnit" in transform:
            check(transform.get("field"), "field")
        if "pivot" in transform:
            check(transform.get("pivot"), "pivot")
            check(transform.get("value"), "value")
            scope.closed = False
        if "lookup" in transform:
            source = transform.get("from") or {}
            if not isinstance(source.get("fields"), list) and "as" not in transform:
                scope.closed = False
        scope.fields.update(_made_fields(transform))


@dataclass
class _Scope:
    """The fields a view can use: its dataset's columns plus what transforms made so far."""

    dataset: Dataset
    fields: set[str]
    closed: bool = True
    """False once a transform (pivot, open lookup) makes fields we cannot name."""


def _top_field(name: str) -> str:
    """`a.b` reads field a's member b in Vega-Lite; `a\\.b` is the field 'a.b'."""
    return name.replace("\\.", "\0").split(".")[0].replace("\0", ".").split("[")[0]


def _made_fields(transform: Mapping[str, Any]) -> set[str]:
    """Names of the fields a transform adds (its `as`, with each transform's defaults)."""
    made: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            made.add(value)
        elif isinstance(value, list):
            made.update(v for v in value if isinstance(v, str))

    add(transform.get("as"))
    for key in ("aggregate", "joinaggregate", "window"):
        for item in transform.get(key) or []:
            if isinstance(item, dict):
                add(item.get("as"))
    defaults = {"fold": ["key", "value"], "density": ["value", "density"],
                "quantile": ["prob", "value"], "timeUnit": [], "bin": []}
    for key, names in defaults.items():
        if key in transform and "as" not in transform:
            made.update(names)
    if ("regression" in transform or "loess" in transform) and "as" not in transform:
        made.update(str(transform.get(k)) for k in ("on", "regression", "loess")
                    if transform.get(k))
    if "bin" in transform and isinstance(transform.get("as"), str):
        made.add(transform["as"] + "_end")
    if "stack" in transform and isinstance(transform.get("as"), list):
        add(transform["as"])
    if "lookup" in transform:
        source = transform.get("from") or {}
        add(source.get("fields"))
    if "pivot" in transform:
        add(transform.get("groupby"))
    return made


def _parse_shorthand(text: str) -> dict[str, Any]:
    """Altair shorthand (`period:O`, `sum(value):Q`, `count()`) as a channel mapping."""
    from altair.utils.core import parse_shorthand

    parsed = dict(parse_shorthand(text))
    if not parsed and text:
        return {"field": text}
    return parsed
