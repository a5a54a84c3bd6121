"""The search box in a real Chromium: searching the explainer for a chip name finds the pages
and the charts that show it, under a subpath, with no request off 127.0.0.1, in light and
dark; `/` focuses the box; without JavaScript the box is hidden."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest
from conftest import REPO, PageWatch, run_sitegen

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms: generous for a loaded CI machine; tests wait for conditions, not time


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def sub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The explainer built for https://example.org/sub/ and served under /sub/ on 127.0.0.1."""
    www = tmp_path_factory.mktemp("search-browser")
    result = run_sitegen("build", "--quiet", "--base-url", "https://example.org/sub/",
                         "--out", str(www / "sub"), cwd=REPO, timeout=300)
    assert result.returncode == 0, f"sitegen build failed:\n{result.stdout}\n{result.stderr}"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sub/"
    server.shutdown()
    server.server_close()


def _open(chromium: object, url: str, **options: object) -> PageWatch:
    context = chromium.new_context(**options)  # type: ignore[attr-defined]
    # offline: anything not on 127.0.0.1 is refused (and recorded by the watch)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith("http://127.0.0.1") else route.abort())
    watch = PageWatch(context.new_page())
    watch.page.set_default_timeout(TIMEOUT)
    watch.page.goto(url, wait_until="load")
    return watch


def _search(watch: PageWatch, words: str) -> list[str]:
    page = watch.page
    page.wait_for_selector(".pagefind-ui__search-input")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.classList.contains('pagefind-ui__search-input')")
    page.keyboard.type(words)
    page.wait_for_selector(".pagefind-ui__result-link[href*='#chart-']")
    return page.eval_on_selector_all(".pagefind-ui__result-link",
                                     "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_searching_the_explainer_for_a_chip_finds_its_pages_and_charts(chromium, sub_url,
                                                                       scheme):
    watch = _open(chromium, sub_url + "costs/", color_scheme=scheme)
    try:
        page = watch.page
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        links = _search(watch, "H20")
        assert "/sub/shipments/" in links                    # the page
        assert "/sub/shipments/#chart-1" in links            # and the chart that shows it
        assert all(link.startswith("/sub/") for link in links)
        drawer, body = page.evaluate("""() => [
            getComputedStyle(document.querySelector('.pagefind-ui__drawer')).backgroundColor,
            getComputedStyle(document.body).backgroundColor]""")
        assert drawer == body  # the results follow the page's colour theme
        page.click(".pagefind-ui__result-link[href='/sub/shipments/#chart-1']")
        page.wait_for_url("**/sub/shipments/#chart-1")
        assert page.evaluate("document.getElementById('chart-1').tagName") == "FIGURE"
        assert watch.external_requests() == []
        assert watch.errors == []
    finally:
        watch.page.context.close()


def test_slash_does_not_steal_typing_in_a_text_field(chromium, sub_url):
    watch = _open(chromium, sub_url)
    try:
        page = watch.page
        page.wait_for_selector(".pagefind-ui__search-input")
        page.keyboard.press("/")
        page.keyboard.type("a/b")
        assert page.input_value(".pagefind-ui__search-input") == "a/b"
    finally:
        watch.page.context.close()


def test_without_javascript_the_box_is_hidden_and_the_page_reads(chromium, sub_url):
    watch = _open(chromium, sub_url + "shipments/", java_script_enabled=False)
    try:
        page = watch.page
        assert page.locator("#site-search").is_hidden()
        assert page.locator("h1").inner_text() == "Shipments"
        assert not any("/pagefind/" in url for url in watch.requests if url.endswith(".pf_index"))
    finally:
        watch.page.context.close()
