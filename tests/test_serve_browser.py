"""Live reload in a real Chromium: edits appear by themselves, the error overlay comes and goes,
stylesheets swap without a reload, the scroll position survives a reload, only the changed
tab reloads, charts are re-embedded in place, and path traversal is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.serve import Server

pytestmark = pytest.mark.browser

WAIT_MS = 15_000
LONG = "\n\n".join(f"Paragraph {k} of filler text that makes the page tall." for k in range(200))
FILES = {
    "sitegen.toml": 'title = "Live"\n',
    "content/index.md": "---\ntitle: Home\n---\n\n# Home\n\nWelcome home.\n",
    "content/long.md": f"---\ntitle: Long\n---\n\n# Long\n\nTop text v1.\n\n{LONG}\n",
    "content/other.md": "---\ntitle: Other\n---\n\n# Other\n\nOther page.\n",
    "static/css/site.css": "body { background: rgb(255, 255, 255); }\n",
}
MARK = "window.__sitegenTestMark = 42"
HAS_MARK = "window.__sitegenTestMark === 42"


@pytest.fixture
def live(make_site: Callable[..., Path]) -> Iterator[Callable[..., tuple[Server, str]]]:
    servers: list[Server] = []

    def start(files: dict[str, str] = FILES) -> tuple[Server, str]:
        server = Server(make_site(files), port=0, log=lambda line: None)
        servers.append(server)
        url = server.start()
        assert server.site.wait_for(lambda s: s.builds_run >= 1, 120)  # a cold chart build is slow
        return server, url

    yield start
    for server in servers:
        server.stop()


def edit(server: Server, relative: str, text: str) -> None:
    path = server.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def connected(page: object, server: Server, count: int = 1) -> None:
    """Wait until the tab's event stream is open (the server counts its clients)."""
    page.wait_for_function("window.sitegen && window.sitegen.liveReload")  # type: ignore[attr-defined]
    assert server.site.wait_for(lambda s: s.client_count >= count, 15)


def test_an_edit_appears_without_a_manual_reload_and_keeps_the_scroll(live, browser_page) -> None:
    server, url = live()
    page = browser_page.page
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    page.goto(url + "long/")
    connected(page, server)
    page.evaluate("window.scrollTo(0, 1500)")
    page.wait_for_function("window.scrollY >= 1400")
    edit(server, "content/long.md",
         f"---\ntitle: Long\n---\n\n# Long\n\nTop text v2.\n\n{LONG}\n")
    page.wait_for_function("document.body && document.body.innerText.includes('Top text v2.')",
                           timeout=WAIT_MS)
    page.wait_for_function("window.scrollY >= 1400", timeout=WAIT_MS)
    # the theme has no favicon: Chromium's own /favicon.ico request 404s (not a page request)
    assert [e for e in browser_page.errors if "status of 404" not in e] == [] and failed == []
    assert browser_page.external_requests() == []


def test_only_the_tab_whose_page_changed_reloads(live, chromium) -> None:
    server, url = live()
    context = chromium.new_context()  # type: ignore[attr-defined]
    try:
        changed, untouched = context.new_page(), context.new_page()
        changed.goto(url + "other/")
        untouched.goto(url)
        connected(changed, server)
        connected(untouched, server, 2)
        changed.evaluate(MARK)
        untouched.evaluate(MARK)
        before = server.site.number
        edit(server, "content/other.md", "---\ntitle: Other\n---\n\n# Other\n\nEdited.\n")
        changed.wait_for_function("document.body.innerText.includes('Edited.')", timeout=WAIT_MS)
        assert not changed.evaluate(HAS_MARK)
        untouched.wait_for_function(f"window.sitegen.liveReload.build() > {before}",
                                    timeout=WAIT_MS)  # it heard the build ...
        assert untouched.evaluate(HAS_MARK)           # ... and stayed
    finally:
        context.close()


def test_the_error_overlay_appears_and_clears(live, browser_page) -> None:
    server, url = live({**FILES, "content/data/costs.csv": "id,value\nrun,5.5\n"})
    page = browser_page.page
    page.goto(url + "other/")
    connected(page, server)
    edit(server, "content/other.md",
         "---\ntitle: Other\n---\n\n# Other\n\nCost {{ nosuch.run.value }}.\n")
    overlay = page.locator("#sitegen-error-overlay")
    overlay.wait_for(timeout=WAIT_MS)
    text = overlay.inner_text()
    assert "content/other.md:7:" in text and "nosuch" in text
    assert "Other page." in page.inner_text("main")  # the last good page is still shown
    other = browser_page.page.context.new_page()     # a tab opened now shows it too
    other.goto(url)
    other.locator("#sitegen-error-overlay").wait_for(timeout=WAIT_MS)
    edit(server, "content/other.md",
         "---\ntitle: Other\n---\n\n# Other\n\nCost {{ costs.run.value }}.\n")
    page.wait_for_function("document.body.innerText.includes('Cost 5.5.')", timeout=WAIT_MS)
    assert page.locator("#sitegen-error-overlay").count() == 0
    other.locator("#sitegen-error-overlay").wait_for(state="detached", timeout=WAIT_MS)


def test_a_stylesheet_edit_swaps_without_a_reload(live, browser_page) -> None:
    server, url = live()
    page = browser_page.page
    page.goto(url + "other/")
    connected(page, server)
    page.evaluate(MARK)
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    edit(server, "static/css/site.css", "body { background: rgb(10, 20, 30); }\n")
    page.wait_for_function(f"{background} === 'rgb(10, 20, 30)'", timeout=WAIT_MS)
    assert page.evaluate(HAS_MARK)
    hrefs = page.eval_on_selector_all('link[rel="stylesheet"]', "ls => ls.map(l => l.href)")
    hrefs = [href for href in hrefs if "/pagefind/" not in href]  # the search box's own
    assert len(hrefs) == 1 and server.site.files.get(hrefs[0].split("/", 3)[3])


def test_a_chart_only_change_is_re_embedded_in_place(live, browser_page) -> None:
    embed = ("<script>window.sitegen = window.sitegen || {}; window.sitegen.charts = "
             "{embed: function (f) { f.setAttribute('data-embedded', 'yes'); }};</script>")
    page_md = ("---\ntitle: Chart\n---\n\n# Chart\n\nAbove.\n\n"
               '<figure class="chart"><p>Bars: {bars}</p></figure>\n\nBelow.\n')
    files = {**FILES, "content/chart.md": page_md.replace("{bars}", "3"),
             "templates/page.html": "{% extends 'base.html' %}{% block head %}" + embed
             + "{% endblock %}"}
    server, url = live(files)
    page = browser_page.page
    page.goto(url + "chart/")
    connected(page, server)
    page.evaluate(MARK)
    edit(server, "content/chart.md", page_md.replace("{bars}", "7"))
    page.wait_for_function("document.querySelector('figure.chart').innerText.includes('7')",
                           timeout=WAIT_MS)
    assert page.evaluate(HAS_MARK)
    assert page.get_attribute("figure.chart", "data-embedded") == "yes"


def test_path_traversal_is_refused_in_the_browser(live, browser_page, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    _, url = live()
    page = browser_page.page
    for path in ("%2e%2e/%2e%2e/secret.txt", "..%2f..%2fsecret.txt", "%2e%2e%5csecret.txt",
                 "..%5c..%5c..%5cetc/passwd"):
        response = page.goto(url + path)
        assert response is not None and response.status in (400, 404), path
        assert "TOPSECRET" not in page.content() and "root:x:" not in page.content()
    start = time.monotonic()
    response = page.request.get(url + "%2e%2e/%2e%2e/%2e%2e/etc/passwd")
    assert response.status in (400, 404) and "root:" not in response.text()
    assert time.monotonic() - start < 10


CHART_PAGE = """---
title: Sales
---

# Sales

Sales rose in the second quarter.

```chart
data: sales
description: Sales by quarter
caption: Sales grew.
kind: reported
mark: MARK
encoding:
  x: period:O
  y: value:Q
```

After the chart.
"""


def test_a_real_chart_spec_edit_re_embeds_only_that_chart(live, browser_page) -> None:
    pytest.importorskip("vl_convert")
    files = {**FILES, "content/data/sales.csv": "id,period,value\na,Q1,3\nb,Q2,5\n",
             "content/sales.md": CHART_PAGE.replace("MARK", "bar")}
    server, url = live(files)
    page = browser_page.page
    page.goto(url + "sales/")
    connected(page, server)
    page.wait_for_selector("figure.chart.chart-live", timeout=WAIT_MS)  # charts.js embedded it
    page.evaluate(MARK + "; document.querySelector('figure.chart').__old = true")
    edit(server, "content/sales.md", CHART_PAGE.replace("MARK", "line"))
    page.wait_for_function(
        "(() => { const f = document.querySelector('figure.chart'); return f && !f.__old && "
        "f.querySelector('script.chart-spec').textContent.includes('\"line\"') && "
        "f.classList.contains('chart-live'); })()", timeout=WAIT_MS)
    assert page.evaluate(HAS_MARK)  # no reload: the figure alone was replaced and embedded
    assert [e for e in browser_page.errors if "status of 404" not in e] == []
