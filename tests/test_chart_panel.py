"""A chart's panel in the built site: the sources (title, date, link, kind, note) of exactly
the rows it draws; downloads of the rows shown and the full dataset as CSV, the SVG, a PNG and
a metadata JSON that all exist and say the same; a "cite this figure" line and a permalink.
"""

from __future__ import annotations

import csv
import io
import json
import re

from conftest import run_sitegen

DATA = (
    "id,value,kind,source_title,source_url,source_date,note\n"
    "a,3,reported,Report A,https://example.org/a,2025-01-02,first note\n"
    "b,5,estimate,Report B,https://example.org/b,2025-02-03,\n"
    "c,7,claim,Report C,https://example.org/c,2025-03-04,third note\n"
    "d,9,reported,Report A,https://example.org/a,2025-01-02,fourth note\n"
)
CHART = """```chart
id: fig-kept
data: d
title: Kept rows
mark: bar
kind: mixed
description: Bars of the rows the filter keeps.
transform:
  - filter: "datum.id == 'c' || datum.id == 'd'"
encoding:
  x: {field: id, type: nominal}
  y: {field: value, type: quantitative}
```
"""


def built(make_site, base_url: str = "https://example.org/site/"):
    root = make_site({"content/data/d.csv": DATA,
                      "content/page.md": f"---\ntitle: Page\ndate: 2025-04-01\n---\n{CHART}",
                      "sitegen.toml": f'title = "Site"\nauthor = "A. Writer"\nbase_url = "{base_url}"\n'})
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "_site"


def panel_of(html: str) -> str:
    return re.search(r'<details class="chart-panel">.*?</details>', html, re.S).group()


def test_the_panel_lists_the_drawn_rows_sources_with_date_kind_and_notes(make_site):
    out = built(make_site)
    panel = panel_of((out / "page/index.html").read_text())
    items = re.findall(r"<li>(.*?)</li>", panel, re.S)
    assert len(items) == 2  # Report C and Report A: not Report B, which the filter drops
    assert items[0].startswith('<a href="https://example.org/c">Report C</a>, 2025-03-04')
    assert 'data-kind="claim">claim</span>' in items[0] and "third note" in items[0]
    assert items[1].startswith('<a href="https://example.org/a">Report A</a>, 2025-01-02')
    assert "fourth note" in items[1] and "first note" not in items[1]  # a is not drawn


def test_every_download_exists_and_the_csv_holds_exactly_the_drawn_rows(make_site):
    out = built(make_site)
    page = out / "page"
    panel = panel_of((page / "index.html").read_text())
    links = dict((label, href) for href, label in
                 re.findall(r'<a class="chart-download" href="([^"]+)" download>([^<]+)</a>',
                            panel))
    assert list(links) == ["Download the rows shown (CSV)", "The full dataset (CSV)", "SVG",
                           "PNG", "Metadata (JSON)"]
    files = {label: (page / href).resolve() for label, href in links.items()}
    shown = list(csv.DictReader(io.StringIO(files["Download the rows shown (CSV)"].read_text())))
    assert [row["id"] for row in shown] == ["c", "d"]
    full = list(csv.DictReader(io.StringIO(files["The full dataset (CSV)"].read_text())))
    assert [row["id"] for row in full] == ["a", "b", "c", "d"]
    svg = files["SVG"].read_text()
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg') and \
        'xmlns="http://www.w3.org/2000/svg"' in svg and "sitegen" not in svg
    assert files["PNG"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    meta = json.loads(files["Metadata (JSON)"].read_text())
    assert meta["title"] == "Kept rows" and meta["figure"] == "fig-kept"
    assert meta["description"] == "Bars of the rows the filter keeps."
    assert meta["rows"] == {"d": ["c", "d"]} and meta["rows_exact"] is True
    assert meta["datasets"] == {"d": "content/data/d.csv"}
    assert [s["title"] for s in meta["sources"]] == ["Report C", "Report A"]
    assert meta["sources"][1] == {"title": "Report A", "url": "https://example.org/a",
                                  "date": "2025-01-02", "kind": ["reported"],
                                  "notes": ["fourth note"]}
    assert set(meta["files"].values()) == {  # every download but the metadata itself
        str(files[label].relative_to(out)) for label in links if label != "Metadata (JSON)"}


def test_the_panel_cites_the_figure_and_links_to_it(make_site):
    panel = panel_of((built(make_site) / "page/index.html").read_text())
    assert ('<p class="chart-cite">Cite this figure: A. Writer (2025). Figure 1, “Kept rows”. '
            "In Page. Site. https://example.org/site/page/#fig-kept.</p>") in panel
    assert '<a href="#fig-kept">Permalink to this figure</a>' in panel
