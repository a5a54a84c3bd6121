"""The site's sources page is generated: every source the pages' values and charts use, each
row of it with links back to the pages and figures that show it."""

from __future__ import annotations

import re

from conftest import run_sitegen

DATA = (
    "id,value,kind,source_title,source_url,source_date\n"
    "a,3,reported,Report A,https://example.org/a,2025-01-02\n"
    "b,5,estimate,Report B,https://example.org/b,2025-02-03\n"
    "c,7,claim,Report C,https://example.org/c,2025-03-04\n"
)
CHART = """```chart
id: fig-c
data: d
mark: bar
kind: claim
description: One bar.
transform:
  - filter: "datum.id == 'c'"
encoding:
  x: {field: id, type: nominal}
  y: {field: value, type: quantitative}
```
"""


def test_the_sources_page_lists_every_used_row_with_links_back(make_site):
    root = make_site({
        "content/data/d.csv": DATA,
        "content/one.md": "---\ntitle: One\n---\nA is {{ d.a.value }}.\n\n" + CHART,
        "content/two/index.md": "---\ntitle: Two\n---\nA again {{ d.a.value }}.\n",
        "content/sources.md": "---\ntitle: Sources\ntemplate: sources.html\n---\nIntro text.\n",
    })
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    html = (root / "_site/sources/index.html").read_text()
    assert "<p>Intro text.</p>" in html  # the writer's own prose stays
    section = re.search(r'<section class="site-sources".*?</section>', html, re.S).group()
    items = re.findall(r'<li id="source-\d+">(.*?)</ul></li>', section, re.S)
    assert len(items) == 2  # Report B is used nowhere
    assert items[0].startswith('<a href="https://example.org/a">Report A</a>, 2025-01-02')
    assert '<code>d.a</code>: <a href="../one/">One</a>, <a href="../two/">Two</a>' in items[0]
    assert items[1].startswith('<a href="https://example.org/c">Report C</a>')
    assert '<code>d.c</code>: <a href="../one/#fig-c">One, Figure 1</a>' in items[1]
