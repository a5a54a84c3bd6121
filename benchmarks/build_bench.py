#!/usr/bin/env python3
"""Build benchmark: sitegen against MkDocs and Hugo (and any other anchor tool) on one corpus.

    python benchmarks/build_bench.py                          # N=1000, 3 runs, sitegen,mkdocs,hugo
    python benchmarks/build_bench.py --quick                  # 1 timed run each, no warm-up
    python benchmarks/build_bench.py --sizes 100,1000 --tools sitegen,hugo,eleventy --runs 5

The corpus, the per-tool project layouts and the output check come from the shared anchor
harness (../shared/bench: make_corpus.py, adapters.py, benchlib.py, run_builds.py), imported
as it is, so the numbers here line up with RESULTS-anchors.md. For every size N:

  * every tool: 1 untimed warm-up (also checks the output: 3 sampled pages exist, hold their
    title and a <table>), then --runs clean cold builds (output + caches deleted first),
    round-robin across tools so machine-load drift hits every tool alike; median reported;
  * sitegen also, after each cold build: a no-op rebuild (cache and output present, nothing
    changed) and a one-page-edit rebuild (a paragraph with a unique token appended to one page,
    checked to appear in its HTML; the page is restored afterwards, untimed).

Each build runs under GNU `/usr/bin/time -v` (wall, user+sys CPU, max RSS of the largest single
process, as in the anchors), or, where that is missing, under a small Python wrapper that reads
resource.getrusage(RUSAGE_CHILDREN). For sitegen the summed PSS of its whole process tree
(parent + parse workers) is sampled every 50 ms as well, since a process pool's memory is not
one process's RSS. `os.sync()` + 1 s pause before every timed build, outside the timing.

Prints a table with pages/s and ratios (sitegen vs each tool), checks the targets of the
build-speed issue, and writes benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_builds  # noqa: E402  (shared: clean(), check_output())
from sitegen_adapter import SHARED_BENCH, adapters, benchlib  # noqa: E402

DEFAULT_TOOLS = "sitegen,mkdocs,hugo"
WORK_ROOT = Path(os.environ.get("SITEGEN_BENCH_WORK", "/tmp/sitegen-build-bench"))
RESULTS = HERE / "results" / "build.json"
GNU_TIME = "/usr/bin/time"

# Targets of the build-speed issue, at N=1000 (anchors: ../shared/bench/RESULTS-anchors.md).
NOOP_LIMIT_S = 0.5
RSS_LIMIT_MB = 300.0


# ------------------------------------------------------------------ measuring one build

_RUSAGE_WRAPPER = r"""
import json, resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
rc = subprocess.call(cmd)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
           "rc": rc}, open(out, "w"))
"""


def _have_gnu_time() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    probe = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True)
    return "Maximum resident set size" in probe.stderr


class TreeMemory:
    """Peak of the summed PSS of a process and all its descendants, sampled every `interval` s."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        todo.extend(int(c) for c in handle.read().split())
            except OSError:
                continue
        return pids

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        for line in handle:
                            if line.startswith("Pss:"):
                                total += int(line.split()[1])
                                break
                except OSError:
                    continue
            self.peak_kb = max(self.peak_kb, total)


def timed(a: adapters.Adapter, log: Path, timeout: float, *, clean: bool,
          sample_tree: bool = False) -> dict:
    """One build of `a`; clean=True deletes its output and caches first (a cold build)."""
    if clean:
        run_builds.clean(a)
    os.sync()  # flush what the previous build wrote / we deleted, outside the timing
    time.sleep(1.0)
    env = {**os.environ, **a.env}
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        tpath = tf.name
    if _have_gnu_time():
        cmd = [GNU_TIME, "-v", "-o", tpath, *a.build_cmd]
    else:
        cmd = [sys.executable, "-c", _RUSAGE_WRAPPER, tpath, *a.build_cmd]
    with open(log, "w") as lf:
        proc = subprocess.Popen(cmd, cwd=a.work, stdout=lf, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        sampler = TreeMemory(proc.pid) if sample_tree else None
        try:
            if sampler:
                sampler.__enter__()
            rc: int | str = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            benchlib.stop_group(proc, grace=5)
            rc = "timeout"
        finally:
            if sampler:
                sampler.__exit__()
    with open(tpath) as handle:
        text = handle.read()
    os.unlink(tpath)
    if cmd[0] == GNU_TIME:
        rec = benchlib.parse_time_v(text)
        rec["meter"] = "gnu-time"
    else:
        rec = json.loads(text) if text.strip() else {"wall": 0.0, "user": 0.0, "sys": 0.0,
                                                     "maxrss_kb": 0}
        rec["meter"] = "getrusage"
    rec["rc"] = rc if rc != 0 else rec.get("rc", 0)
    if sampler:
        # the sampler also sees /usr/bin/time itself (~2 MB): negligible
        rec["tree_pss_kb"] = sampler.peak_kb
    return rec


# ------------------------------------------------------------------ the one-page edit

def _edit_page(a: adapters.Adapter, rel: str, token: str) -> str:
    """Append a paragraph holding `token` to page rel; returns the original text."""
    src = a.work / a.src_file(rel)
    original = src.read_text(encoding="utf-8")
    src.write_text(original + f"\nBenchmark edit paragraph {token} appended here.\n",
                   encoding="utf-8")
    return original


# ------------------------------------------------------------------ tools

def tool_available(tool: str) -> tuple[bool, str]:
    T = adapters.TOOLS
    exe = {
        "mkdocs": T / "mkdocs" / "bin" / "mkdocs",
        "mkdocs-material": T / "material" / "bin" / "mkdocs",
        "pelican": T / "pelican" / "bin" / "pelican",
        "eleventy": T / "eleventy" / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs",
        "observable": T / "observable" / "node_modules" / "@observablehq" / "framework",
    }
    if tool in ("sitegen", "markdown-it-py"):
        return True, ""
    if tool == "hugo":
        return (shutil.which("hugo") is not None,
                "hugo not on PATH (setup_tools.sh installs Debian's hugo)")
    if tool in exe:
        if tool in ("eleventy", "observable") and not shutil.which("node"):
            return False, "node not on PATH"
        return exe[tool].exists(), f"{exe[tool]} missing"
    return False, f"unknown tool (known: {', '.join(adapters.ADAPTERS)})"


# ------------------------------------------------------------------ one size

def summarise(runs: list[dict], n: int) -> dict:
    good = [r for r in runs if r["rc"] == 0]
    if not good:
        return {"runs": len(runs), "ok_runs": 0}
    walls = [r["wall"] for r in good]
    out = {
        "runs": len(runs), "ok_runs": len(good),
        "median_wall": statistics.median(walls), "min_wall": min(walls), "max_wall": max(walls),
        "median_cpu": statistics.median(r["user"] + r["sys"] for r in good),
        "median_rss_mb": statistics.median(r["maxrss_kb"] / 1024 for r in good),
        "max_rss_mb": max(r["maxrss_kb"] / 1024 for r in good),
        "pages_per_s": n / statistics.median(walls) if statistics.median(walls) else None,
    }
    tree = [r["tree_pss_kb"] / 1024 for r in good if r.get("tree_pss_kb")]
    if tree:
        out["median_tree_pss_mb"] = statistics.median(tree)
        out["max_tree_pss_mb"] = max(tree)
    return out


def bench_size(n: int, tools: list[str], runs: int, warmup: bool, timeout: float) -> dict:
    corpus = benchlib.ensure_corpus(n)
    manifest = json.loads((corpus / "corpus.json").read_text())
    pages = [p["rel"] for p in manifest["pages"]]
    titles = {p["rel"]: p["title"] for p in manifest["pages"]}
    logdir = WORK_ROOT / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    n_pages = n  # pages/s = N / wall, as in the anchors (the home page is not counted)

    ads: dict[str, adapters.Adapter] = {}
    recs: dict[str, dict] = {}
    for t in tools:
        a = adapters.prepare(t, corpus, WORK_ROOT / f"{t}-{n}")
        ads[t] = a
        recs[t] = {"tool": t, "version": a.version, "n": n, "words": manifest["total_words"],
                   "notes": a.notes, "build_cmd": a.build_cmd, "ok": True, "error": "",
                   "cold": [], **({"noop": [], "edit": []} if t == "sitegen" else {})}
        if warmup:
            w = timed(a, logdir / f"{t}-{n}-warmup.log", timeout, clean=True,
                      sample_tree=(t == "sitegen"))
            ok, why, info = (run_builds.check_output(a, pages, titles) if w["rc"] == 0
                             else (False, f"rc={w['rc']}", {}))
            recs[t].update({"warmup": w, "ok": ok, "error": why, **info})
            print(f"[N={n}] {t}: warm-up {w['wall']:.2f}s rc={w['rc']} ok={ok} {why}",
                  flush=True)
            if not ok:
                recs[t]["log_tail"] = (logdir / f"{t}-{n}-warmup.log").read_text(
                    errors="replace")[-2000:]
                print(recs[t]["log_tail"], file=sys.stderr)
                del ads[t]

    for r in range(runs):
        for t, a in list(ads.items()):
            res = timed(a, logdir / f"{t}-{n}-cold{r + 1}.log", timeout, clean=True,
                        sample_tree=(t == "sitegen"))
            recs[t]["cold"].append(res)
            print(f"[N={n}] {t}: cold {r + 1}/{runs} wall {res['wall']:.2f}s "
                  f"cpu {res['user'] + res['sys']:.2f}s rss {res['maxrss_kb'] / 1024:.0f}MB"
                  + (f" tree-pss {res['tree_pss_kb'] / 1024:.0f}MB" if "tree_pss_kb" in res
                     else "") + f" rc={res['rc']}", flush=True)
            if not warmup and r == 0 and res["rc"] == 0:
                ok, why, info = run_builds.check_output(a, pages, titles)
                recs[t].update({"ok": ok, "error": why, **info})
                if not ok:
                    print(f"[N={n}] {t}: bad output: {why}", flush=True)
            if t != "sitegen" or res["rc"] != 0:
                continue
            # no-op rebuild: output and cache present, nothing changed
            res = timed(a, logdir / f"{t}-{n}-noop{r + 1}.log", timeout, clean=False,
                        sample_tree=True)
            recs[t]["noop"].append(res)
            print(f"[N={n}] {t}: no-op {r + 1}/{runs} wall {res['wall']:.2f}s "
                  f"cpu {res['user'] + res['sys']:.2f}s rss {res['maxrss_kb'] / 1024:.0f}MB "
                  f"rc={res['rc']}", flush=True)
            # one-page edit: a different page each run, restored afterwards (untimed)
            rel = pages[(len(pages) // 3 + 37 * r) % len(pages)]
            token = f"sgbench{os.getpid()}x{r}"
            original = _edit_page(a, rel, token)
            try:
                res = timed(a, logdir / f"{t}-{n}-edit{r + 1}.log", timeout, clean=False,
                            sample_tree=True)
                html = (a.work / a.out_file(rel)).read_text(errors="replace")
                if res["rc"] == 0 and token not in html:
                    res["rc"] = "edit not in output"
                res["page"] = rel
            finally:
                (a.work / a.src_file(rel)).write_text(original, encoding="utf-8")
            recs[t]["edit"].append(res)
            print(f"[N={n}] {t}: 1-page edit {r + 1}/{runs} wall {res['wall']:.2f}s "
                  f"cpu {res['user'] + res['sys']:.2f}s rss {res['maxrss_kb'] / 1024:.0f}MB "
                  f"rc={res['rc']}", flush=True)

    for rec in recs.values():
        for mode in ("cold", "noop", "edit"):
            if mode in rec:
                rec[mode + "_summary"] = summarise(rec[mode], n_pages)
                bad = rec[mode + "_summary"].get("runs", 0) - rec[mode + "_summary"].get("ok_runs", 0)
                if bad:
                    rec["ok"] = False
                    rec["error"] = (rec["error"] + f"; {bad} {mode} run(s) failed").lstrip("; ")
    for a in ads.values():
        run_builds.clean(a)  # keep /tmp bounded; the project folders stay for reruns
    return recs


# ------------------------------------------------------------------ report

def anchors(n: int) -> dict[str, float]:
    """Median cold-build walls of the anchor run (../shared/bench/results/builds.json) at n."""
    rows = benchlib.load_results(SHARED_BENCH / "results" / "builds.json")
    return {r["tool"]: r["median_wall"] for r in rows if r["n"] == n and r.get("median_wall")}


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def report(n: int, recs: dict[str, dict]) -> tuple[str, list[dict]]:
    lines = [f"\n## N = {n} pages (+ home page)\n",
             "| tool | build | runs | median wall s | min–max s | CPU s | pages/s "
             "| max RSS MB (largest proc) | tree PSS MB (all procs) | sitegen ÷ tool (wall) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    sg = recs.get("sitegen", {}).get("cold_summary", {}).get("median_wall")
    for t, rec in recs.items():
        for mode in ("cold", "noop", "edit"):
            s = rec.get(mode + "_summary")
            if not s:
                continue
            label = {"cold": "clean full", "noop": "no-op rebuild", "edit": "1-page edit"}[mode]
            ratio = ""
            if mode == "cold" and t != "sitegen" and sg and s.get("median_wall"):
                r = sg / s["median_wall"]
                ratio = f"{r:.3f} ({'sitegen ' + format(1 / r, '.1f') + '× faster' if r < 1 else 'sitegen ' + format(r, '.1f') + '× slower'})"
            lines.append(
                f"| {t} | {label} | {s.get('ok_runs', 0)}/{s.get('runs', 0)} "
                f"| {_f(s.get('median_wall'))} | {_f(s.get('min_wall'))}–{_f(s.get('max_wall'))} "
                f"| {_f(s.get('median_cpu'))} | {_f(s.get('pages_per_s'), '{:.0f}')} "
                f"| {_f(s.get('median_rss_mb'), '{:.0f}')} "
                f"| {_f(s.get('median_tree_pss_mb'), '{:.0f}')} | {ratio} |")
    checks: list[dict] = []
    if "sitegen" in recs and sg:
        anc = anchors(n)
        here = {t: r["cold_summary"]["median_wall"] for t, r in recs.items()
                if r.get("cold_summary", {}).get("median_wall")}

        def ref(tool: str) -> tuple[float | None, str]:
            if tool in here:
                return here[tool], "this run"
            if tool in anc:
                return anc[tool], "anchor run"
            return None, "not measured"

        s = recs["sitegen"]
        noop = s.get("noop_summary", {}).get("median_wall")
        rss = s.get("cold_summary", {}).get("max_rss_mb")
        tree = s.get("cold_summary", {}).get("max_tree_pss_mb")
        eleventy, e_src = ref("eleventy")
        mk, m_src = ref("mkdocs")
        hugo, h_src = ref("hugo")
        checks = [
            {"target": "cold ≤ Eleventy cold", "value": sg, "limit": eleventy, "source": e_src},
            {"target": "cold ≤ MkDocs cold / 8", "value": sg,
             "limit": mk / 8 if mk else None, "source": m_src},
            {"target": "cold < 2 × Hugo cold", "value": sg,
             "limit": 2 * hugo if hugo else None, "source": h_src},
            {"target": "no-op rebuild < 0.5 s", "value": noop, "limit": NOOP_LIMIT_S,
             "source": "issue"},
            {"target": "no-op rebuild < Hugo cold / 3", "value": noop,
             "limit": hugo / 3 if hugo else None, "source": h_src},
            {"target": "peak RSS < 300 MB (largest process, max of cold runs)", "value": rss,
             "limit": RSS_LIMIT_MB, "source": "issue"},
            {"target": "peak PSS < 300 MB (all sitegen processes, max of cold runs)",
             "value": tree, "limit": RSS_LIMIT_MB, "source": "issue"},
        ]
        lines += ["", "Targets of the build-speed issue (set for N=1000)"
                  + ("" if n == 1000 else f"; indicative only at N={n}") + ":",
                  "", "| target (sitegen) | sitegen | limit | limit from | met? |",
                  "|---|---:|---:|---|---|"]
        for c in checks:
            c["met"] = (None if c["value"] is None or c["limit"] is None
                        else c["value"] <= c["limit"])
            lines.append(f"| {c['target']} | {_f(c['value'])} | {_f(c['limit'])} | {c['source']} "
                         f"| {'–' if c['met'] is None else ('yes' if c['met'] else 'NO')} |")
    for t, rec in recs.items():
        if not rec.get("ok"):
            lines.append(f"\n{t}: PROBLEM: {rec.get('error')}")
    return "\n".join(lines), checks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000", help="comma-separated page counts (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool and size (default 3)")
    ap.add_argument("--tools", default=DEFAULT_TOOLS,
                    help=f"comma-separated (default {DEFAULT_TOOLS}); "
                         f"known: {', '.join(adapters.ADAPTERS)}")
    ap.add_argument("--quick", action="store_true",
                    help="1 timed run per tool, no warm-up (the first run is checked instead)")
    ap.add_argument("--timeout", type=float, default=600, help="per build, seconds")
    ap.add_argument("--out", default=str(RESULTS), help="JSON results file")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    tools = []
    for t in (x.strip() for x in args.tools.split(",") if x.strip()):
        ok, why = tool_available(t)
        if ok:
            tools.append(t)
        else:
            print(f"skipping {t}: {why} (bash {SHARED_BENCH / 'setup_tools.sh'} installs it)",
                  file=sys.stderr)
    if not tools:
        print("no tool to run", file=sys.stderr)
        return 2
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load_at_start = os.getloadavg()
    if load_at_start[0] > 1.0:
        print(f"warning: load average {load_at_start[0]:.1f} on {os.cpu_count()} cores: other work "
              "is running and wall times will be inflated; compare CPU too, or rerun when quiet",
              file=sys.stderr, flush=True)
    all_recs, text, checks_by_n = [], [], {}
    for size in args.sizes.split(","):
        n = int(size)
        t0 = time.time()
        recs = bench_size(n, tools, runs, warmup=not args.quick, timeout=args.timeout)
        block, checks = report(n, recs)
        print(block, flush=True)
        print(f"\nN={n} done in {time.time() - t0:.0f}s", flush=True)
        text.append(block)
        checks_by_n[n] = checks
        all_recs += list(recs.values())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meter = "gnu-time" if _have_gnu_time() else "getrusage"
    payload = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "started": started, "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": benchlib.machine_info(), "meter": meter,
        "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg(),
        "runs": runs, "warmup": not args.quick, "tools": tools,
        "results": all_recs, "targets": {str(k): v for k, v in checks_by_n.items()},
        "table_markdown": "\n".join(text),
    }
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=str))
    tmp.replace(out)
    print(f"\nwrote {out}")
    return 0 if all(r.get("ok") for r in all_recs) else 1


if __name__ == "__main__":
    sys.exit(main())
