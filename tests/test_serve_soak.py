"""The dev server never stalls: hundreds of edits, errors and fixes, tabs opening and closing,
each awaited in a real Chromium; and a tab opened while a long first build runs reloads
when it is done (the stall of issue 16: such a tab showed "the first build failed" and
never reloaded).

The soak has its own overall deadline: every wait is bounded by what is left of it, and
running out fails the test with the step it was at, the server's log and the stacks of its
threads (it never hangs the suite). SITEGEN_SOAK_EDITS sizes it (CI: the default).
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sitegen.build import Builder, BuildOptions, BuildResult
from sitegen.serve import Server

pytestmark = pytest.mark.browser

EDITS = int(os.environ.get("SITEGEN_SOAK_EDITS", "150"))
OVERALL = 240.0  # seconds for the whole soak: generous, and a failure past it, not a hang
PAGES = ("index", "a", "b")
OVERLAY = "#sitegen-error-overlay"


def page_text(name: str, body: str) -> str:
    title = "Home" if name == "index" else name.upper()
    return f"---\ntitle: {title}\n---\n\n# {title}\n\n{body}\n\nWorth {{{{ n.x.value }}}}.\n"


SITE = {
    "sitegen.toml": 'title = "Soak"\n',
    "content/data/n.csv": "id,value\nx,7\n",
    **{f"content/{name}.md": page_text(name, "Start.") for name in PAGES},
}


def thread_stacks() -> str:
    """Every thread's stack in this process (the server runs here)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(f"--- {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                     for ident, frame in sys._current_frames().items())


class Soak:
    """A server, a browser context with some tabs, and the deadline every wait honours."""

    def __init__(self, server: Server, url: str, context: Any, lines: list[str]) -> None:
        self.server, self.url, self.context, self.lines = server, url, context, lines
        self.deadline = time.monotonic() + OVERALL
        self.tabs: list[tuple[Any, str]] = []  # (page, which page it shows)
        self.step = "start"

    def left(self) -> float:
        """Milliseconds left for the soak (at least 1: a wait past the end fails at once)."""
        return max(1.0, (self.deadline - time.monotonic()) * 1000)

    def open_tab(self, name: str) -> None:
        tab = self.context.new_page()
        tab.goto(self.url + ("" if name == "index" else f"{name}/"), timeout=self.left())
        self.tabs.append((tab, name))
        self.wait_connected(tab)

    def wait_connected(self, tab: Any) -> None:
        tab.wait_for_function("window.sitegen && window.sitegen.liveReload"
                              " && window.sitegen.liveReload.connected", timeout=self.left())

    def close_tab(self, index: int) -> None:
        tab, _ = self.tabs.pop(index)
        tab.close()

    def write(self, name: str, body: str) -> None:
        (self.server.root / "content" / f"{name}.md").write_text(page_text(name, body),
                                                                 encoding="utf-8")

    def shows(self, name: str, text: str) -> None:
        for tab, shown in self.tabs:
            if shown == name:
                tab.wait_for_function(
                    f"document.body && document.body.innerText.includes({text!r})",
                    timeout=self.left())

    def overlays(self, state: str) -> None:
        for tab, _ in self.tabs:
            tab.locator(OVERLAY).wait_for(state=state, timeout=self.left())


class SlowBuilder(Builder):
    """A Builder as slow as a big site's: the first build 3 s longer, later ones up to 0.2 s
    longer than they take (so requests often outwait them, as on a busy machine)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, BuildOptions(), persist_caches=False)
        self.delays = random.Random(6)
        self.first = True

    def build(self, sink: Any = None, changed: Any = None) -> BuildResult:
        time.sleep(3.0 if self.first else self.delays.uniform(0, 0.2))
        self.first = False
        return super().build(sink, changed)


@pytest.fixture
def soak(make_site: Callable[..., Path], chromium: Any) -> Iterator[Soak]:
    lines: list[str] = []
    site = make_site(SITE)
    # A request that waits for a build gives up almost at once: tabs are often handed the
    # last build (or the "still building" page) and must catch up by themselves.
    server = Server(site, port=0, log=lines.append, request_wait=0.05,
                    builder=SlowBuilder(site))
    context = chromium.new_context()
    try:
        yield Soak(server, server.start(), context, lines)
    finally:
        context.close()
        server.stop()


def test_hundreds_of_edits_errors_fixes_and_tabs_never_stall(soak: Soak) -> None:
    rng = random.Random(16)
    try:
        for name in PAGES:  # opened at once: the first build may not have finished
            soak.step = f"open a tab on {name}"
            soak.open_tab(name)
        for number in range(EDITS):
            name = rng.choice(PAGES)
            soak.step = f"edit {number} of {name}"
            soak.write(name, f"Mark {number}.")
            soak.shows(name, f"Mark {number}.")
            if number % 15 == 7:
                soak.step = f"error {number} in {name}"
                soak.write(name, "Broken {{ nosuch.x.value }}.")
                soak.overlays("visible")
                soak.step = f"fix {number} of {name}"
                soak.write(name, f"Fixed {number}.")
                soak.overlays("detached")
                soak.shows(name, f"Fixed {number}.")
            if number % 9 == 4:
                soak.step = f"tabs turn over at edit {number}"
                if len(soak.tabs) > 1:
                    soak.close_tab(rng.randrange(len(soak.tabs)))
                soak.open_tab(rng.choice(PAGES))
                if len(soak.tabs) > 3:
                    soak.close_tab(0)
    except Exception as error:  # a Playwright timeout or error: say where, and why
        pytest.fail(f"stalled at {soak.step} ({type(error).__name__}: {str(error)[:400]})\n"
                    f"server log (last lines): {soak.lines[-15:]}\n{thread_stacks()}")
    assert soak.server.site.error is None


class GatedBuilder(Builder):
    """A Builder whose first build waits for a gate: a first build that takes long."""

    def __init__(self, root: Path, gate: threading.Event) -> None:
        super().__init__(root, BuildOptions(), persist_caches=False)
        self.gate = gate

    def build(self, sink: Any = None, changed: Any = None) -> BuildResult:
        assert self.gate.wait(60), "the test never opened the gate"
        return super().build(sink, changed)


def test_a_tab_opened_during_a_first_build_longer_than_a_request_waits_reloads_when_done(
        make_site: Callable[..., Path], browser_page: Any) -> None:
    site = make_site(SITE)
    gate = threading.Event()
    server = Server(site, port=0, log=lambda line: None, request_wait=0.2,
                    builder=GatedBuilder(site, gate))
    try:
        url = server.start()
        page = browser_page.page
        page.goto(url + "a/")
        assert "still running" in page.inner_text("body")  # not "the first build failed"
        page.wait_for_function("window.sitegen && window.sitegen.liveReload.connected")
        gate.set()
        page.wait_for_function("document.body && document.body.innerText.includes('Start.')",
                               timeout=30_000)
        assert page.url == url + "a/"
    finally:
        gate.set()
        server.stop()
