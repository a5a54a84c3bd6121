"""Charts in a real Chromium: built with the real command line, served on 127.0.0.1.

Every figure.chart gets a vega-embed SVG; nothing logs an error; no request leaves
127.0.0.1; without JavaScript (and in print) the static SVGs show; a theme switch re-themes
the charts; a site built for a subpath works there; the bundle loads only when a chart nears.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_sitegen, write_files

pytestmark = pytest.mark.browser
WAIT_MS = 20_000

SHIPMENTS = """\
id,group,period,value,source_title,source_url
n1,nvidia,2024-Q1,1.5,Nvidia 10-K,https://example.com/10k
n2,nvidia,2024-Q2,2.5,Nvidia 10-K,https://example.com/10k
a1,amd,2024-Q1,0.5,Analyst note,https://example.com/note
a2,amd,2024-Q2,0.9,Analyst note,https://example.com/note
"""
PRICES = "id,day,price\np1,2025-05-01,10\np2,2025-05-02,12\np3,2025-05-05,9\n"
MODULE = """\
import altair as alt


def chart(data):
    rows = list(data["shipments"])
    pick = alt.selection_point(fields=["group"], bind="legend")
    brush = alt.selection_interval(encodings=["x"])
    bars = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x="period:O", y="sum(value):Q", color="group:N",
        opacity=alt.condition(pick, alt.value(1), alt.value(0.3)),
        tooltip=["group:N", "value:Q"],
    ).add_params(pick)
    points = alt.Chart(alt.Data(values=rows)).mark_point().encode(
        x="value:Q", y="group:N").add_params(brush)
    return alt.hconcat(bars, points).properties(title="By group")
"""
BAR = """\
```chart
data: shipments
description: Sales by quarter; Nvidia rose from 1.5 to 2.5.
kind: reported
title: Sales by quarter
mark: bar
encoding:
  x: period:O
  y: value
  color: group
  tooltip: [period, group, value]
```
"""
PAGES = {
    "content/index.md": "---\ntitle: Charts\n---\n# Charts\n\n" + BAR
    + "\n```chart\npython: by_group\ndescription: Sales by group.\nkind: mixed\n```\n",
    "content/guide/deep.md": "---\ntitle: Deep\n---\n# Deep\n\n"
    + "\n".join(f"Paragraph {i} of text before the charts." + "\n" for i in range(60))
    + "\n```chart\ndata: prices\ndescription: Price by day.\nkind: estimate\nmark: line\n"
      "encoding:\n  x: day\n  y: price\n```\n\n"
      "```chart\ndata: {url: content/data/extra/points.csv}\ndescription: Points.\nkind: claim\n"
      "mark: point\nencoding:\n  x: x:Q\n  y: y:Q\n```\n",
    "content/data/shipments.csv": SHIPMENTS,
    "content/data/prices.csv": PRICES,
    "content/data/extra/points.csv": "x,y\n1,2\n3,4\n5,3\n",
    "content/charts/by_group.py": MODULE,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built twice: at the root (served/) and for a subpath (served/sub/)."""
    root = write_files(tmp_path_factory.mktemp("chart-site"), PAGES)
    served = root.parent / (root.name + "-served")
    for out, extra in ((served / "top", []), (served / "sub" / "sub", [
            "--base-url", "https://example.org/sub/"])):
        result = run_sitegen("build", "--out", str(out), *extra, cwd=root, timeout=300)
        assert result.returncode == 0, result.stderr
    return served


def watch_console(page) -> list[str]:
    """Console errors and page errors (a missing favicon, which the browser asks for, aside)."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error"
            and not m.location.get("url", "").endswith("favicon.ico") and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def embed_all(page) -> int:
    """Scroll each figure into view and wait until every one has an interactive chart."""
    count = page.locator("figure.chart").count()
    for index in range(count):
        figure = page.locator("figure.chart").nth(index)
        figure.scroll_into_view_if_needed()
        figure.locator(".vega-embed :is(svg, canvas)").first.wait_for(
            timeout=WAIT_MS)
    return count


def test_every_chart_gets_an_interactive_svg_with_no_errors_and_no_outside_request(
        built, serve_dir, browser_page):
    url = serve_dir(built / "top")
    page = browser_page.page
    errors = watch_console(page)
    for path, expected in (("", 2), ("guide/deep/", 2)):
        page.goto(url + path)
        assert embed_all(page) == expected
        assert page.locator("figure.chart.chart-live").count() == expected
        assert page.locator("figure.chart .chart-static:visible").count() == 0
    assert errors == []
    assert browser_page.external_requests() == []
    assert any("/charts/vega." in u for u in browser_page.requests)


def test_tooltips_and_selections_work(built, serve_dir, browser_page):
    page = browser_page.page
    errors = watch_console(page)
    page.goto(serve_dir(built / "top"))
    embed_all(page)
    bar = page.locator("#chart-1 .chart-interactive path[aria-roledescription='bar']").first
    bar.hover()
    page.locator("#vg-tooltip-element.visible").wait_for(timeout=WAIT_MS)
    assert "value" in page.inner_text("#vg-tooltip-element")
    legend = page.locator("#chart-2 .chart-interactive .role-legend-symbol path").first
    legend.click()
    assert errors == []


def test_the_bundle_loads_only_when_a_chart_nears_the_viewport(built, serve_dir, browser_page):
    page = browser_page.page
    page.set_viewport_size({"width": 900, "height": 600})
    page.goto(serve_dir(built / "top") + "guide/deep/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert not any("/charts/vega." in u for u in browser_page.requests)
    assert page.locator("figure.chart.chart-live").count() == 0
    embed_all(page)
    assert any("/charts/vega." in u for u in browser_page.requests)


def test_without_javascript_the_static_svgs_show(built, serve_dir, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(serve_dir(built / "top"))
    statics = page.locator("figure.chart .chart-static svg")
    assert statics.count() == 2
    for index in range(2):
        svg = statics.nth(index)
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50
        assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label")
    assert page.locator("figure.chart .chart-interactive:visible").count() == 0
    context.close()


def test_print_shows_the_static_svgs(built, serve_dir, browser_page):
    page = browser_page.page
    page.goto(serve_dir(built / "top"))
    embed_all(page)
    page.emulate_media(media="print")
    assert page.locator("figure.chart .chart-static svg:visible").count() == 2
    assert page.locator("figure.chart .chart-interactive:visible").count() == 0


def colour(page, selector: str) -> str:
    return page.eval_on_selector(selector, "n => getComputedStyle(n).fill")


def test_a_dark_mode_switch_rethemes_the_charts_live(built, serve_dir, chromium):
    context = chromium.new_context(color_scheme="light")
    page = context.new_page()
    errors = watch_console(page)
    page.goto(serve_dir(built / "top"))
    embed_all(page)
    label = "#chart-1 .chart-interactive .role-axis-label text"
    light = colour(page, label)
    assert page.locator(".chart-interactive[data-chart-theme=light]").count() == 2
    page.emulate_media(color_scheme="dark")  # the reader's preference changes
    page.wait_for_function(
        "document.querySelectorAll('.chart-interactive[data-chart-theme=dark]').length === 2",
        timeout=WAIT_MS)
    dark = colour(page, label)
    assert light != dark
    page.evaluate("""() => {
        document.documentElement.setAttribute('data-theme', 'light');
        document.dispatchEvent(new CustomEvent('sitegen:themechange',
                                               {detail: {theme: 'light'}}));
    }""")
    page.wait_for_function(
        "document.querySelectorAll('.chart-interactive[data-chart-theme=light]').length === 2",
        timeout=WAIT_MS)
    assert colour(page, label) == light
    assert page.locator("figure.chart .chart-interactive").count() == 2  # swapped, not stacked
    assert errors == []
    context.close()


def test_the_static_svg_takes_the_page_text_colour_in_dark_mode(built, serve_dir, chromium):
    colours = {}
    for scheme in ("light", "dark"):
        context = chromium.new_context(color_scheme=scheme, java_script_enabled=False)
        page = context.new_page()
        page.goto(serve_dir(built / "top"))
        text = "#chart-1 .chart-static .role-axis-label text"
        colours[scheme] = (colour(page, text),
                           page.eval_on_selector(text, "n => getComputedStyle(n).color"))
        context.close()
    assert colours["light"][0] == colours["light"][1]
    assert colours["dark"][0] == colours["dark"][1]
    assert colours["light"][0] != colours["dark"][0]


def test_a_site_built_for_a_subpath_renders_its_charts_there(built, serve_dir, browser_page):
    url = serve_dir(built / "sub") + "sub/"
    page = browser_page.page
    errors = watch_console(page)
    for path in ("", "guide/deep/"):
        page.goto(url + path)
        embed_all(page)
    assert errors == [] and browser_page.external_requests() == []
    assert all(u.startswith(url) for u in browser_page.requests if "/charts/" in u)
    points = [u for u in browser_page.requests if "/charts/files/points." in u]
    assert points and points[0].startswith(url + "charts/files/")
    href = page.locator("#chart-1 a.chart-download").first.get_attribute("href")
    assert href.startswith("../../charts/")
    response = page.request.get(url + "guide/deep/" + href)
    assert response.status == 200 and response.text().startswith("id,day,price")


def test_a_replaced_figure_is_embedded_again_through_the_live_reload_hook(
        built, serve_dir, browser_page):
    page = browser_page.page
    errors = watch_console(page)
    page.goto(serve_dir(built / "top"))
    embed_all(page)
    page.evaluate("""() => {
        const old = document.querySelector('#chart-1');
        const fresh = old.cloneNode(true);
        fresh.classList.remove('chart-live', 'is-interactive');
        fresh.querySelector('.chart-interactive').replaceChildren();
        old.replaceWith(fresh);
        window.sitegen.charts.embed(fresh);
    }""")
    page.wait_for_function("document.querySelector('#chart-1.chart-live .vega-embed svg')",
                           timeout=WAIT_MS)
    assert errors == []


def test_the_built_site_is_the_same_twice(built, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(built / "top", again)
    root = built.parent / built.name.removesuffix("-served")
    result = run_sitegen("build", "--out", str(again), cwd=root, timeout=300)
    assert result.returncode == 0, result.stderr
    first = {p.relative_to(built / "top"): p.read_bytes()
             for p in sorted((built / "top").rglob("*")) if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in sorted(again.rglob("*"))
              if p.is_file()}
    assert first == second
