"""The dev server: build, serve from memory, watch, rebuild, tell the browser.

Live reload that never lies:
- the watcher only records changed paths (`watch.Changes`); ONE build thread takes them in
  debounced batches, rebuilds with a long-lived `Builder`, and publishes the result;
- every change bumps `changes.seen`; a request waits until the published build covers it, so a
  page is never served from before a save nor half-built (a build that outlasts the wait,
  like a cold one with many charts, is announced to the tab when it is published, and the
  tab reloads: a "still building" page too);
- a failed build keeps serving the last good files and sends an overlay with the error's
  `PATH:LINE:COL` to every tab; the next good build clears it; the server never dies of a build;
- browsers hear of a build over server-sent events after it is published, with what changed
  per page: reload it (keeping the scroll), swap stylesheets, or re-embed only its charts.

Here: `Server` (bind, watcher, build thread, terminal lines, stop) and the `serve` command.
The published state and what each build changed live in `live`; the HTTP side (answering
from memory, the live-reload script, the event stream) in `httpd`.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sitegen.build import Builder, BuildOptions, BuildResult
from sitegen.errors import ServeError, SitegenError
from sitegen.serve.httpd import LOOPBACK, SiteHTTPServer
from sitegen.serve.live import BuildNews, LiveSite, error_payload
from sitegen.serve.watch import Changes, SiteWatcher

PORT_TRIES = 10
_ADDRESS_IN_USE = {98, 48, 10048}  # EADDRINUSE on Linux, macOS, Windows


# ---------------------------------------------------------------------- the server

class Server:
    """One site served on one address: watcher, build thread and HTTP threads."""

    def __init__(self, root: Path, options: BuildOptions = BuildOptions(), *,
                 host: str = "127.0.0.1", port: int = 8000, quiet: bool = False,
                 verbose: bool = False, debug: bool = False,
                 log: Callable[[str], None] | None = None,
                 debounce: float | None = None, port_tries: int = PORT_TRIES,
                 builder: Builder | None = None, request_wait: float | None = None) -> None:
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
        self.site = (LiveSite(self.changes) if request_wait is None
                     else LiveSite(self.changes, request_wait))
        # Caches go to disk when the server stops, not after every rebuild.
        self.builder = builder or Builder(self.root, options, persist_caches=False)
        self.httpd: SiteHTTPServer | None = None
        self.watcher: SiteWatcher | None = None
        self._threads: list[threading.Thread] = []
        self._warned: tuple[str, ...] = ()
        self._warmed = False
        self.url = ""

    # -- lifecycle

    def start(self) -> str:
        """Bind, start watching and the first build; returns the URL. Requests wait for it."""
        self.httpd = self._bind()
        address = self.httpd.server_address
        host = str(address[0])
        shown = f"[{host}]" if ":" in host else host
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
        gc.unfreeze()
        self.builder.save_caches()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _bind(self) -> SiteHTTPServer:
        last: OSError | None = None
        ports = [self.port] if self.port == 0 else range(self.port, self.port + self.port_tries + 1)
        for port in ports:
            try:
                httpd = SiteHTTPServer((self.host, port), self.site, log=self.log,
                                       verbose=self.verbose)
            except OSError as error:
                if error.errno not in _ADDRESS_IN_USE:
                    raise ServeError(
                        f"cannot listen on {self.host}:{port}: {error.strerror or error}",
                        hint="check --host (127.0.0.1 is the safe default)") from None
                last = error
                continue
            if port != self.port:
                self.log(f"*** port {self.port} is in use; serving on port {port} instead ***")
            return httpd
        raise ServeError(
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
        news = self.site.publish(covers, result.files, None, result.changes)
        if not first:
            self._say_success(result, news, paths, seconds, first)
        if result.changes is None:
            self._settle()
        return news

    def _settle(self) -> None:
        """After a full build is published, while browsers reload: ready the process for
        one-page rebuilds, so they cost what the page costs, not what the site does.

        A full collection now, and what survives it frozen out of later ones: the collector
        then never walks the whole site's objects during a one-page rebuild. After the first
        good build, the parser is warmed here (`Builder.warm_up`).
        """
        if not self._warmed:
            self._warmed = True
            self.builder.warm_up()
        gc.unfreeze()  # what died since the last freeze can be collected now
        gc.collect()
        gc.freeze()

    def _say_success(self, result: BuildResult, news: BuildNews | None, paths: list[str],
                     seconds: float, first: bool) -> None:
        warnings = tuple(p.format("warning") for p in result.warnings)
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


# ---------------------------------------------------------------------- small helpers

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


def _print(line: str) -> None:
    print(line, flush=True)


# ---------------------------------------------------------------------- the command

@dataclass(frozen=True)
class ServeOptions:
    """What `sitegen serve` was asked for, besides the build's options."""

    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    quiet: bool = False
    verbose: bool = False
    debug: bool = False


def serve(root: Path, options: BuildOptions, serving: ServeOptions) -> int:
    """`sitegen serve`: run until Ctrl-C (or SIGTERM); returns the exit status."""
    server = Server(root, options, host=serving.host, port=serving.port, quiet=serving.quiet,
                    verbose=serving.verbose, debug=serving.debug)
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        url = server.start()
        if serving.host not in LOOPBACK:
            server.log(f"*** listening on {serving.host}: other machines can reach this server ***")
        server.site.wait_for(lambda site: site.number > 0, timeout=3600)
        server.log(f"serving {url} (watching content/, templates/, static/, sitegen.toml; "
                   "Ctrl-C to stop)")
        if serving.open_browser:
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
    if not serving.quiet:
        print("stopped", file=sys.stderr)
    return 0
