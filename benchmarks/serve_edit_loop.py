"""The edit loop of issue 16 §6, as a script: does `sitegen serve` ever stall?

Each run copies this repository's explainer to a temporary folder, starts the real command
(`python -m sitegen serve`), opens the page in Chromium, makes five edits (each awaited in
the page), then an error (its overlay awaited) and the fix (awaited). A run that does not
finish within --timeout seconds is a stall: the server's threads are dumped with py-spy
(when it is installed) before the run is stopped.

    python benchmarks/serve_edit_loop.py --runs 4 [--timeout 120] [--pyspy PATH]

Prints one line per run (seconds, or STALL) and exits 1 if any run stalled.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = "content/costs.md"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_site(target: Path) -> Path:
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "sitegen.toml", target / "sitegen.toml")
    return target


def one_run(browser: object, number: int, timeout: float, pyspy: str | None) -> float | None:
    """Seconds the loop took, or None when it did not finish in time (a stall)."""
    from playwright.sync_api import Error as PlaywrightError

    with tempfile.TemporaryDirectory(prefix="sitegen-loop-") as folder:
        site = copy_site(Path(folder) / "site")
        port = free_port()
        log_path = Path(folder) / "serve.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "sitegen", "serve", "--port", str(port)],
                cwd=site, stdout=log, stderr=subprocess.STDOUT)
            started = time.monotonic()
            try:
                seconds: float | None = edit_loop(browser, site, f"http://127.0.0.1:{port}/",
                                                  started + timeout) - started
            except (PlaywrightError, OSError) as error:
                print(f"run {number}: {type(error).__name__}: {str(error)[:300]}")
                seconds = None
                if pyspy:
                    dump = subprocess.run([pyspy, "dump", "--pid", str(server.pid)],
                                          capture_output=True, text=True)
                    print(f"--- run {number}: py-spy dump of the server ---\n"
                          f"{dump.stdout}{dump.stderr}")
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if seconds is None:
            print(log_path.read_text()[-3000:])
        return seconds


def edit_loop(browser: object, site: Path, url: str, deadline: float) -> float:
    """Five edits awaited in the page, an error and its overlay, the fix; when it ended."""
    def left() -> float:
        return max(1.0, (deadline - time.monotonic()) * 1000)

    port = int(url.rsplit(":", 1)[1].rstrip("/"))
    while True:  # the server is up once it answers
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    context = browser.new_context()  # type: ignore[attr-defined]
    step = "open the page"
    try:
        page = context.new_page()
        page.on("console", lambda m: print(f"  console: {m.text}"))
        page.goto(url + "costs/", timeout=left())
        page.wait_for_function("window.sitegen && window.sitegen.liveReload", timeout=left())
        source = site / PAGE
        original = source.read_text(encoding="utf-8")
        for k in range(5):
            step = f"edit {k}"
            source.write_text(original + f"\n\nEdit marker {k}.\n", encoding="utf-8")
            page.wait_for_function(f"document.body.innerText.includes('Edit marker {k}.')",
                                   timeout=left())
        step = "the error's overlay"
        source.write_text(original + "\n\nBroken {{ nosuch.row.value }}.\n", encoding="utf-8")
        page.locator("#sitegen-error-overlay").wait_for(timeout=left())
        step = "the fix"
        source.write_text(original + "\n\nFixed again.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('Fixed again.')",
                               timeout=left())
        page.locator("#sitegen-error-overlay").wait_for(state="detached", timeout=left())
    except Exception:
        print(f"  stuck at: {step}; the tab shows build "
              f"{page.evaluate('window.sitegen && window.sitegen.liveReload.build()')}")
        try:
            import urllib.request

            with urllib.request.urlopen(url + "costs/", timeout=20) as answer:
                text = answer.read().decode()
            print(f"  the server answers; markers in its page: "
                  f"{[m for m in ('Edit marker', 'Fixed again') if m in text]}")
        except OSError as error:
            print(f"  the server does not answer: {error}")
        raise
    finally:
        context.close()
    return time.monotonic()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--pyspy", default=shutil.which("py-spy"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    stalls = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for number in range(1, args.runs + 1):
            seconds = one_run(browser, number, args.timeout, args.pyspy)
            if seconds is None:
                stalls += 1
                print(f"run {number}: STALL (no end after {args.timeout:.0f} s)", flush=True)
            else:
                print(f"run {number}: {seconds:.1f} s", flush=True)
        browser.close()
    print(f"{stalls} of {args.runs} runs stalled")
    return 1 if stalls else 0


if __name__ == "__main__":
    sys.exit(main())
