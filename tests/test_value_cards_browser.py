"""A value's source at the number, in a real Chromium: its card opens on hover, on focus and
on a tap (touch emulated) and names its source; Escape closes it and keeps focus on the value;
Tab reaches the card's links; without JavaScript the value is a link to its reference; axe-core
finds nothing serious or critical with a card open, in light and dark.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, PageWatch, run_sitegen

pytestmark = pytest.mark.browser

AXE = REPO / "tests" / ".npm" / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT = 15_000  # ms: tests wait for conditions, not for time

DATA = (
    "id,value,unit,series,kind,source_title,source_url,source_date,derived_from\n"
    "a,2788000,GPU-hours,Total compute,claim,DeepSeek-V3 Technical Report,"
    "https://example.org/v3,2024-12-27,\n"
    "b,2,USD,Rental price,claim,DeepSeek-V3 Technical Report,https://example.org/v3,2024-12-27,\n"
    "c,5576000,USD,Run cost,claim (derived),Our arithmetic,https://example.org/sum,2025-01,a b\n"
)
PAGE = (
    "---\ntitle: Costs\n---\n"
    "The run took {{ d.a.value }} GPU-hours at ${{ d.b.value }} an hour.\n\n"
    "That is ${{ d.c.value | compact:3 }} in all, or {{ d.c.value | bare }} written plain.\n\n"
    + "Filler paragraph to scroll past.\n\n" * 3
)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import functools
    import http.server
    import threading

    root = tmp_path_factory.mktemp("value-cards")
    (root / "content" / "data").mkdir(parents=True)
    (root / "content" / "data" / "d.csv").write_text(DATA, encoding="utf-8")
    (root / "content" / "costs.md").write_text(PAGE, encoding="utf-8")
    (root / "content" / "index.md").write_text("# Home\n", encoding="utf-8")
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_Quiet, directory=str(root / "_site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/costs/"
    server.shutdown()
    server.server_close()


class _Quiet(__import__("http.server").server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def opened(chromium: object) -> Iterator[object]:
    contexts: list[object] = []

    def open_(url: str, **options: object) -> PageWatch:
        context = chromium.new_context(**options)  # type: ignore[attr-defined]
        contexts.append(context)
        watch = PageWatch(context.new_page())
        watch.page.set_default_timeout(TIMEOUT)
        watch.page.goto(url, wait_until="load")
        return watch

    yield open_
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


def card_text(page: object) -> str:
    card = page.locator(".value-card")  # type: ignore[attr-defined]
    card.wait_for(state="visible")
    assert card.count() == 1
    return str(card.inner_text())


def test_hover_opens_the_card_naming_the_source_and_moving_away_closes_it(
        opened: object, site_url: str) -> None:
    watch = opened(site_url)  # type: ignore[operator]
    page = watch.page
    value = page.locator("a.value-link").first
    value.hover()
    text = card_text(page)
    assert "DeepSeek-V3 Technical Report" in text and "2024-12-27" in text
    assert "claim: what a party says of itself" in text.lower()
    assert value.get_attribute("aria-expanded") == "true"
    link = page.locator(".value-card a", has_text="DeepSeek-V3 Technical Report")
    assert link.get_attribute("href") == "https://example.org/v3"
    page.mouse.move(0, 600)
    page.locator(".value-card").wait_for(state="detached")
    assert value.get_attribute("aria-expanded") == "false"
    assert watch.errors == []


def test_focus_opens_the_card_tab_reaches_its_links_and_escape_closes_it(
        opened: object, site_url: str) -> None:
    watch = opened(site_url)  # type: ignore[operator]
    page = watch.page
    page.locator("a.value-link").first.focus()
    assert "DeepSeek-V3 Technical Report" in card_text(page)
    page.keyboard.press("Tab")  # into the card, which follows the value
    assert page.evaluate("document.activeElement.closest('.value-card') !== null")
    assert page.evaluate("document.activeElement.href") == "https://example.org/v3"
    page.keyboard.press("Escape")
    page.locator(".value-card").wait_for(state="detached")
    assert page.evaluate("document.activeElement.matches('a.value-link')")
    # Focus moving on to the next value shows that value's card instead.
    page.keyboard.press("Tab")
    text = card_text(page)
    assert "DeepSeek-V3 Technical Report" in text
    page.keyboard.press("Escape")
    page.locator(".value-card").wait_for(state="detached")
    assert watch.errors == []


def test_a_tap_opens_the_card_of_a_derived_value_with_its_rows_and_a_second_tap_closes_it(
        opened: object, site_url: str) -> None:
    watch = opened(site_url, viewport={"width": 375, "height": 700},  # type: ignore[operator]
                   is_mobile=True, has_touch=True)
    page = watch.page
    derived = page.locator("a.value-link").nth(2)
    derived.tap()
    text = card_text(page)
    assert "Our arithmetic" in text and "2025-01" in text and "derived:" in text.lower()
    assert "Total compute: 2,788,000 GPU-hours" in text and "Rental price: 2 USD" in text
    assert page.url.endswith("/costs/")  # the tap opened the card, it did not follow the link
    box = page.locator(".value-card").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    derived.tap()
    page.locator(".value-card").wait_for(state="detached")
    derived.tap()
    card_text(page)
    page.locator("h1").first.tap()  # a tap elsewhere closes it too
    page.locator(".value-card").wait_for(state="detached")
    assert watch.errors == []


def test_without_javascript_a_value_is_a_link_to_its_reference(
        opened: object, site_url: str) -> None:
    watch = opened(site_url, java_script_enabled=False)  # type: ignore[operator]
    page = watch.page
    page.locator("a.value-link").first.click()
    assert page.url.endswith("#ref-1")
    assert "DeepSeek-V3 Technical Report" in page.locator("#ref-1").inner_text()
    assert not page.locator(".value-sources").is_visible()


def test_print_shows_reference_marks_and_no_card(opened: object, site_url: str) -> None:
    watch = opened(site_url)  # type: ignore[operator]
    page = watch.page
    page.emulate_media(media="print")
    marks = page.evaluate("""[...document.querySelectorAll('a.value-link')]
        .map(a => getComputedStyle(a, '::after').content)""")
    assert marks == ['"1"', '"1"', '"2"']
    assert page.evaluate("getComputedStyle(document.querySelector('a.value-link'), '::after')"
                         ".content") == '"1"'
    page.emulate_media(media="screen")
    assert page.evaluate("getComputedStyle(document.querySelector('a.value-link'), '::after')"
                         ".content") == "none"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_with_a_card_open(
        opened: object, site_url: str, scheme: str) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed: npm install --prefix tests/.npm axe-core@4 ({AXE})")
    watch = opened(site_url, color_scheme=scheme)  # type: ignore[operator]
    page = watch.page
    page.locator("a.value-link").nth(2).click()
    card_text(page)
    page.add_script_tag(content=Path(AXE).read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    assert found == []
    assert watch.errors == []
