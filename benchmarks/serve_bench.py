#!/usr/bin/env python3
"""Edit-to-visible latency of `sitegen serve`, the way ../shared/bench/run_serve.py measures
the other generators' dev servers, plus the same in Chromium.

    python benchmarks/serve_bench.py                       # N=10 and N=1000, 5 edits each
    python benchmarks/serve_bench.py --sizes 1000 --edits 9 --no-browser --no-anchors

Per size: lay the shared corpus (make_corpus.py, seed 1234) out as a sitegen site under
/tmp/bench-work/sitegen-serve-N, start `sitegen serve --host 127.0.0.1 --port <free>` in its
own process group, wait for the first page and the "serving" line, then:

* HTTP (run_serve.py's loop): GET the target page, wait 1-1.5 s (seeded jitter), append a
  paragraph with a unique token to its Markdown source, poll GET every 10 ms until the body
  holds the token -> "visible"; then wait for the server's `rebuilt in Xs` line (its own
  rebuild time) so edits never overlap. Each edit hits a different page.
* Chromium: open the target page, wait until its live-reload stream is connected, append a
  token, poll the DOM every ~5 ms until the text holds it -> "visible in the browser" (the
  page reloads by itself: nothing but the server's event tells it to).

Then, when they are installed (mkdocs under /tmp/bench-tools, hugo on PATH), run
../shared/bench/run_serve.py for them at the largest size, so the numbers sit side by side.
Results: benchmarks/results/serve.json (one record per tool and size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = Path(os.environ.get("SITEGEN_SHARED_BENCH", REPO.parent / "shared" / "bench"))
if not (SHARED_BENCH / "run_serve.py").is_file():
    sys.exit(f"serve_bench: the shared harness is not at {SHARED_BENCH} "
             "(set SITEGEN_SHARED_BENCH=/path/to/shared/bench)")
sys.path.insert(0, str(SHARED_BENCH))

import benchlib  # noqa: E402  (shared/bench/benchlib.py)
from run_serve import free_port, get, wait_until  # noqa: E402  (the same helpers as run_serve)

HOST = "127.0.0.1"
TOOLS = Path(os.environ.get("BENCH_TOOLS", "/tmp/bench-tools"))
RESULTS = REPO / "benchmarks" / "results" / "serve.json"
REBUILT = re.compile(r"^rebuilt in ([\d.]+)s", re.M)


def lay_out(n: int) -> tuple[Path, list[str]]:
    """A fresh sitegen site holding the N-page corpus; (site, page rels)."""
    corpus = benchlib.ensure_corpus(n)
    site = benchlib.WORK_ROOT / f"sitegen-serve-{n}"
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(corpus, site / "content", ignore=shutil.ignore_patterns("corpus.json"))
    (site / "sitegen.toml").write_text('title = "Bench"\n')
    return site, benchlib.corpus_pages(corpus)


def sitegen_command() -> list[str]:
    beside = Path(sys.executable).parent / "sitegen"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    return [sys.executable, "-m", "sitegen"]


def url_of(rel: str) -> str:
    return f"/{rel}/"


def append_token(site: Path, rel: str) -> str:
    token = f"EDITTOKEN{uuid.uuid4().hex[:12]}"
    with open(site / "content" / f"{rel}.md", "a", encoding="utf-8") as handle:
        handle.write(f"\n\nLive edit paragraph {token} appended by the benchmark.\n")
    return token


def wait_rebuilt(log: Path, count: int, limit: float = 120) -> float | None:
    _, found = wait_until(lambda: len(REBUILT.findall(log.read_text(errors="replace"))) > count
                          and REBUILT.findall(log.read_text(errors="replace")), limit, step=0.02)
    return float(found[count]) if found else None


def summary(values: list[float | None]) -> dict:
    good = [v for v in values if v is not None]
    return {"median_s": statistics.median(good) if good else None,
            "min_s": min(good) if good else None, "max_s": max(good) if good else None,
            "timeouts": len(values) - len(good)}


def http_edits(site: Path, base: str, log: Path, targets: list[str], max_wait: float,
               jitter: random.Random) -> list[dict]:
    edits = []
    for k, rel in enumerate(targets):
        url = base + url_of(rel)
        status, _ = get(url)
        rebuilt = len(REBUILT.findall(log.read_text(errors="replace")))
        time.sleep(1.0 + jitter.uniform(0.0, 0.5))
        token = append_token(site, rel)
        visible, _ = wait_until(
            lambda token=token, url=url: token in get(url, timeout=max_wait)[1], max_wait, 0.01)
        reported = wait_rebuilt(log, rebuilt)
        edits.append({"page": rel, "pre_status": status, "visible_s": visible,
                      "server_reported_s": reported})
        shown = "TIMEOUT" if visible is None else f"{visible * 1000:.0f} ms"
        print(f"  http   edit {k + 1}/{len(targets)} {rel}: visible {shown}"
              + (f" (server rebuild {reported * 1000:.0f} ms)" if reported is not None else ""),
              flush=True)
    return edits


def browser_edits(site: Path, base: str, log: Path, targets: list[str], max_wait: float,
                  jitter: random.Random) -> list[dict] | str:
    chromium = os.environ.get("SITEGEN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright is not installed"
    if not Path(chromium).exists():
        return "no chromium"
    edits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_context().new_page()
        for k, rel in enumerate(targets):
            page.goto(base + url_of(rel))
            page.wait_for_function("window.sitegen && window.sitegen.liveReload && "
                                   "window.sitegen.liveReload.connected", timeout=30_000)
            rebuilt = len(REBUILT.findall(log.read_text(errors="replace")))
            time.sleep(0.5 + jitter.uniform(0.0, 0.5))
            token = append_token(site, rel)
            t_edit = time.perf_counter()
            visible = None
            probe = f"document.body !== null && document.body.textContent.includes({token!r})"
            while time.perf_counter() - t_edit < max_wait:
                try:
                    if page.evaluate(probe):
                        visible = time.perf_counter() - t_edit
                        break
                except PlaywrightError:
                    pass  # the page is reloading: its old context is gone
                time.sleep(0.003)
            wait_rebuilt(log, rebuilt)
            edits.append({"page": rel, "visible_s": visible})
            shown = "TIMEOUT" if visible is None else f"{visible * 1000:.0f} ms"
            print(f"  chrome edit {k + 1}/{len(targets)} {rel}: visible {shown}", flush=True)
        browser.close()
    return edits


def bench_sitegen(n: int, edits: int, max_wait: float, browser: bool) -> dict:
    site, pages = lay_out(n)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = benchlib.WORK_ROOT / "logs" / f"serve-sitegen-{n}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    count = min(edits, len(pages))
    targets = [pages[(n // 2 + 37 * k) % n] for k in range(count)]
    chrome_targets = [pages[(n // 3 + 41 * k) % n] for k in range(count)]
    record: dict = {"tool": "sitegen", "n": n, "edits": edits, "ok": False}
    jitter = random.Random(f"sitegen-{n}")
    with open(log, "w") as handle:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*sitegen_command(), "serve", "--host", HOST, "--port", str(port)], cwd=site,
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        ready, _ = wait_until(lambda: proc.poll() is not None
                              or get(base + url_of(targets[0]))[0] == 200, 900, step=0.05)
        if proc.poll() is not None or ready is None:
            record["error"] = "server did not start: " + log.read_text(errors="replace")[-2000:]
            return record
        record["startup_s"] = time.perf_counter() - started
        wait_until(lambda: "serving http" in log.read_text(errors="replace"), 60, step=0.05)
        print(f"[sitegen N={n}] ready on :{port} after {record['startup_s']:.2f}s", flush=True)
        time.sleep(1.0)
        record["http"] = http_edits(site, base, log, targets, max_wait, jitter)
        record["http_summary"] = summary([e["visible_s"] for e in record["http"]])
        record["server_reported"] = summary([e["server_reported_s"] for e in record["http"]])
        if browser:
            outcome = browser_edits(site, base, log, chrome_targets, max_wait, jitter)
            if isinstance(outcome, str):
                record["browser_error"] = outcome
            else:
                record["browser"] = outcome
                record["browser_summary"] = summary([e["visible_s"] for e in outcome])
        record["ok"] = not record["http_summary"]["timeouts"] and not (
            record.get("browser_summary", {}).get("timeouts"))
        return record
    finally:
        benchlib.stop_group(proc)
        record["exit_code"] = proc.returncode
        record["machine"] = benchlib.machine_info()


def installed_anchors() -> list[str]:
    found = []
    if (TOOLS / "mkdocs" / "bin" / "mkdocs").exists():
        found.append("mkdocs")
    if shutil.which("hugo") or (TOOLS / "hugo").exists():
        found.append("hugo")
    return found


def run_anchors(tools: list[str], n: int, edits: int) -> None:
    out = REPO / "benchmarks" / "results" / "serve-anchors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(SHARED_BENCH / "run_serve.py"), "--tools", ",".join(tools),
                    "--n", str(n), "--edits", str(edits), "--out", str(out)], check=False)
    for record in json.loads(out.read_text()) if out.exists() else []:
        if record.get("n") == n and record.get("tool") in tools:
            median = record.get("median_visible_s")
            print(f"[{record['tool']} N={n}] median visible "
                  + ("n/a" if median is None else f"{median * 1000:.0f} ms"), flush=True)


def fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 1000:6.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--max-wait", type=float, default=60.0)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-anchors", action="store_true",
                        help="skip mkdocs/hugo even when installed")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    records = []
    for n in sizes:
        record = bench_sitegen(n, args.edits, args.max_wait, not args.no_browser)
        benchlib.save_record(RESULTS, record)
        records.append(record)
    print("\nedit -> visible (ms)         median    min    max   server rebuild (median)")
    for record in records:
        if "http_summary" not in record:
            print(f"sitegen N={record['n']}: {record.get('error', 'failed')}")
            continue
        h, r = record["http_summary"], record["server_reported"]
        print(f"sitegen N={record['n']:<5} HTTP     {fmt(h['median_s'])} {fmt(h['min_s'])} "
              f"{fmt(h['max_s'])}   {fmt(r['median_s'])}")
        b = record.get("browser_summary")
        if b:
            print(f"sitegen N={record['n']:<5} Chromium {fmt(b['median_s'])} {fmt(b['min_s'])} "
                  f"{fmt(b['max_s'])}")
        elif record.get("browser_error"):
            print(f"sitegen N={record['n']:<5} Chromium skipped: {record['browser_error']}")
    anchors = [] if args.no_anchors else installed_anchors()
    if anchors:
        run_anchors(anchors, max(sizes), args.edits)
    elif not args.no_anchors:
        print(f"(mkdocs/hugo not installed under {TOOLS}: anchors skipped)")


if __name__ == "__main__":
    main()
