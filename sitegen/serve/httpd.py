"""The dev server's HTTP side: answer from the live site, add the reload script, stream events.

Requests are answered from the in-memory site only (`_site_path` refuses `..`, backslashes and
NUL), so no URL can read outside the output. The live-reload script is added to text/html
responses here, never by `sitegen build`. `/__sitegen/events` streams each published build's
news as server-sent events. A loopback server answers loopback Host names only.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import mimetypes
import queue
import re
import socket
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sitegen.output import HASHED_NAME
from sitegen.serve.live import LiveSite

PREFIX = "/__sitegen/"
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "livereload.js"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
HEARTBEAT = 15.0

_BODY_END = re.compile(rb"</body\s*>", re.I)


class SiteHTTPServer(http.server.ThreadingHTTPServer):
    """One `LiveSite` on one address; binds in the constructor (OSError when it cannot)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: LiveSite, *,
                 log: Callable[[str], None], verbose: bool = False) -> None:
        self.host = address[0]
        self.site = site
        self.log = log
        self.verbose = verbose
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

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
            # No good build yet: the first one failed, or it is still running (a cold build
            # of a site with many charts can outlast the request's wait). Either way the
            # page's script reloads it when a good build is published.
            body = (_NO_BUILD_PAGE if number else _BUILDING_PAGE).encode()
            return 503, {**_html_headers(), "Retry-After": "1"}, self._inject(body, "", number)
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
        elif HASHED_NAME.match(PurePosixPath(site_path).name):
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


class _Handler(http.server.BaseHTTPRequestHandler):
    server: SiteHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no delayed-ACK stall
    server_version = "sitegen"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        server = self.server
        path = urlsplit(self.path).path
        try:
            if not server.host_allowed(self.headers.get("Host", "")):
                status, headers, body = 403, {"Content-Type": "text/plain; charset=utf-8"}, (
                    b"sitegen serve answers only to localhost names while it listens on "
                    b"localhost (a guard against DNS rebinding); use --host to serve others\n")
            elif path == EVENTS_PATH:
                self._events(server.site)
                return
            elif path == SCRIPT_PATH:  # named by its hash in pages: cached across reloads
                status, headers, body = 200, {
                    "Content-Type": "text/javascript; charset=utf-8",
                    "Cache-Control": "max-age=31536000, immutable"}, _client_script()
            else:
                status, headers, body = server.respond(self.path)
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

    def _events(self, site: LiveSite) -> None:
        query = parse_qs(urlsplit(self.path).query)
        page = query.get("page", [""])[0]
        build = _int(query.get("build", ["-1"])[0], -1)
        last = _int(self.headers.get("Last-Event-ID", ""), -1)
        if last >= 0:
            build = max(build, last)
        server = query.get("server", [""])[0]
        fallback = query.get("fallback", [""])[0]
        client, hello = site.subscribe(page, fallback, build, server)
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
            site.unsubscribe(client)

    def _send_event(self, name: str, data: dict[str, Any], ident: int | None) -> None:
        text = f"event: {name}\n" + (f"id: {ident}\n" if ident is not None else "")
        text += f"retry: 500\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        self.wfile.write(text.encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            self.server.log(f"{self.address_string()} {format % args}")


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
    kind, _ = mimetypes.guess_type(path)
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


_SCRIPT_CACHE: dict[str, bytes] = {}


def _client_script() -> bytes:
    if "js" not in _SCRIPT_CACHE:
        _SCRIPT_CACHE["js"] = (Path(__file__).parent / "livereload.js").read_bytes()
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

_BUILDING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sitegen: building</title></head>
<body><main style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>The first build is still running</h1><p>This page reloads by itself when it is done
(the terminal says how it went).</p></main></body></html>
"""

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>
<body><main style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>Not found</h1><p>No page here (and the site has no 404.html).</p></main></body></html>
"""
