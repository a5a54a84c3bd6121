"""The explainer in a real Chromium: charts draw, nothing leaves 127.0.0.1, pages fit a phone,
the theme follows the reader and switches live, and axe-core finds no serious problems.

The repository's site is built once for the module and served by a real HTTP server on
127.0.0.1; one browser (the session's) opens a fresh context per test.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator

import pytest
from conftest import REPO, PageWatch, run_sitegen

pytestmark = pytest.mark.browser

PAGES = ["", "shipments/", "costs/", "delays/", "sources/"]
AXE = REPO / "tests" / ".npm" / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() == "true"
TIMEOUT = 15_000  # ms: generous for a loaded CI machine; tests wait for conditions, not time


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This repository's site, built once and served on 127.0.0.1; yields its base URL."""
    out = tmp_path_factory.mktemp("explainer-browser") / "site"
    result = run_sitegen("build", "--out", str(out), cwd=REPO, timeout=300)
    assert result.returncode == 0, f"sitegen build failed:\n{result.stdout}\n{result.stderr}"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def open_page(chromium: object, url: str, **context_options: object) -> PageWatch:
    context = chromium.new_context(**context_options)  # type: ignore[attr-defined]
    watch = PageWatch(context.new_page())
    watch.page.set_default_timeout(TIMEOUT)
    watch.page.goto(url, wait_until="load")
    return watch


@pytest.fixture
def pages(chromium: object) -> Iterator[object]:
    """open(url, **context options) -> a watched page; every context is closed afterwards."""
    opened: list[PageWatch] = []

    def open_(url: str, **options: object) -> PageWatch:
        watch = open_page(chromium, url, **options)
        opened.append(watch)
        return watch

    yield open_
    for watch in opened:
        watch.page.context.close()


def draw_all_charts(watch: PageWatch) -> int:
    """Scroll each chart into view (they draw when near the viewport) and wait until every one
    holds a vega-embed SVG or canvas. Returns the number of charts."""
    page = watch.page
    figures = page.locator("figure.chart")
    count = figures.count()
    for index in range(count):
        figure = figures.nth(index)
        figure.scroll_into_view_if_needed()
        figure.locator(".vega-embed svg, .vega-embed canvas").first.wait_for(state="visible")
    page.evaluate("window.scrollTo(0, 0)")
    return count


@pytest.mark.parametrize("path", PAGES)
def test_every_chart_draws_with_no_console_error_and_no_external_request(
    pages: object, base_url: str, path: str
) -> None:
    watch = pages(base_url + path)  # type: ignore[operator]
    count = draw_all_charts(watch)
    if path != "sources/":
        assert count >= 1, f"{path or 'home'}: expected charts"
    live = watch.page.locator("figure.chart.chart-live").count()
    assert live == count
    # The static SVG gives way to the interactive chart once it is drawn.
    hidden = watch.page.evaluate(
        "[...document.querySelectorAll('figure.chart .chart-static')]"
        ".every(e => getComputedStyle(e).display === 'none')")
    assert hidden
    assert watch.errors == []
    assert watch.external_requests() == []


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_375_px_screen(pages: object, base_url: str, path: str) -> None:
    watch = pages(base_url + path, viewport={"width": 375, "height": 740},  # type: ignore[operator]
                  device_scale_factor=2, is_mobile=True, has_touch=True)
    draw_all_charts(watch)
    widths = watch.page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " window.innerWidth]")
    assert widths[2] == 375, widths
    assert widths[0] <= 375, f"{path or 'home'} scrolls sideways: {widths}"
    # The site's own navigation is reachable at this width.
    assert watch.page.locator(".site-nav").is_visible()
    assert watch.page.locator("[data-theme-toggle]").is_visible()
    assert watch.errors == []


def theme_state(watch: PageWatch) -> dict[str, object]:
    return watch.page.evaluate("""() => ({
        theme: document.documentElement.getAttribute('data-theme'),
        background: getComputedStyle(document.body).backgroundColor,
        charts: [...document.querySelectorAll('figure.chart .chart-interactive')]
            .map(e => e.getAttribute('data-chart-theme')),
    })""")


def is_dark(colour: str) -> bool:
    channels = [float(c) for c in colour[colour.index("(") + 1:-1].split(",")[:3]]
    return sum(channels) / 3 < 100


def test_theme_follows_the_readers_preference_and_switches_live(
    pages: object, base_url: str
) -> None:
    watch = pages(base_url + "costs/", color_scheme="dark")  # type: ignore[operator]
    page = watch.page
    charts = draw_all_charts(watch)
    state = theme_state(watch)
    assert state["theme"] == "dark" and is_dark(str(state["background"])), state
    assert state["charts"] == ["dark"] * charts

    # The system preference changes while the page is open: the page and its charts follow.
    page.evaluate("""() => { window.__themes = [];
        document.addEventListener('sitegen:themechange', e => window.__themes.push(e.detail.theme)); }""")
    page.emulate_media(color_scheme="light")
    page.wait_for_function("document.documentElement.getAttribute('data-theme') === 'light'")
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart .chart-interactive')]"
        ".every(e => e.getAttribute('data-chart-theme') === 'light')")
    state = theme_state(watch)
    assert not is_dark(str(state["background"])), state
    assert len(state["charts"]) == charts  # old views were replaced, not added to

    # The toggle overrides the system and is remembered.
    page.locator("[data-theme-toggle]").click()
    page.wait_for_function("document.documentElement.getAttribute('data-theme') === 'dark'")
    page.wait_for_function(
        "[...document.querySelectorAll('figure.chart .chart-interactive')]"
        ".every(e => e.getAttribute('data-chart-theme') === 'dark')")
    assert page.evaluate("window.__themes") == ["light", "dark"]
    assert page.evaluate("localStorage.getItem('sitegen-theme')") == "dark"
    page.reload(wait_until="load")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == "dark"
    assert watch.errors == []
    assert watch.external_requests() == []


def test_print_shows_the_static_charts_and_hides_the_controls(pages: object, base_url: str) -> None:
    watch = pages(base_url + "costs/")  # type: ignore[operator]
    draw_all_charts(watch)
    watch.page.emulate_media(media="print")
    shown = watch.page.evaluate("""() => ({
        static: [...document.querySelectorAll('figure.chart .chart-static')]
            .every(e => getComputedStyle(e).display !== 'none'),
        interactive: [...document.querySelectorAll('figure.chart .chart-interactive')]
            .every(e => getComputedStyle(e).display === 'none'),
        toggle: getComputedStyle(document.querySelector('[data-theme-toggle]')).display,
        background: getComputedStyle(document.body).backgroundColor,
    })""")
    assert shown["static"] and shown["interactive"], shown
    assert shown["toggle"] == "none", shown


def axe_source() -> str:
    if not AXE.is_file():
        message = f"axe-core is not installed: npm install --prefix tests/.npm axe-core@4 ({AXE})"
        if IN_CI:
            pytest.fail(message + "; CI=true requires it")
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violations(
    pages: object, base_url: str, path: str, scheme: str
) -> None:
    source = axe_source()
    watch = pages(base_url + path, color_scheme=scheme)  # type: ignore[operator]
    draw_all_charts(watch)
    watch.page.add_script_tag(content=source)
    result = watch.page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                            + (n.failureSummary || '').split('\\n').slice(0, 3).join(' '))}));
    }""")
    assert result == [], "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in result)
    assert watch.errors == []


@pytest.mark.parametrize("path", ["", "shipments/", "costs/", "delays/", "sources/"])
def test_a_values_card_names_its_reference_and_axe_finds_nothing_serious_with_it_open(
    pages: object, base_url: str, path: str
) -> None:
    watch = pages(base_url + path)  # type: ignore[operator]
    page = watch.page
    value = page.locator(".prose a.value-link").first
    value.scroll_into_view_if_needed()
    value.focus()
    card = page.locator(".value-card")
    card.wait_for(state="visible")
    reference = page.locator("#" + str(value.get_attribute("href")).split("#")[1])
    title = reference.locator("a").first.inner_text()
    assert title and title in card.inner_text()
    assert card.locator("a", has_text=title).get_attribute("href") == \
        reference.locator("a").first.get_attribute("href")
    watch.page.add_script_tag(content=axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', '));
    }""")
    assert result == []
    page.keyboard.press("Escape")
    card.wait_for(state="detached")
    assert watch.errors == []


def test_each_charts_panel_opens_and_its_downloads_exist_with_the_drawn_rows(
    pages: object, base_url: str
) -> None:
    import csv
    import io
    import json

    watch = pages(base_url + "shipments/")  # type: ignore[operator]
    page = watch.page
    figures = page.locator("figure.chart")
    assert figures.count() >= 3
    for index in range(figures.count()):
        figure = figures.nth(index)
        panel = figure.locator("details.chart-panel")
        panel.locator("summary").click()
        links = panel.locator("a.chart-download")
        assert links.first.is_visible()
        got = {}
        for n in range(links.count()):
            href = links.nth(n).get_attribute("href")
            response = page.request.get(page.url.split("#")[0] + str(href))
            assert response.status == 200, href
            got[links.nth(n).inner_text()] = response.body()
        meta = json.loads(got["Metadata (JSON)"])
        assert meta["figure"] == figure.get_attribute("id")
        assert got["PNG"].startswith(b"\x89PNG")
        shown = next(v for k, v in got.items() if k.startswith("Download") and "CSV" in k)
        rows = list(csv.DictReader(io.StringIO(shown.decode())))
        [ids] = meta["rows"].values()
        assert [row["id"] for row in rows] == ids  # the CSV holds exactly the drawn rows
        titles = panel.locator(".chart-panel-sources li > a").all_inner_texts()
        assert titles == [s["title"] for s in meta["sources"] if s["url"].startswith("http")]
        assert panel.locator(".chart-permalink a").get_attribute("href") == \
            "#" + str(figure.get_attribute("id"))
    assert watch.errors == []
