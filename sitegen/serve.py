"""The dev server: build, serve from memory, watch, rebuild, tell the browser.

Live reload that never lies:
- the watcher only records changed paths (`watch.Changes`); ONE build thread takes them in
  debounced batches, rebuilds with a long-lived `Builder`, and publishes the result;
- every change bumps `changes.seen`; a request waits until the published build covers it, so a
  page is never served from before a save nor half-built;
- a failed build keeps serving the last good files and sends an overlay with the error's
  `PATH:LINE:COL` to every tab; the next good build clears it; the server never dies of a build;
- browsers hear of a build over server-sent events after it is published, with what changed
  per page: reload it (keeping the scroll), swap stylesheets, or re-embed only its charts.

The live-reload script is added to text/html responses here, never by `sitegen build`.
Requests are answered from the in-memory site only, so no URL can read outside the output.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import mimetypes
import queue
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sitegen.build import Builder, BuildOptions, BuildResult
from sitegen.errors import Problem, SitegenError
from sitegen.output import MemoryWriter
from sitegen.watch import Changes, SiteWatcher

PREFIX = "/__sitegen/"
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "livereload.js"
PORT_TRIES = 10
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
REQUEST_WAIT = 60.0
HEARTBEAT = 15.0

_HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{10}(?P<suffix>\.(?:css|js))$")
_FIGURE = re.compile(rb'<figure\b[^>]*\bclass="[^"]*\bchart\b[^"]*"[^>]*>.*?</figure>', re.S)
_BODY_END = re.compile(rb"</body\s*>", re.I)


# ---------------------------------------------------------------------- what a build changed

@dataclass(frozen=True)
class BuildNews:
    """What one published build means for the open tabs (sent as JSON over SSE)."""

    build: int
    pages: Mapping[str, str] = field(default_factory=dict)   # html path -> reload|css|charts
    css: Mapping[str, str] = field(default_factory=dict)     # old css path -> new css path
    charts: Mapping[str, list[int]] = field(default_factory=dict)  # html path -> figure indexes
    assets: tuple[str, ...] = ()                             # other changed or removed files
    error: Mapping[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        return {"build": self.build, "pages": dict(self.pages), "css": dict(self.css),
                "charts": {k: list(v) for k, v in self.charts.items()},
                "assets": list(self.assets), "error": self.error}


def compare_builds(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> tuple[
        dict[str, str], dict[str, str], dict[str, list[int]], list[str]]:
    """(pages, css renames, chart indexes, other assets) that differ between two builds.

    A page whose bytes differ only by renamed stylesheets is "css" (the tab swaps its links);
    only inside `figure.chart` elements is "charts"; anything else is "reload". A renamed
    script makes a reload: scripts cannot be swapped honestly.
    """
    removed = [p for p in old if p not in new]
    added = [p for p in new if p not in old]
    renames = _hashed_renames(removed, added)
    css = {a: b for a, b in renames.items() if a.endswith(".css")}
    explained = set(renames) | set(renames.values())
    pages: dict[str, str] = {}
    charts: dict[str, list[int]] = {}
    assets: list[str] = []
    for path, data in new.items():
        before = old.get(path)
        if before is data or before == data:
            continue
        if not path.endswith(".html"):
            if path not in explained:
                assets.append(path)
            continue
        if before is None:
            pages[path] = "reload"
            continue
        kind, indexes = _page_change(before, data, renames, css)
        pages[path] = kind
        if indexes:
            charts[path] = indexes
    for path in removed:
        if path.endswith(".html"):
            pages[path] = "reload"
        elif path not in explained:
            assets.append(path)
    return pages, css, charts, sorted(assets)


def _hashed_renames(removed: list[str], added: list[str]) -> dict[str, str]:
    """Old -> new site path of content-hashed files whose hash changed (css/site.<h>.css)."""
    def unhashed(path: str) -> str | None:
        name = PurePosixPath(path)
        match = _HASHED.match(name.name)
        return str(name.with_name(match["stem"] + match["suffix"])) if match else None

    fresh: dict[str, str] = {}
    for path in added:
        key = unhashed(path)
        if key is not None:
            fresh[key] = path
    renames = {}
    for path in removed:
        key = unhashed(path)
        if key is not None and key in fresh:
            renames[path] = fresh[key]
    return renames


def _page_change(before: bytes, after: bytes, renames: Mapping[str, str],
                 css: Mapping[str, str]) -> tuple[str, list[int]]:
    if renames:
        undone = after
        for old_path, new_path in renames.items():
            undone = undone.replace(PurePosixPath(new_path).name.encode(),
                                    PurePosixPath(old_path).name.encode())
        if undone == before:
            return ("css", []) if len(css) == len(renames) else ("reload", [])
        if len(css) != len(renames):
            return "reload", []
        after = undone  # judge the rest of the change as if the stylesheets had not moved
    old_figures = _FIGURE.findall(before)
    new_figures = _FIGURE.findall(after)
    if (old_figures and len(old_figures) == len(new_figures)
            and _FIGURE.sub(b"", before) == _FIGURE.sub(b"", after)):
        indexes = [i for i, (a, b) in enumerate(zip(old_figures, new_figures)) if a != b]
        if indexes:
            return "charts", indexes
        return ("css", []) if renames else ("reload", [])
    return "reload", []


def error_payload(error: BaseException, debug: bool = False) -> dict[str, Any]:
    """The overlay's content: every problem with its place, as the terminal prints it."""
    if isinstance(error, SitegenError):
        problems = list(error.problems)
    else:
        problems = [Problem(f"internal error: {type(error).__name__}: {error}",
                            hint="rerun with --debug for a traceback, and please report it")]
    items = [{"path": p.path, "line": p.line, "column": p.column, "message": p.message,
              "hint": p.hint, "location": p.location(), "text": p.format()} for p in problems]
    payload: dict[str, Any] = {"problems": items,
                               "summary": f"{len(items)} problem{'s' if len(items) != 1 else ''}"}
    if debug and not isinstance(error, SitegenError):
        payload["traceback"] = "".join(traceback.format_exception(error))
    return payload


# ---------------------------------------------------------------------- the live site

class LiveSite:
    """The latest good files, the build number, and the rule that requests wait for builds."""

    def __init__(self, changes: Changes) -> None:
        self.changes = changes
        self.id = uuid.uuid4().hex[:12]
        self.writer = MemoryWriter({})
        self.number = 0             # builds published so far (good or failed)
        self.covered = -1           # changes.seen value the latest published build covers
        self.good = False           # whether any build has succeeded yet
        self.error: dict[str, Any] | None = None
        self.changed_at: dict[str, int] = {}
        self.builds_run = 0
        self._cond = threading.Condition()
        self._clients: list[queue.Queue[tuple[str, dict[str, Any]] | None]] = []

    @property
    def files(self) -> Mapping[str, bytes]:
        return self.writer.files

    def wait_fresh(self, timeout: float = REQUEST_WAIT) -> tuple[Mapping[str, bytes], int]:
        """The files and build number once every recorded change is built (or timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.covered < self.changes.seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self.writer.files, self.number

    def wait_for(self, predicate: Callable[[LiveSite], bool], timeout: float) -> bool:
        """Wait until predicate(self) holds after a publish (for tests and the benchmark)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def publish(self, covers: int, files: Mapping[str, bytes] | None,
                error: dict[str, Any] | None) -> BuildNews:
        """Make a finished build visible, wake waiting requests, then tell the browsers."""
        with self._cond:
            self.builds_run += 1
            self.number += 1
            if files is not None:
                old = self.writer.files
                pages, css, charts, assets = compare_builds(old, files)
                self.writer.write(files)
                for path in list(pages) + list(assets) + list(css) + list(css.values()):
                    self.changed_at[path] = self.number
                if not self.good:
                    self.good = True
                news = BuildNews(self.number, pages, css, charts, tuple(assets), None)
                self.error = None
            else:
                news = BuildNews(self.number, error=error)
                self.error = error
            self.covered = max(self.covered, covers)
            message = ("build", news.payload())
            for client in self._clients:
                client.put(message)
            self._cond.notify_all()
        return news

    def subscribe(self, page: str, fallback: str, build: int, server: str) -> tuple[
            queue.Queue[tuple[str, dict[str, Any]] | None], dict[str, Any]]:
        """A client's event queue and its hello (with `reload` when its page is stale)."""
        client: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        with self._cond:
            self._clients.append(client)
            if server != self.id:
                stale = True        # served by an earlier run of the server
            elif not page:
                stale = self.good   # the "first build failed" page: any good build replaces it
            else:
                stale = max(self.changed_at.get(page, 0),
                            self.changed_at.get(fallback, 0) if fallback else 0) > build
            hello = {"build": self.number, "server": self.id, "reload": stale,
                     "error": self.error}
        return client, hello

    def unsubscribe(self, client: queue.Queue[Any]) -> None:
        with self._cond:
            if client in self._clients:
                self._clients.remove(client)

    def close_clients(self) -> None:
        with self._cond:
            for client in self._clients:
                client.put(None)
            self._clients.clear()

    @property
    def client_count(self) -> int:
        with self._cond:
            return len(self._clients)


# ---------------------------------------------------------------------- the server

class Server:
    """One site served on one address: watcher, build thread and HTTP threads."""

    def __init__(self, root: Path, options: BuildOptions = BuildOptions(), *,
                 host: str = "127.0.0.1", port: int = 8000, quiet: bool = False,
                 verbose: bool = False, debug: bool = False,
                 log: Callable[[str], None] | None = None,
                 debounce: float | None = None, port_tries: int = PORT_TRIES,
                 builder: Builder | None = None) -> None:
        self.root = root.resolve()
        self.options = options
        self.host = host
        self.port = port
        self.quiet = quiet
        self.verbose = verbose
        self.debug = debug
        self.port_tries = port_tries
        self.log = log or _print
        self.changes = Changes() if debounce is None else Changes(debounce=debounce)
        self.site = LiveSite(self.changes)
        # Caches go to disk when the server stops, not after every rebuild.
        self.builder = builder or Builder(self.root, options, persist_caches=False)
        self.httpd: _HTTPServer | None = None
        self.watcher: SiteWatcher | None = None
        self._threads: list[threading.Thread] = []
        self._warned: tuple[str, ...] = ()
        self.url = ""

    # -- lifecycle

    def start(self) -> str:
        """Bind, start watching and the first build; returns the URL. Requests wait for it."""
        self.httpd = self._bind()
        address = self.httpd.server_address
        shown = f"[{address[0]}]" if ":" in str(address[0]) else address[0]
        self.url = f"http://{shown}:{address[1]}/"
        self.watcher = SiteWatcher(self.root, self.changes, _output_dir(self.root),
                                   log=self.log)
        try:
            self.watcher.start()
        except BaseException:
            self.httpd.server_close()
            self.httpd = None
            raise
        self.changes.add(["(start)"])
        builder = threading.Thread(target=self._build_loop, name="sitegen-build", daemon=True)
        http = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                name="sitegen-http", daemon=True)
        self._threads = [builder, http]
        for thread in self._threads:
            thread.start()
        return self.url

    def stop(self) -> None:
        """Stop watching, building and serving; open event streams are ended."""
        if self.watcher is not None:
            self.watcher.stop()
        self.changes.close()
        self.site.close_clients()
        if self.httpd is not None:
            if self._threads:  # shutdown() waits for serve_forever: only if it runs
                self.httpd.shutdown()
            self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)  # a build in progress is a daemon: it cannot hold exit
        self.builder.save_caches()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _bind(self) -> _HTTPServer:
        last: OSError | None = None
        ports = [self.port] if self.port == 0 else range(self.port, self.port + self.port_tries + 1)
        for port in ports:
            try:
                httpd = _HTTPServer((self.host, port), _Handler)
            except OSError as error:
                if error.errno not in _ADDRESS_IN_USE:
                    raise SitegenError(f"cannot listen on {self.host}:{port}: "
                                       f"{error.strerror or error}",
                                       hint="check --host (127.0.0.1 is the safe default)") from None
                last = error
                continue
            httpd.app = self
            if port != self.port:
                self.log(f"*** port {self.port} is in use; serving on port {port} instead ***")
            return httpd
        raise SitegenError(
            f"ports {self.port}-{self.port + self.port_tries} on {self.host} are all in use"
            + (f" ({last.strerror})" if last and last.strerror else ""),
            hint="stop the other server or pick a port with --port",
        )

    # -- building

    def _build_loop(self) -> None:
        while True:
            batch = self.changes.next_batch()
            if batch is None:
                return
            paths, covers = batch
            self.rebuild(paths, covers)

    def rebuild(self, paths: list[str], covers: int) -> BuildNews:
        """Build once for these changed paths and publish the outcome (never raises)."""
        first = paths == ["(start)"]
        started = time.perf_counter()
        try:
            # The watcher's paths let the builder skip what it knows did not change.
            result = self.builder.build(changed=None if "(start)" in paths else paths)
        except Exception as error:  # noqa: BLE001 - the server outlives every build
            seconds = time.perf_counter() - started
            payload = error_payload(error, self.debug)
            news = self.site.publish(covers, None, payload)
            self._say_failure(error, paths, seconds, first)
            return news
        seconds = time.perf_counter() - started
        if first:  # the start-up line comes before "serving ..."
            self._say_success(result, None, paths, seconds, first)
        news = self.site.publish(covers, result.files, None)
        if not first:
            self._say_success(result, news, paths, seconds, first)
        return news

    def _say_success(self, result: BuildResult, news: BuildNews | None, paths: list[str],
                     seconds: float, first: bool) -> None:
        warnings = tuple(p.format() for p in result.warnings)
        if warnings != self._warned:
            for line in warnings:
                self.log(line)
            self._warned = warnings
        if self.quiet:
            return
        if first or news is None:
            self.log(f"built {len(result.pages)} pages, {len(result.files)} files "
                     f"in {seconds:.2f}s")
            return
        pages = len(news.pages)
        what = ", ".join(
            f"{kind} {count}" for kind, count in
            (("stylesheet swapped in", sum(1 for k in news.pages.values() if k == "css")),
             ("charts re-embedded in", sum(1 for k in news.pages.values() if k == "charts")))
            if count)
        self.log(f"rebuilt in {seconds:.2f}s: {_describe(paths)}, "
                 f"{pages} page{'s' if pages != 1 else ''} updated"
                 + (f" ({what})" if what else ""))
        if self.verbose:
            for path in sorted(news.pages):
                self.log(f"  {news.pages[path]:7} {path}")
            for path in news.assets:
                self.log(f"  changed {path}")

    def _say_failure(self, error: BaseException, paths: list[str], seconds: float,
                     first: bool) -> None:
        if isinstance(error, SitegenError):
            for problem in error.problems:
                self.log(problem.format())
        else:
            if self.debug:
                self.log("".join(traceback.format_exception(error)).rstrip())
            self.log(f"<site>: error: internal error: {type(error).__name__}: {error}")
        cause = "first build" if first else _describe(paths)
        keep = ("nothing to serve yet: fix it and save" if not self.site.good
                else "still serving the last good build")
        self.log(f"build failed in {seconds:.2f}s: {cause}; {keep}")

    # -- answering

    def host_allowed(self, host_header: str) -> bool:
        """Whether a request's Host names this machine, when the server listens on loopback.

        A web page elsewhere could point a DNS name at 127.0.0.1 and read the preview through
        the visitor's browser (DNS rebinding); a loopback server answers loopback names only.
        """
        if self.host not in LOOPBACK:
            return True
        name = host_header.strip().lower()
        if name.startswith("["):
            name = name[1:].split("]", 1)[0]
        elif name.count(":") == 1:
            name = name.split(":", 1)[0]
        return name in LOOPBACK or name.endswith(".localhost") or name == ""

    def respond(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for a GET of this URL path (query string allowed)."""
        split = urlsplit(path)
        site_path = _site_path(split.path)
        if site_path is None:
            return 400, {"Content-Type": "text/plain; charset=utf-8"}, b"bad request path\n"
        files, number = self.site.wait_fresh()
        if not self.site.good:
            body = _NO_BUILD_PAGE.encode()
            return 503, _html_headers(), self._inject(body, "", number)
        data = files.get(site_path)
        if data is None and site_path + "/index.html" in files:
            target = split.path + "/" + (f"?{split.query}" if split.query else "")
            return 301, {"Location": target, "Content-Type": "text/plain"}, b""
        if data is None:
            # the tab remembers the path it asked for: it reloads when that page appears
            missing = files.get("404.html", _NOT_FOUND_PAGE.encode())
            return 404, _html_headers(), self._inject(missing, site_path, number, "404.html")
        status = 200
        headers = {"Content-Type": _content_type(site_path)}
        if site_path.endswith((".html", ".htm")):
            headers = _html_headers()
            data = self._inject(data, site_path, number)
        elif _HASHED.match(PurePosixPath(site_path).name):
            headers["Cache-Control"] = "max-age=31536000, immutable"
        return status, headers, data

    def _inject(self, html: bytes, site_path: str, number: int, fallback: str = "") -> bytes:
        """The page with the live-reload script before its last </body>."""
        tag = (f'<script defer src="{SCRIPT_PATH}?v={_client_version()}" '
               f'data-page="{_attr(site_path)}" '
               f'data-fallback="{_attr(fallback)}" data-build="{number}" '
               f'data-server="{self.site.id}"></script>').encode()
        matches = list(_BODY_END.finditer(html))
        if not matches:
            return html + tag
        at = matches[-1].start()
        return html[:at] + tag + html[at:]


_ADDRESS_IN_USE = {98, 48, 10048}  # EADDRINUSE on Linux, macOS, Windows


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    app: Server

    def __init__(self, address: tuple[str, int], handler: type) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms ACK stall
    server_version = "sitegen"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        app = self.server.app
        path = urlsplit(self.path).path
        try:
            if not app.host_allowed(self.headers.get("Host", "")):
                status, headers, body = 403, {"Content-Type": "text/plain; charset=utf-8"}, (
                    b"sitegen serve answers only to localhost names while it listens on "
                    b"localhost (a guard against DNS rebinding); use --host to serve others\n")
            elif path == EVENTS_PATH:
                self._events(app)
                return
            elif path == SCRIPT_PATH:  # named by its hash in pages: cached across reloads
                status, headers, body = 200, {
                    "Content-Type": "text/javascript; charset=utf-8",
                    "Cache-Control": "max-age=31536000, immutable"}, _client_script()
            else:
                status, headers, body = app.respond(self.path)
            self.send_response(status)
            headers.setdefault("Cache-Control", "no-cache")
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Content-Length"] = str(len(body))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _events(self, app: Server) -> None:
        query = parse_qs(urlsplit(self.path).query)
        page = query.get("page", [""])[0]
        build = _int(query.get("build", ["-1"])[0], -1)
        last = _int(self.headers.get("Last-Event-ID", ""), -1)
        if last >= 0:
            build = max(build, last)
        server = query.get("server", [""])[0]
        fallback = query.get("fallback", [""])[0]
        client, hello = app.site.subscribe(page, fallback, build, server)
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.send_header("X-Accel-Buffering", "no")
            self.end_headers()
            self._send_event("hello", hello, hello["build"])
            while True:
                try:
                    message = client.get(timeout=HEARTBEAT)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                if message is None:
                    return
                name, data = message
                self._send_event(name, data, data.get("build"))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            return
        finally:
            app.site.unsubscribe(client)

    def _send_event(self, name: str, data: dict[str, Any], ident: int | None) -> None:
        text = f"event: {name}\n" + (f"id: {ident}\n" if ident is not None else "")
        text += f"retry: 500\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        app = self.server.app
        if app.verbose:
            app.log(f"{self.address_string()} {format % args}")


# ---------------------------------------------------------------------- small helpers

def _site_path(url_path: str) -> str | None:
    """The site path a URL path names (folders -> their index.html); None when refused.

    Decodes once; refuses `..`, backslashes and NUL whether they came encoded or not, so no
    URL can name anything but a file of the in-memory site.
    """
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = decoded.split("/")
    if any(part == ".." for part in parts):
        return None
    clean = [part for part in parts if part not in ("", ".")]
    joined = "/".join(clean)
    if not clean or decoded.endswith("/"):
        return joined + "/index.html" if joined else "index.html"
    return joined


def _content_type(path: str) -> str:
    kind, encoding = mimetypes.guess_type(path)
    if kind is None:
        kind = {".webmanifest": "application/manifest+json", ".mjs": "text/javascript"}.get(
            PurePosixPath(path).suffix, "application/octet-stream")
    if kind.startswith("text/") or kind in ("application/javascript", "application/json",
                                            "image/svg+xml", "application/xml"):
        kind += "; charset=utf-8"
    return kind


def _html_headers() -> dict[str, str]:
    return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _describe(paths: list[str]) -> str:
    shown = [p for p in paths if p != "(start)"]
    if not shown:
        return "rebuilt"
    if len(shown) <= 3:
        return ", ".join(shown) + " changed"
    return f"{', '.join(shown[:2])} and {len(shown) - 2} more changed"


def _output_dir(root: Path) -> str:
    try:
        from sitegen.config import load_config

        return load_config(root).output_dir
    except Exception:  # noqa: BLE001 - a broken config is the build's to report
        return "_site"


_SCRIPT_CACHE: dict[str, bytes] = {}


def _client_script() -> bytes:
    if "js" not in _SCRIPT_CACHE:
        _SCRIPT_CACHE["js"] = (Path(__file__).parent / "assets" / "livereload.js").read_bytes()
    return _SCRIPT_CACHE["js"]


def _client_version() -> str:
    if "version" not in _SCRIPT_CACHE:
        _SCRIPT_CACHE["version"] = hashlib.sha256(_client_script()).hexdigest()[:10].encode()
    return _SCRIPT_CACHE["version"].decode()


def _print(line: str) -> None:
    print(line, flush=True)


_NO_BUILD_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sitegen: build failed</title></head>
<body><main style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>The first build failed</h1><p>The error is shown over this page and in the terminal.
Fix it and save: this page reloads by itself.</p></main></body></html>
"""

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><main style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>Not found</h1><p>No page here (and the site has no 404.html).</p></main></body></html>
"""


# ---------------------------------------------------------------------- the command

def serve(args: argparse.Namespace) -> int:
    """`sitegen serve`: run until Ctrl-C (or SIGTERM); returns the exit status."""
    options = BuildOptions(base_url=args.base_url, drafts=args.drafts,
                           strict=True if args.strict else None)
    server = Server(Path(args.root), options, host=args.host, port=args.port,
                    quiet=args.quiet, verbose=args.verbose, debug=args.debug)
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        url = server.start()
        if args.host not in LOOPBACK:
            server.log(f"*** listening on {args.host}: other machines can reach this server ***")
        server.site.wait_for(lambda site: site.number > 0, timeout=3600)
        server.log(f"serving {url} (watching content/, templates/, static/, sitegen.toml; "
                   "Ctrl-C to stop)")
        if args.open:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not args.quiet:
        print("stopped", file=sys.stderr)
    return 0
