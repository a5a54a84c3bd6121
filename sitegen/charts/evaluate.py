"""Charts evaluated at build time with VegaFusion: the rows a page ships, and the rows it draws.

A chart's Vega spec is run through VegaFusion's `pre_transform_spec` (Rust, in this process):
its filters, aggregates, bins and the rest are done at build time, so the page carries only
the rows its marks draw (a 1M-row histogram ships its bins), and interactivity is kept (data
a selection needs stays whole). A spec that reads dates is shipped as it is: VegaFusion would
fix "local" time to the build machine's zone, and the reader's browser may be in another.

The same evaluation, run on a copy of the spec whose source rows carry their number
(ROW_FIELD) and whose aggregates keep every row (`joinaggregate` in place of `aggregate`),
says which source rows the marks draw: exactly, through `||`, `oneOf`, `range`, layered and
faceted filters. What VegaFusion leaves undone (it lacks `inrange`, for one) Vega itself
finishes, through vl-convert's scenegraph, where each drawn item names its row. Where a
transform makes new rows from many (density, regression, pivot, ...), or where the
evaluation cannot run, the answer is the rows that reach that point, a superset, and `exact`
is False.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROW_FIELD = "__sitegen_row"
"""The source row's index, carried through the lineage evaluation only (never shipped)."""

ROW_MAKERS = frozenset({
    "density", "kde", "kde2d", "regression", "loess", "quantile", "pivot", "sequence",
    "contour", "isocontour", "heatmap", "voronoi", "treemap", "pack", "partition", "tree",
    "stratify", "force", "wordcloud", "label", "lookup", "window", "cross",
})
"""Transforms after which a row no longer stands for the source rows that reached it, or
(window, after an aggregate) whose result depends on how many rows there are."""

_DATES = re.compile(r'toDate|"timeunit"|datetime\(|utc\w*\(|time\(|"date"|"utc')


@dataclass(frozen=True)
class Evaluated:
    """A chart after build-time evaluation."""

    vega: dict[str, Any]
    """The spec the page ships (its data pre-transformed when `reduced`)."""
    reduced: bool
    drawn: Mapping[str, tuple[int, ...]]
    """Source data name -> indexes of the rows the marks draw, in source order."""
    exact: bool


def strip_data(spec: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The spec with its `datasets` emptied, and those rows by name."""
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return dict(spec), {}
    values = {name: rows for name, rows in datasets.items() if isinstance(rows, list)}
    return {**spec, "datasets": {name: [] for name in datasets}}, values


def fill_data(vega: dict[str, Any], values: Mapping[str, list[Any]]) -> dict[str, Any]:
    """Put the rows back into the compiled spec's data entries of those names."""
    for entry in vega.get("data") or []:
        if isinstance(entry, dict) and entry.get("name") in values and "values" in entry:
            entry["values"] = values[entry["name"]]
    return vega


def evaluate(vega: dict[str, Any], sources: Mapping[str, int]) -> Evaluated:
    """Evaluate a Vega spec whose source data entries (name -> row count) hold `values`."""
    drawn, exact = drawn_rows(vega, sources)
    shipped, reduced = vega, False
    if not reads_dates(vega):
        try:
            shipped, reduced = _pre_transform(vega, preserve_interactivity=True), True
        except Exception:  # noqa: BLE001 - VegaFusion's own errors: ship the spec as it is
            shipped, reduced = vega, False
    return Evaluated(shipped, reduced, drawn, exact)


def reads_dates(vega: Mapping[str, Any]) -> bool:
    """Whether the spec's data steps (not its values) parse or compute dates."""
    steps = [{k: v for k, v in entry.items() if k != "values"} for entry in _all_data(vega)]
    return bool(_DATES.search(json.dumps(steps, ensure_ascii=False)))


def pre_transformed(vega: dict[str, Any]) -> dict[str, Any]:
    """The spec with every step VegaFusion can do done (for a static image: interactivity
    need not survive); as it is when it reads dates or VegaFusion fails."""
    if reads_dates(vega):
        return vega
    try:
        return _pre_transform(vega, preserve_interactivity=False)
    except Exception:  # noqa: BLE001 - VegaFusion's own errors: Vega does every step
        return vega


def _pre_transform(vega: dict[str, Any], preserve_interactivity: bool) -> dict[str, Any]:
    import vegafusion as vf

    if any(isinstance(entry.get("url"), str) for entry in _all_data(vega)):
        raise RuntimeError("VegaFusion would fetch the data's URL; Vega alone draws it")
    hidden = copy.deepcopy(vega)
    _rename_channels(hidden.get("marks") or [], "", _HIDDEN)
    try:
        out, _warnings = vf.runtime.pre_transform_spec(
            hidden, local_tz="UTC", default_input_tz="UTC",
            preserve_interactivity=preserve_interactivity)
    except BaseException as exc:  # a Rust panic is a BaseException: one of VegaFusion's errors
        if type(exc).__name__ != "PanicException":
            raise
        raise RuntimeError(f"VegaFusion failed: {exc}") from None
    out = dict(out)
    _rename_channels(out.get("marks") or [], _HIDDEN, "")
    return out


_ARIA = ("description", "ariaRoleDescription", "aria")
_HIDDEN = "sitegen_"
"""VegaFusion drops the accessibility channels of marks (the accessible names of the drawn
items) and the columns only they read; under another name they pass through untouched."""


def _rename_channels(marks: Sequence[Any], old: str, new: str) -> None:
    for mark in marks:
        if not isinstance(mark, dict):
            continue
        for block in (mark.get("encode") or {}).values():
            if isinstance(block, dict):
                for channel in _ARIA:
                    if old + channel in block:
                        block[new + channel] = block.pop(old + channel)
        if mark.get("type") == "group":
            _rename_channels(mark.get("marks") or [], old, new)


def drawn_rows(vega: dict[str, Any], sources: Mapping[str, int],
               ) -> tuple[dict[str, tuple[int, ...]], bool]:
    """Which source rows the marks draw, and whether that answer is exact.

    VegaFusion evaluates the lineage spec first (fast, and it makes big data small); where a
    mark's data is left with steps it does not do, Vega itself (vl-convert's scenegraph)
    draws the rest and each drawn item names its row in its `description`.
    """
    if not sources:
        return {}, True
    everything = {name: tuple(range(count)) for name, count in sources.items()}
    spec, exact = _lineage_spec(vega, sources)
    try:
        out = _pre_transform(spec, preserve_interactivity=False)
    except Exception:  # noqa: BLE001 - VegaFusion cannot run it: Vega alone draws it
        out = spec
    numbers = _numbers_in_values(out)
    if numbers is None:
        numbers = _numbers_in_scenegraph(out)
    if numbers is None:
        return everything, False
    found: dict[str, set[int]] = {name: set() for name in sources}
    offsets = _offsets(sources)
    for number in numbers:
        for source, start in offsets.items():
            if start <= number < start + sources[source]:
                found[source].add(number - start)
    return {name: tuple(sorted(rows)) for name, rows in found.items()}, exact


def _numbers_in_values(out: Mapping[str, Any]) -> set[int] | None:
    """ROW_FIELD of every row in the marks' data, when VegaFusion evaluated all of it."""
    entries = {str(d.get("name")): d for d in _all_data(out)}
    numbers: set[int] = set()
    for name in _mark_data(out.get("marks") or []):
        entry = entries.get(name) or {}
        values = entry.get("values")
        if not isinstance(values, list) or entry.get("transform") or entry.get("source"):
            return None
        numbers.update(_row_number(r.get(ROW_FIELD)) for r in values if isinstance(r, dict))
    numbers.discard(-1)
    return numbers


def _numbers_in_scenegraph(spec: Mapping[str, Any]) -> set[int] | None:
    """ROW_FIELD of every item Vega draws, read from the items' descriptions."""
    import vl_convert as vlc

    spec = copy.deepcopy(dict(spec))
    for mark in _leaf_marks(spec.get("marks") or []):
        update = mark.setdefault("encode", {}).setdefault("update", {})
        update["description"] = {"signal": f"'' + datum[{json.dumps(ROW_FIELD)}]"}
    try:
        scene = vlc.vega_to_scenegraph(dict(spec), allowed_base_urls=[])  # fetch nothing
    except Exception:  # noqa: BLE001 - Vega cannot draw it either: the caller takes every row
        return None
    numbers: set[int] = set()
    stack: list[Any] = [scene]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("role") == "mark" and node.get("marktype") != "group":
                for item in node.get("items") or []:
                    text = item.get("description") if isinstance(item, dict) else None
                    if isinstance(text, str) and text.isdigit():
                        numbers.add(int(text))
            else:
                stack.extend(v for v in node.values() if isinstance(v, list | dict))
    return numbers


def _row_number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _lineage_spec(vega: dict[str, Any], sources: Mapping[str, int],
                  ) -> tuple[dict[str, Any], bool]:
    """A copy whose source rows carry ROW_FIELD, whose aggregates keep every row, cut where a
    transform makes new rows (then not exact), and whose marks all read ROW_FIELD (so
    VegaFusion's column pruning keeps it)."""
    spec = copy.deepcopy(vega)
    exact = True
    cut: set[str] = set()
    offsets = _offsets(sources)
    for entry in _all_data(spec):
        name = str(entry.get("name"))
        if name in sources and isinstance(entry.get("values"), list):
            start = offsets[name]
            entry["values"] = [{**row, ROW_FIELD: start + i} if isinstance(row, dict) else row
                               for i, row in enumerate(entry["values"])]
        parents = entry.get("source")
        parents = [parents] if isinstance(parents, str) else list(parents or [])
        if any(p in cut for p in parents):
            entry.pop("transform", None)
            cut.add(name)
            continue
        kept, aggregated = [], False
        for transform in entry.get("transform") or []:
            kind = transform.get("type") if isinstance(transform, dict) else None
            if kind == "aggregate":
                kept.append({k: v for k, v in transform.items()
                             if k in ("groupby", "fields", "ops", "as")} |
                            {"type": "joinaggregate"})
                aggregated = True
            elif kind == "project":
                kept.append({**transform, "fields": [*transform.get("fields", []), ROW_FIELD],
                             **({"as": [*transform["as"], ROW_FIELD]} if "as" in transform
                                else {})})
            elif kind in ROW_MAKERS and (kind != "window" or aggregated):
                exact = False
                cut.add(name)
                break
            else:
                kept.append(transform)
        if "transform" in entry:
            entry["transform"] = kept
    for mark in _leaf_marks(spec.get("marks") or []):
        mark.setdefault("encode", {}).setdefault("update", {})["sitegenRow"] = {
            "field": ROW_FIELD}
    return spec, exact


def _offsets(sources: Mapping[str, int]) -> dict[str, int]:
    """Each source's first ROW_FIELD number: one numbering across sources, so a mark that
    draws rows of two sources (a lookup, a layer) still tells them apart."""
    offsets, start = {}, 0
    for name, count in sources.items():
        offsets[name] = start
        start += count
    return offsets


def _all_data(spec: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every data entry: the spec's and those of group marks, at any depth."""
    for entry in spec.get("data") or []:
        if isinstance(entry, dict):
            yield entry
    for mark in spec.get("marks") or []:
        if isinstance(mark, dict) and mark.get("type") == "group":
            yield from _all_data(mark)


def _leaf_marks(marks: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for mark in marks:
        if not isinstance(mark, dict):
            continue
        if mark.get("type") == "group":
            yield from _leaf_marks(mark.get("marks") or [])
        elif isinstance(mark.get("from"), dict) and "data" in mark["from"]:
            yield mark


def _mark_data(marks: Sequence[Any], facets: Mapping[str, str] | None = None) -> set[str]:
    """Names of the data entries leaf marks draw from (a facet stands for its data)."""
    facets = dict(facets or {})
    names: set[str] = set()
    for mark in marks:
        if not isinstance(mark, dict):
            continue
        source: dict[str, Any] = mark["from"] if isinstance(mark.get("from"), dict) else {}
        if mark.get("type") == "group":
            facet = source.get("facet")
            inner = dict(facets)
            if isinstance(facet, dict) and isinstance(facet.get("name"), str):
                data = str(facet.get("data"))
                inner[facet["name"]] = facets.get(data, data)
            names |= _mark_data(mark.get("marks") or [], inner)
        elif isinstance(source.get("data"), str):
            names.add(facets.get(source["data"], source["data"]))
    return names
