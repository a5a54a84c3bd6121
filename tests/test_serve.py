"""`sitegen serve`: a real server on 127.0.0.1, real files, a real watcher (watchdog).

The races each have a test (after mkdocs's livereload tests): a change during a build, recovery
from a build error, one rebuild per burst of saves. Every wait is on a condition with a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.build import Builder, BuildOptions
from sitegen.errors import SitegenError
from sitegen.serve import Server
from sitegen.serve.httpd import _site_path
from sitegen.serve.live import compare_builds
from sitegen.serve.watch import Changes, is_relevant

WAIT = 20.0

BASIC = {
    "sitegen.toml": 'title = "Live"\n',
    "content/index.md": "---\ntitle: Home\n---\n\n# Home\n\nWelcome home.\n",
    "content/about.md": "---\ntitle: About\n---\n\n# About\n\nFirst version.\n",
    "content/data/costs.csv": "id,value\nrun,5.5\n",
}


class Running:
    """A started Server, its log lines, and small helpers to talk to it."""

    def __init__(self, server: Server, lines: list[str]) -> None:
        self.server = server
        self.lines = lines
        self.host, self.port = server.httpd.server_address[:2]  # type: ignore[union-attr]

    @property
    def site(self):
        return self.server.site

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=WAIT)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read().decode("utf-8", "replace"))
        finally:
            conn.close()

    def wait_builds(self, count: int) -> None:
        assert self.site.wait_for(lambda s: s.builds_run >= count, WAIT), self.lines

    def wait_seen(self, count: int) -> None:
        deadline = time.monotonic() + WAIT
        while self.server.changes.seen < count:
            assert time.monotonic() < deadline, "the watcher never saw the change"
            time.sleep(0.005)

    def wait_line(self, start: str) -> list[str]:
        """The log lines starting with start, once there is one (a build is published, then
        logged: a request that waited for the build can return before its line is written)."""
        deadline = time.monotonic() + WAIT
        while not (found := [line for line in self.lines if line.startswith(start)]):
            assert time.monotonic() < deadline, f"no line starting {start!r}: {self.lines}"
            time.sleep(0.005)
        return found

    def wait_fresh(self) -> None:
        self.site.wait_fresh(WAIT)
        assert self.site.covered >= self.server.changes.seen

    def events(self) -> EventStream:
        return EventStream(self.host, self.port)


class EventStream:
    """A server-sent-events client on a thread; events land in a queue."""

    def __init__(self, host: str, port: int, query: str = "page=about/index.html&build=0") -> None:
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.sock = socket.create_connection((host, port), timeout=WAIT)
        self.sock.sendall(f"GET /__sitegen/events?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    name, data = "message", None
                    for line in block.decode().splitlines():
                        if line.startswith("event: "):
                            name = line[7:]
                        elif line.startswith("data: "):
                            data = json.loads(line[6:])
                    if data is not None:
                        self.events.put((name, data))
        except OSError:
            return

    def next(self, name: str) -> dict:
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {name} event"
            got, data = self.events.get(timeout=left)
            if got == name:
                return data

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def serve_site(make_site: Callable[..., Path]) -> Iterator[Callable[..., Running]]:
    started: list[Server] = []

    def start(files: dict[str, str] | None = None, root: Path | None = None,
              **kwargs: object) -> Running:
        site = root or make_site(files if files is not None else BASIC)
        lines: list[str] = []
        server = Server(site, port=0, log=lines.append, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        server.start()
        running = Running(server, lines)
        running.wait_builds(1)
        return running

    yield start
    for server in started:
        server.stop()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------- serving

def test_pages_are_served_from_memory_with_folder_urls_and_the_404_page(serve_site) -> None:
    live = serve_site({**BASIC, "_site/stale.html": "old output on disk"})
    status, headers, body = live.get("/")
    assert status == 200 and "Welcome home." in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert body.count('src="/__sitegen/livereload.js?v=') == 1
    assert body.index("/__sitegen/livereload.js") < body.rindex("</body>")
    status, headers, _ = live.get("/about")
    assert status == 301 and headers["location"] == "/about/"
    status, _, body = live.get("/about/")
    assert status == 200 and "First version." in body
    status, _, body = live.get("/about/index.html")
    assert status == 200 and "First version." in body
    status, _, body = live.get("/no/such/page/")
    assert status == 404 and "/__sitegen/livereload.js" in body
    assert live.get("/stale.html")[0] == 404  # the disk is never read
    status, headers, body = live.get("/__sitegen/livereload.js")
    assert status == 200 and "EventSource" in body
    css = next(p for p in live.site.files if p.startswith("css/site."))
    status, headers, body = live.get("/" + css)
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert "livereload" not in body


def test_build_output_never_carries_the_live_reload_script(make_site) -> None:
    site = make_site(BASIC)
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    for page in (site / "_site").rglob("*.html"):
        assert "__sitegen" not in page.read_text()


@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2E%2E%2F%2E%2E%2Fsecret.txt",
    "/about/..%5c..%5csecret.txt",
    "/..\\..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/%00/secret.txt",
    "/%ff%fe",
    "/content/about.md",
    "/sitegen.toml",
])
def test_path_traversal_is_refused(serve_site, path: str, tmp_path: Path) -> None:
    write(tmp_path / "secret.txt", "TOPSECRET")
    live = serve_site({**BASIC, "static/link.txt": "placeholder"})
    status, _, body = live.get(path)
    assert status in (400, 404)
    assert "TOPSECRET" not in body and "root:" not in body and "title = " not in body


def test_a_loopback_server_refuses_other_host_names(serve_site) -> None:
    live = serve_site()
    for host, allowed in (("127.0.0.1:8000", True), ("localhost", True), ("[::1]:80", True),
                          ("blog.localhost:1", True), ("evil.example:8000", False),
                          ("127.0.0.1.evil.example", False)):
        conn = http.client.HTTPConnection(live.host, live.port, timeout=WAIT)
        conn.putrequest("GET", "/about/", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        assert (response.status == 200) is allowed, host
        assert ("First version." in response.read().decode()) is allowed
        conn.close()


def test_site_path_normalises_and_refuses() -> None:
    assert _site_path("/") == "index.html"
    assert _site_path("/a/") == "a/index.html"
    assert _site_path("/a//b/./c.css") == "a/b/c.css"
    assert _site_path("/caf%C3%A9/") == "café/index.html"
    for bad in ("/..", "/a/../b", "/%2e%2e/x", "/a%2f..%2fb", "/a\\b", "/a%5cb", "/a%00"):
        assert _site_path(bad) is None, bad


# ---------------------------------------------------------------------- rebuilding

def test_an_edit_is_served_once_the_watcher_sees_it(serve_site) -> None:
    live = serve_site()
    seen = live.server.changes.seen
    write(live.server.root / "content/about.md", "---\ntitle: About\n---\n\nSecond version.\n")
    live.wait_seen(seen + 1)
    status, _, body = live.get("/about/")  # waits for the rebuild: never the old page
    assert status == 200 and "Second version." in body
    rebuilt = live.wait_line("rebuilt in ")
    # a slow machine may see the write as two saves: then the second rebuild changes nothing
    assert any("content/about.md changed, 1 page updated" in line for line in rebuilt), rebuilt


class GatedBuilder:
    """A real Builder whose builds, once finished, wait for the test to open a gate.

    The files are read before the gate: a change written while a build is held is one the
    build did not see, which is exactly the race to test.
    """

    def __init__(self, root: Path) -> None:
        self.real = Builder(root, BuildOptions())
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def build(self, changed=None):
        result = self.real.build(changed=changed)
        self.entered.set()
        assert self.gate.wait(WAIT)
        return result

    def warm_up(self) -> None:
        self.real.warm_up()

    def save_caches(self) -> None:
        self.real.save_caches()


def test_a_change_during_a_build_is_never_served_stale(serve_site, make_site) -> None:
    site = make_site(BASIC)
    builder = GatedBuilder(site)
    live = serve_site(root=site, builder=builder)
    builder.gate.clear()
    builder.entered.clear()
    page = site / "content/about.md"
    write(page, "---\ntitle: About\n---\n\nSecond version.\n")
    assert builder.entered.wait(WAIT)           # build 2 has read "Second" and is held
    answers: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: answers.put(live.get("/about/")[2]), daemon=True).start()
    seen = live.server.changes.seen
    write(page, "---\ntitle: About\n---\n\nThird version.\n")  # lands mid-build
    live.wait_seen(seen + 1)
    with pytest.raises(queue.Empty):
        answers.get(timeout=0.2)                 # the request waits while building
    builder.gate.set()                           # build 2 publishes; build 3 follows
    body = answers.get(timeout=WAIT)
    assert "Third version." in body and "Second version." not in body
    assert live.site.builds_run >= 3
    assert live.get("/about/")[2].count("Third version.") == 1


def test_a_burst_of_saves_is_one_rebuild(serve_site) -> None:
    live = serve_site(debounce=0.25)  # the default is 0.03 s; a loaded CI box may stall longer
    root = live.server.root
    before = live.site.builds_run
    seen = live.server.changes.seen
    for k in range(8):
        write(root / f"content/burst-{k}.md", f"# Burst {k}\n\nPage {k}.\n")
    # an editor's save: swap file, backup, temp file renamed over the page
    write(root / "content/.about.md.swp", "vim swap")
    write(root / "content/about.md~", "backup")
    write(root / "content/4913", "")
    write(root / "content/about.md.tmp", "---\ntitle: About\n---\n\nSaved atomically.\n")
    os.replace(root / "content/about.md.tmp", root / "content/about.md")
    live.wait_seen(seen + 1)
    live.wait_fresh()
    assert live.site.builds_run == before + 1, live.lines
    assert "Saved atomically." in live.get("/about/")[2]
    assert live.get("/burst-7/")[0] == 200
    line = live.wait_line("rebuilt in ")[-1]
    assert ".swp" not in line and "4913" not in line and "about.md~" not in line


def test_new_deleted_and_renamed_files_are_picked_up(serve_site) -> None:
    live = serve_site()
    root = live.server.root
    seen = live.server.changes.seen
    write(root / "content/new.md", "# New\n\nBrand new.\n")
    live.wait_seen(seen + 1)
    assert "Brand new." in live.get("/new/")[2]
    seen = live.server.changes.seen
    os.rename(root / "content/new.md", root / "content/renamed.md")
    live.wait_seen(seen + 1)
    assert live.get("/renamed/")[0] == 200
    assert live.get("/new/")[0] == 404
    seen = live.server.changes.seen
    (root / "content/renamed.md").unlink()
    live.wait_seen(seen + 1)
    assert live.get("/renamed/")[0] == 404


def test_templates_folder_made_after_start_and_config_changes_rebuild_pages(serve_site) -> None:
    live = serve_site()
    root = live.server.root
    events = live.events()
    events.next("hello")
    seen = live.server.changes.seen
    write(root / "sitegen.toml", 'title = "Renamed site"\n')
    live.wait_seen(seen + 1)
    assert "Renamed site" in live.get("/about/")[2]
    news = events.next("build")
    assert news["pages"].get("about/index.html") == "reload"
    assert news["pages"].get("index.html") == "reload"
    seen = live.server.changes.seen
    write(root / "templates/page.html",
          "<!DOCTYPE html><html><body><p>Custom layout</p>{{ page.content | safe }}</body></html>")
    live.wait_seen(seen + 1)
    live.wait_fresh()
    assert "Custom layout" in live.get("/about/")[2]
    events.close()


def test_a_build_error_keeps_the_last_good_site_and_recovers(serve_site) -> None:
    live = serve_site()
    page = live.server.root / "content/about.md"
    events = live.events()
    assert events.next("hello")["error"] is None
    write(page, "---\ntitle: About\n---\n\n# About\n\nCosts {{ nosuch.run.value }}.\n")
    failed = events.next("build")
    problem = failed["error"]["problems"][0]
    assert problem["path"] == "content/about.md" and problem["line"] == 7
    assert problem["location"].startswith("content/about.md:7:")
    assert "nosuch" in problem["message"]
    status, _, body = live.get("/about/")
    assert status == 200 and "First version." in body  # the last good build, still served
    assert any(line.startswith("content/about.md:7:") and "error" in line for line in live.lines)
    assert "still serving the last good build" in live.lines[-1]
    late = EventStream(live.host, live.port)  # a tab opened now sees the overlay too
    assert late.next("hello")["error"]["problems"][0]["path"] == "content/about.md"
    late.close()
    write(page, "---\ntitle: About\n---\n\n# About\n\nCosts {{ costs.run.value }}.\n")
    fixed = events.next("build")
    assert fixed["error"] is None and fixed["pages"]["about/index.html"] == "reload"
    assert "Costs 5.5." in live.get("/about/")[2]
    assert live.server.httpd is not None and live.site.error is None
    events.close()


def test_a_first_build_that_fails_still_serves_and_reloads_when_fixed(serve_site) -> None:
    broken = {**BASIC, "content/about.md": "# About\n\n{{ nosuch.run.value }}\n"}
    live = serve_site(broken)
    status, _, body = live.get("/about/")
    assert status == 503 and 'data-page=""' in body
    stream = EventStream(live.host, live.port, f"page=&build=1&server={live.site.id}")
    hello = stream.next("hello")
    assert hello["error"]["problems"][0]["location"].startswith("content/about.md:3:")
    write(live.server.root / "content/about.md", "# About\n\nFixed.\n")
    assert stream.next("build")["error"] is None
    assert "Fixed." in live.get("/about/")[2]
    stream.close()


def test_an_internal_error_in_a_build_does_not_kill_the_server(serve_site, make_site) -> None:
    site = make_site(BASIC)
    builder = GatedBuilder(site)
    live = serve_site(root=site, builder=builder)
    real = builder.real.build
    builder.real.build = lambda changed=None: 1 / 0  # type: ignore[method-assign]
    events = live.events()
    events.next("hello")
    write(site / "content/about.md", "# About\n\nBoom.\n")
    news = events.next("build")
    assert "ZeroDivisionError" in news["error"]["problems"][0]["message"]
    builder.real.build = real  # type: ignore[method-assign]
    write(site / "content/about.md", "# About\n\nCalm.\n")
    assert events.next("build")["error"] is None
    assert "Calm." in live.get("/about/")[2]
    events.close()


def test_a_tab_that_missed_a_change_is_told_to_reload_on_connect(serve_site) -> None:
    live = serve_site()
    _, _, body = live.get("/about/")
    build = int(body.split('data-build="')[1].split('"')[0])
    query = f"page=about/index.html&build={build}&server={live.site.id}"
    fresh = EventStream(live.host, live.port, query)
    assert fresh.next("hello")["reload"] is False
    fresh.close()
    seen = live.server.changes.seen
    write(live.server.root / "content/about.md", "# About\n\nChanged while away.\n")
    live.wait_seen(seen + 1)
    live.wait_fresh()
    stale = EventStream(live.host, live.port, query)
    assert stale.next("hello")["reload"] is True
    stale.close()
    other = EventStream(live.host, live.port, query.replace("about/", ""))
    assert other.next("hello")["reload"] is False  # the home page did not change
    other.close()


# ---------------------------------------------------------------------- what changed, per page

def test_compare_builds_tells_stylesheet_swaps_chart_changes_and_reloads() -> None:
    page = (b'<link rel="stylesheet" href="../css/site.0123456789.css">'
            b'<p>Text</p><figure class="chart" id="chart-1"><svg>A</svg></figure>'
            b'<figure class="chart"><svg>B</svg></figure>'
            b'<script src="../js/site.aaaaaaaaaa.js"></script>')
    old = {"a/index.html": page, "css/site.0123456789.css": b"x",
           "js/site.aaaaaaaaaa.js": b"j", "img.png": b"1"}
    css_only = dict(old)
    del css_only["css/site.0123456789.css"]
    css_only["css/site.abcdefabcd.css"] = b"y"
    css_only["a/index.html"] = page.replace(b"0123456789", b"abcdefabcd")
    pages, css, charts, assets = compare_builds(old, css_only)
    assert pages == {"a/index.html": "css"}
    assert css == {"css/site.0123456789.css": "css/site.abcdefabcd.css"} and assets == []

    chart = dict(old, **{"a/index.html": page.replace(b"<svg>B", b"<svg>C")})
    pages, css, charts, assets = compare_builds(old, chart)
    assert pages == {"a/index.html": "charts"} and charts == {"a/index.html": [1]}

    both = dict(css_only, **{"a/index.html": css_only["a/index.html"].replace(b"<svg>A", b"<svg>Z")})
    pages, css, charts, _ = compare_builds(old, both)
    assert pages == {"a/index.html": "charts"} and charts == {"a/index.html": [0]}

    text = dict(old, **{"a/index.html": page.replace(b"Text", b"New text")})
    assert compare_builds(old, text)[0] == {"a/index.html": "reload"}

    script = dict(old)
    del script["js/site.aaaaaaaaaa.js"]
    script["js/site.bbbbbbbbbb.js"] = b"k"
    script["a/index.html"] = page.replace(b"aaaaaaaaaa", b"bbbbbbbbbb")
    assert compare_builds(old, script)[0] == {"a/index.html": "reload"}

    image = dict(old, **{"img.png": b"2", "b/index.html": b"<p>new page</p>"})
    del image["a/index.html"]
    pages, _, _, assets = compare_builds(old, image)
    assert pages == {"a/index.html": "reload", "b/index.html": "reload"} and assets == ["img.png"]

    for new in (css_only, chart, both, text, script, image):  # told where to look: the same
        differ = {p for p in new if new[p] != old.get(p)} | (set(old) - set(new))
        assert compare_builds(old, new, differ | {"img.png"}) == compare_builds(old, new)


def test_a_page_edited_in_place_is_news_for_it_and_for_the_pages_showing_it(make_site) -> None:
    site = make_site({**BASIC, "templates/home.html": (
        "{{ page.title }}|{% for p in pages if p.url == 'about/' %}{{ p.content }}{% endfor %}\n")})
    server = Server(site, quiet=True, log=lambda line: None)
    server.rebuild(["(start)"], 0)
    first = dict(server.site.files)
    write(site / "content/about.md", "---\ntitle: About\n---\n\n# About\n\nSecond version.\n")
    news = server.rebuild(["content/about.md"], 1)
    assert news.pages == {"about/index.html": "reload", "index.html": "reload"}
    # the search index is remade, which no page loads by a tag: no other tab reloads for it
    assert all(p.startswith("pagefind/") for p in news.assets) and news.css == {}
    files = server.site.files
    assert "Second version." in files["index.html"].decode()
    assert {p for p in files if files[p] != first.get(p) and not p.startswith("pagefind/")} \
        == {"about/index.html", "index.html"}


def test_a_stylesheet_edit_is_a_swap_not_a_reload(serve_site) -> None:
    live = serve_site({**BASIC, "static/css/site.css": "body { color: red; }\n"})
    events = live.events()
    events.next("hello")
    old = next(p for p in live.site.files if p.startswith("css/site."))
    write(live.server.root / "static/css/site.css", "body { color: blue; }\n")
    news = events.next("build")
    new = news["css"][old]
    assert set(news["pages"].values()) == {"css"}
    assert "blue" in live.get("/" + new)[2]
    assert live.get("/" + old)[0] == 404
    events.close()


# ---------------------------------------------------------------------- watcher and ports

def test_the_watcher_ignores_output_caches_and_editor_droppings() -> None:
    assert is_relevant("content/a.md") and is_relevant("sitegen.toml")
    assert is_relevant("static/css/site.css") and is_relevant("templates/base.html")
    assert is_relevant("content/data/costs.csv") and is_relevant("content/charts/c.py")
    for path in ("_site/index.html", ".sitegen-cache/pages.pickle", "content/.a.md.swp",
                 "content/a.md~", "content/.#a.md", "content/4913", "README.md",
                 "content/charts/__pycache__/c.cpython-311.pyc", ".git/index", "other.toml"):
        assert not is_relevant(path), path


def test_changes_debounce_into_one_batch_and_close_releases() -> None:
    changes = Changes(debounce=0.2)
    batches: queue.Queue = queue.Queue()

    def take() -> None:
        while (batch := changes.next_batch()) is not None:
            batches.put(batch)
        batches.put(None)

    threading.Thread(target=take, daemon=True).start()
    for k in range(5):
        changes.add([f"content/{k}.md"])
    paths, seen = batches.get(timeout=WAIT)
    assert paths == [f"content/{k}.md" for k in range(5)] and seen == 5
    changes.close()
    assert batches.get(timeout=WAIT) is None


def test_a_port_in_use_moves_to_the_next_free_one_and_says_so(make_site) -> None:
    site = make_site(BASIC)
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    lines: list[str] = []
    try:
        with Server(site, port=port, log=lines.append) as server:
            assert server.httpd.server_address[1] != port  # type: ignore[union-attr]
            assert any(f"port {port} is in use" in line for line in lines)
        with pytest.raises(SitegenError, match="in use"):
            Server(site, port=port, log=lines.append, port_tries=0).start()
    finally:
        blocker.close()


def test_the_command_serves_on_localhost_and_stops_cleanly_on_ctrl_c(make_site) -> None:
    site = make_site(BASIC)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--port", str(port)], cwd=site,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        deadline = time.monotonic() + WAIT
        while True:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line.startswith("serving "):
                break
        assert f"http://127.0.0.1:{port}/" in line
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        conn.request("GET", "/about/")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
