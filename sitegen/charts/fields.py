"""Fields of a YAML chart: Altair shorthand expanded and typed, existence checked.

Walks a spec's views in order (layers, concats, facets, repeats), tracking which fields each
view's data offers -- its dataset's columns plus what its transforms make (charts.transforms)
-- so that `period:O` becomes a channel mapping and a field the data lacks is an error at its
key naming the columns. A missing type follows the language the channel is written in: an
Altair shorthand string (`x: day`) gets the type Altair infers from the data's column; a
Vega-Lite field definition (`x: {field: day}`) is left to Vega-Lite's own default
(`default_type`: nominal but for a few cases), with a warning where that draws a column of
numbers or dates as categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.charts.blocks import ChartBlock, Places
from sitegen.charts.schema import Path_, did_you_mean, key_name
from sitegen.charts.tables import datum_fields
from sitegen.charts.transforms import made_fields, read_fields, top_field
from sitegen.errors import ChartError, Problem
from sitegen.inputs import Dataset

FIELD_TYPES = {"number": "quantitative", "date": "temporal", "string": "nominal",
               "boolean": "nominal"}


_CONTAINERS = ("layer", "hconcat", "vconcat", "concat")


_UNTYPED = {"x2", "y2", "xError", "xError2", "yError", "yError2", "theta2", "radius2",
            "latitude2", "longitude2"}
"""Secondary channels take a field but no type: it is the primary channel's."""

_WARNED = {"x", "y", "theta", "radius", "size"}
"""Channels where a number or date column drawn as nominal is rarely what was meant."""

_WORDS = {"number": "numbers", "date": "dates"}

_NUMERIC_SCALES = {"linear", "log", "pow", "sqrt", "symlog", "identity", "sequential",
                   "quantile", "quantize", "threshold"}


def default_type(definition: Mapping[str, Any], channel: str) -> str:
    """Vega-Lite's type for a field definition without one (`defaultType` in
    src/channeldef.ts): by channel, then sort list, timeUnit, bin or aggregate, scale type."""
    if channel in ("latitude", "longitude"):
        return "quantitative"
    if channel in ("row", "column", "facet", "shape", "strokeDash"):
        return "nominal"
    if channel == "order" or isinstance(definition.get("sort"), list):
        return "ordinal"
    if definition.get("timeUnit"):
        return "temporal"
    aggregate = definition.get("aggregate")
    if definition.get("bin") or (aggregate and not isinstance(aggregate, dict)):
        return "quantitative"  # an argmin/argmax aggregate (a mapping) keeps the default
    scale = definition.get("scale")
    scale_type = scale.get("type") if isinstance(scale, dict) else None
    if scale_type in _NUMERIC_SCALES:
        return "quantitative"
    if scale_type in ("time", "utc"):
        return "temporal"
    return "nominal"


class FieldChecker:
    """Walks views in order: expands shorthand, infers types, checks fields exist."""

    def __init__(self, block: ChartBlock, places: Places, refs: Mapping[str, Dataset]) -> None:
        self.block = block
        self.places = places
        self.refs = refs
        self.warnings: list[Problem] = []

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
        """Expand shorthand in place, then check the field and type it by its language's rule:
        Altair's for a shorthand string, Vega-Lite's (left to Vega-Lite) for a mapping."""
        here = path + (key,)
        value = parent[key]
        shorthand = isinstance(value, str)
        if shorthand:
            value = parent[key] = _parse_shorthand(value)
            if not typed:
                value.pop("type", None)  # Altair drops a secondary channel's type
        if not isinstance(value, dict):
            return
        condition = value.get("condition")
        if isinstance(condition, dict):
            self.channel(value, "condition", here, scope, typed)
        field_name = value.get("field")
        if not isinstance(field_name, str) or scope is None:
            return
        self.field(field_name, here + ("field",), scope)
        column = scope.dataset.column_types.get(field_name.replace("\\", ""))
        if not typed or "type" in value or column is None:
            return
        if shorthand:  # Altair: the type of the data's column of that name
            value["type"] = FIELD_TYPES.get(column, "nominal")
        elif column in ("number", "date") and isinstance(key, str) and key in _WARNED \
                and default_type(value, key) == "nominal":
            self.warnings.append(Problem(
                f"`{key_name(here)}` has no `type`, so Vega-Lite draws the field "
                f"'{field_name}' ({_WORDS[column]}) as nominal: one mark or band per value",
                self.block.page, self.places.line(here), None,
                f"add `type: {FIELD_TYPES[column]}`, or write `{key}: {field_name}` to have the "
                "type inferred from the data",
            ))

    def field(self, name: str, path: Path_, scope: _Scope, access_path: bool = True) -> None:
        """A field the data lacks is an error naming it and listing the columns."""
        column = top_field(name) if access_path else name
        if not scope.closed or name == "*" or column in scope.fields:
            return
        columns = ", ".join(scope.dataset.columns)
        derived = sorted(scope.fields - set(scope.dataset.columns))
        extra = f"; computed by the transforms: {', '.join(derived)}" if derived else ""
        raise ChartError(
            f"field '{name}' is not in the dataset '{scope.dataset.name}' "
            f"(columns: {columns}{extra})",
            self.block.page, self.places.line(path), None,
            did_you_mean(column, scope.fields - {column, name}) or f"check {scope.dataset.path}",
        )

    def transform(self, transform: dict[str, Any], path: Path_, scope: _Scope) -> None:
        """Check the fields a transform reads, then add the ones it makes."""
        for key in ("filter", "calculate"):
            if isinstance(transform.get(key), str):
                for name in datum_fields(transform[key]):
                    self.field(name, path + (key,), scope, access_path=False)
        for name, where, access_path in read_fields(transform):
            self.field(name, path + where, scope, access_path)
        if "lookup" in transform:
            self._lookup_source(transform, path)
        made = made_fields(transform, {n: ds.columns for n, ds in self.refs.items()})
        scope.fields.update(made.fields)
        if made.open:
            scope.closed = False

    def _lookup_source(self, transform: dict[str, Any], path: Path_) -> None:
        """A lookup's `key` and `fields` are the other dataset's: checked there when it is one
        of the site's."""
        source = transform.get("from")
        data = source.get("data") if isinstance(source, dict) else None
        if not isinstance(data, dict) or data.get("name") not in self.refs:
            return
        assert isinstance(source, dict)
        other = self.refs[data["name"]]
        scope = _Scope(other, set(other.columns))
        if isinstance(source.get("key"), str):
            self.field(source["key"], path + ("from", "key"), scope)
        for index, name in enumerate(source.get("fields") or []):
            if isinstance(name, str):
                self.field(name, path + ("from", "fields", index), scope)


@dataclass
class _Scope:
    """The fields a view can use: its dataset's columns plus what transforms made so far."""

    dataset: Dataset
    fields: set[str]
    closed: bool = True
    """False once a transform (pivot, open lookup) makes fields we cannot name."""


def _parse_shorthand(text: str) -> dict[str, Any]:
    """Altair shorthand (`period:O`, `sum(value):Q`, `count()`) as a channel mapping."""
    from altair.utils.core import parse_shorthand

    parsed = dict(parse_shorthand(text))
    if not parsed and text:
        return {"field": text}
    return parsed
