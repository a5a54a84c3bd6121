"""What a chart's page ships: its Vega spec with the data evaluated, and the data files it names.

A chart is compiled to Vega with its datasets left out (vl-convert copies data through and
need not see a million rows), the rows are put back, and charts.evaluate runs the spec:
the page then carries only the rows the marks draw. What is still needed whole -- a chart
that reads dates, whose data is shipped as it is -- names the dataset's one shared file,
`charts/data/NAME.HASH.json`, published once however many charts use it, never inlined per
chart; evaluated rows too large to sit in the page (INLINE_LIMIT) go to a content-hashed file
of their own. The same evaluation says which source rows each chart draws.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.charts.evaluate import evaluate
from sitegen.charts.specs import ROOT_TOKEN
from sitegen.inputs import Dataset

INLINE_LIMIT = 32_000
"""Bytes of JSON rows a page holds inline; larger data goes to a content-hashed file."""


@dataclass(frozen=True)
class Shipped:
    """A chart's page-ready Vega spec, the files it names, and the rows it draws."""

    vega_json: str
    files: tuple[tuple[str, bytes], ...]
    drawn: Mapping[str, tuple[int, ...]]
    """Dataset name -> indexes of the dataset's rows the chart draws (sitegen datasets only)."""
    exact: bool
    reduced: bool


def ship(vega: dict[str, Any], values: Mapping[str, list[Any]],
         used: Sequence[tuple[Dataset, Any]]) -> Shipped:
    """Evaluate a compiled chart (its rows filled) and lay out what its page needs."""
    datasets = {ds.name: ds for ds, _ in used}
    inline = {str(entry.get("name")): entry["values"] for entry in vega.get("data") or []
              if isinstance(entry, dict) and isinstance(entry.get("values"), list)}
    values = {**inline, **values}  # a chart module's `data: {values}` is a source too
    sources = {name: len(rows) for name, rows in values.items()}
    evaluated = evaluate(vega, sources)
    drawn, exact = _dataset_rows(evaluated.drawn, values, datasets)
    exact = exact and evaluated.exact
    whole = set() if evaluated.reduced else {
        name for name in values if name in datasets and len(values[name]) == len(datasets[name])}
    spec, files = _externalise(evaluated.vega, whole)
    spec.pop("$schema", None)
    vega_json = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return Shipped(vega_json, tuple(sorted(files.items())), drawn, exact, evaluated.reduced)


def _dataset_rows(drawn: Mapping[str, tuple[int, ...]], values: Mapping[str, list[Any]],
                  datasets: Mapping[str, Dataset],
                  ) -> tuple[dict[str, tuple[int, ...]], bool]:
    """Drawn records -> rows of sitegen datasets: a dataset's own inline rows by position,
    a chart module's rows through their `id` (a row without a known id: not exact)."""
    found: dict[str, set[int]] = {name: set() for name in datasets}
    exact = True
    by_id: dict[str, tuple[str, int]] = {}
    for name, dataset in datasets.items():
        for index, row in enumerate(dataset.rows):
            key = row.values.get("id")
            if key is not None:
                by_id.setdefault(str(key), (name, index))
    for source, indexes in drawn.items():
        if source in datasets and len(values[source]) == len(datasets[source]):
            found[source].update(indexes)
            continue
        for index in indexes:
            record = values[source][index]
            key = record.get("id") if isinstance(record, dict) else None
            if key is not None and str(key) in by_id:
                name, position = by_id[str(key)]
                found[name].add(position)
            else:
                exact = False
    if not exact:  # some drawn rows are not sitegen rows we can name: every row it read
        found = {name: set(range(len(ds))) for name, ds in datasets.items()}
    return {name: tuple(sorted(rows)) for name, rows in found.items()}, exact


def data_file(name: str, rows: Any) -> tuple[str, bytes]:
    """A content-hashed JSON file of rows: `charts/data/NAME.HASH.json`."""
    content = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "data"
    digest = hashlib.sha256(content).hexdigest()[:10]
    return f"charts/data/{safe}.{digest}.json", content


def _externalise(vega: dict[str, Any], whole: set[str],
                 ) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Whole datasets and large rows out of the spec, into files the spec names by URL."""
    files: dict[str, bytes] = {}

    def visit(node: dict[str, Any]) -> None:
        for entry in node.get("data") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
                continue
            path, content = data_file(str(entry.get("name")), entry["values"])
            if entry.get("name") in whole or len(content) > INLINE_LIMIT:
                files[path] = content
                del entry["values"]
                entry["url"] = ROOT_TOKEN + path
                entry["format"] = {**(entry.get("format") or {}), "type": "json"}
        for mark in node.get("marks") or []:
            if isinstance(mark, dict) and mark.get("type") == "group":
                visit(mark)
    visit(vega)
    return vega, files
