"""Shared test helpers: a site on disk, a real HTTP server on 127.0.0.1, a real Chromium.

Browser tests skip with a reason when no Chromium is found on a developer's machine, but under
CI=true a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


USER_CACHE_VAR = "SITEGEN_CACHE_DIR"


def pytest_configure(config: pytest.Config) -> None:
    """One user-level cache for the whole run, shared by every xdist worker and every
    `sitegen` child process (they inherit the variable), so the chart runtime is made once a
    run, never read from or written to the developer's own cache."""
    if hasattr(config, "workerinput"):
        return  # a worker: the controller has set the variable before starting it
    directory = tempfile.mkdtemp(prefix="sitegen-test-user-cache-")
    config.stash[_USER_CACHE] = (directory, os.environ.get(USER_CACHE_VAR))
    os.environ[USER_CACHE_VAR] = directory


def pytest_unconfigure(config: pytest.Config) -> None:
    saved = config.stash.get(_USER_CACHE, None)
    if saved is None:
        return
    directory, before = saved
    if before is None:
        os.environ.pop(USER_CACHE_VAR, None)
    else:
        os.environ[USER_CACHE_VAR] = before
    shutil.rmtree(directory, ignore_errors=True)


_USER_CACHE = pytest.StashKey[tuple[str, "str | None"]]()


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} under root; returns root."""
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """make_site(files={...}) -> a site folder in tmp_path holding those files."""

    def make(files: Mapping[str, str | bytes], name: str = "site") -> Path:
        return write_files(tmp_path / name, files)

    return make


def run_sitegen(*args: str, cwd: Path, env: Mapping[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real command line (`python -m sitegen ...`) in a site folder."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=timeout,
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve_dir() -> Iterator[Callable[[Path], str]]:
    """serve_dir(path) -> base URL of a real HTTP server on 127.0.0.1 serving that folder."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(path: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(path))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for candidate in (os.environ.get("SITEGEN_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A real headless Chromium driven by Playwright (skips locally without one; fails in CI)."""
    executable = find_chromium()
    in_ci = os.environ.get("CI", "").lower() == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("Playwright is not installed, and CI=true requires browser tests")
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    if executable is None:
        if in_ci:
            pytest.fail("no Chromium found (apt-get install chromium); CI=true requires it")
        pytest.skip("no Chromium found: install Debian's chromium or set SITEGEN_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """A browser page that records console errors, page errors and every requested URL."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: self.errors.append(str(e)))  # type: ignore[attr-defined]
        page.on("request", lambda r: self.requests.append(r.url))  # type: ignore[attr-defined]

    def external_requests(self) -> list[str]:
        """Requests that left 127.0.0.1 (data: and about: URLs are local)."""
        return [u for u in self.requests
                if not u.startswith(("http://127.0.0.1", "data:", "about:", "blob:"))]


@pytest.fixture
def browser_page(chromium: object) -> Iterator[PageWatch]:
    """A fresh page in its own context, watched for errors and requests."""
    context = chromium.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    watch = PageWatch(page)
    yield watch
    context.close()
