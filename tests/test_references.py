"""Each page ends with its references: every source its numbers and charts used, once, in
the order a reader meets them; a chart cites only the rows it draws."""

from __future__ import annotations

import re

from conftest import run_sitegen

DATA = (
    "id,value,kind,source_title,source_url,source_date\n"
    "a,3,reported,Report A,https://example.org/a,2025-01-02\n"
    "b,5,estimate,Report B,https://example.org/b,2025-02-03\n"
    "c,7,claim,Report C,https://example.org/c,2025-03-04\n"
    "d,9,reported,Report A,https://example.org/a,2025-01-02\n"
)
CHART = """```chart
data: d
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


def references(make_site, body: str) -> list[str]:
    root = make_site({"content/data/d.csv": DATA,
                      "content/page.md": f"---\ntitle: Page\n---\n{body}"})
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    html = (root / "_site/page/index.html").read_text()
    section = re.search(r'<section class="page-references".*?</section>', html, re.S)
    if section is None:
        return []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li id=\"ref-\d+\">(.*?)</li>", section.group(), re.S)]


def test_values_and_charts_cite_their_rows_sources_once_in_reading_order(make_site):
    body = ("B is {{ d.b.value }}, A is {{ d.a.value }} and again {{ d.b.value }}.\n\n"
            + CHART)
    assert references(make_site, body) == [
        "Report B, 2025-02-03 (estimate)",
        "Report A, 2025-01-02 (reported)",
        "Report C, 2025-03-04 (claim)",
    ]


def test_a_chart_cites_only_the_rows_its_filter_keeps(make_site):
    assert references(make_site, CHART) == ["Report C, 2025-03-04 (claim)",
                                            "Report A, 2025-01-02 (reported)"]


def test_a_page_without_sourced_numbers_has_no_references(make_site):
    assert references(make_site, "Just words.\n") == []
