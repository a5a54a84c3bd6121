"""A chart's panel, as Our World in Data's grapher has one: under the chart, its sources (title,
date, link, kind and the rows' notes) from the rows it draws, and its downloads -- the CSV of
the rows shown and of the full dataset, the SVG, a PNG, a metadata JSON (title, description,
sources, row ids, dataset files) -- a "cite this figure" line and a permalink.

The files are made once per rendered chart (its PNG is the chart's cached PNG, drawn once for
its exact inputs); the panel's HTML is placed for a page in `panel_html`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sitegen.inputs import Dataset, is_web_address


@dataclass(frozen=True)
class PanelSource:
    """One source of a chart's drawn rows: title, URL, date, kinds and distinct notes."""

    title: str
    url: str
    date: str
    kinds: tuple[str, ...]
    notes: tuple[str, ...]


def panel_sources(drawn: Iterable[tuple[Dataset, Sequence[int]]]) -> tuple[PanelSource, ...]:
    """The distinct sources of the drawn rows, in the rows' order, each with its rows'
    kinds and notes."""
    found: dict[tuple[str, str], tuple[str, dict[str, None], dict[str, None]]] = {}
    for dataset, indexes in drawn:
        for index in indexes:
            if index >= len(dataset.rows):
                continue
            values = dataset.rows[index].values
            title = _text(values.get("source_title") or values.get("source"))
            url = _text(values.get("source_url"))
            if not (title or url):
                continue
            _, kinds, notes = found.setdefault(
                (title, url), (_text(values.get("source_date")), {}, {}))
            if _text(values.get("kind")):
                kinds[_text(values.get("kind"))] = None
            if _text(values.get("note")):
                notes[_text(values.get("note"))] = None
    return tuple(PanelSource(title or url, url, date, tuple(kinds), tuple(notes))
                 for (title, url), (date, kinds, notes) in found.items())


def metadata(title: str, description: str, caption: str, kind: str | None, page: str,
             figure_id: str, sources: Sequence[PanelSource],
             rows: dict[str, tuple[str, ...]], exact: bool, datasets: dict[str, Dataset],
             files: dict[str, str]) -> bytes:
    """The chart's metadata JSON: what it shows, from which rows of which files."""
    document: dict[str, Any] = {
        "title": title, "description": description, "caption": caption, "kind": kind,
        "page": page, "figure": figure_id,
        "sources": [{"title": s.title, "url": s.url, "date": s.date, "kind": list(s.kinds),
                     "notes": list(s.notes)} for s in sources],
        "rows": {name: list(ids) for name, ids in rows.items()},
        "rows_exact": exact,
        "datasets": {name: ds.path for name, ds in sorted(datasets.items())},
        "files": files,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def svg_file(svg: str, figure_id: str, tokens: Mapping[str, str]) -> bytes | None:
    """The static SVG as a file of its own, tokens (the id, the site root) placed for where
    it is published (None when the static image is a raster)."""
    if not svg.startswith("<svg"):
        return None
    text = svg
    for token, value in tokens.items():
        text = text.replace(token, value)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode()


def panel_html(sources: Sequence[PanelSource], links: Sequence[tuple[str, str]],
               figure_id: str, cite: str) -> str:
    """The <details> panel: sources, downloads (label, URL relative to the page), the
    figure's citation and its permalink."""
    items = []
    for source in sources:
        title = html.escape(source.title)
        line = (f'<a href="{html.escape(source.url)}">{title}</a>'
                if is_web_address(source.url) else title)
        if source.date:
            line += f", {html.escape(source.date)}"
        line += "".join(f' <span class="chart-kind" data-kind="{html.escape(k.split()[0])}">'
                        f"{html.escape(k)}</span>" for k in source.kinds)
        if source.notes:
            line += ('<span class="chart-panel-note">'
                     + html.escape("; ".join(source.notes)) + "</span>")
        items.append(f"<li>{line}</li>")
    parts = ['<details class="chart-panel">', "<summary>Sources and downloads</summary>"]
    if items:
        parts.append('<ol class="chart-panel-sources">' + "".join(items) + "</ol>")
    parts.append('<p class="chart-panel-downloads">' + " ".join(
        f'<a class="chart-download" href="{html.escape(url)}" download>{html.escape(label)}</a>'
        for label, url in links) + "</p>")
    if cite:
        parts.append(f'<p class="chart-cite">Cite this figure: {html.escape(cite)}</p>')
    parts.append(f'<p class="chart-permalink"><a href="#{figure_id}">Permalink to this '
                 "figure</a></p>")
    parts.append("</details>")
    return "\n".join(parts)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()

