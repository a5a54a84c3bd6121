#!/usr/bin/env python3
"""Chart benchmark (issues 13 and 11): builds, page weight and time to interactive.

    python benchmarks/charts_bench.py                       # everything, 1 run each
    python benchmarks/charts_bench.py --runs 3 --only sites # explainer + 100-chart site
    python benchmarks/charts_bench.py --only big            # 1M-row histogram, 50k scatter
    python benchmarks/charts_bench.py --repo /tmp/before --out before.json  # another checkout

Sites (each copied into a temporary folder, built by `python -m sitegen build` of --repo):

  * explainer: this repository's own site (content/, sitegen.toml);
  * generated: 10 pages, 100 charts over 5 datasets of 60 rows (bars, lines, points, layers,
    chart modules with selections).

For each: cold with no caches (a fresh, empty SITEGEN_CACHE_DIR and no .sitegen-cache/), cold
with a warm user cache (only .sitegen-cache/ deleted), warm rebuild, one-chart edit (the first
chart's description changed, so its drawing changes); the bytes a chart page loads (HTML, the
chart JavaScript, chart data files and static images, raw and gzip -9); and, for the
explainer's shipments page in Chromium, the time from navigation until every chart on it is
interactive (a tall viewport, so every figure is near it). The anchor is Altair itself: the
same Vega-Lite specs saved with chart.save() to SVG and to HTML, in one Python process.

Big data (issue 11): a generated 1M-row dataset as a histogram, and a 50,000-row scatter, each
on its own page: build cold and warm, page weight (HTML + chart data + static image), side by
side with the size of Altair's own chart.save() HTML for the same chart.
Writes benchmarks/results/charts.json (or --out).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASETS, ROWS, PAGES = 5, 60, 10
MODULE = """\
import altair as alt


def chart(data):
    rows = list(data["{dataset}"])
    pick = alt.selection_point(fields=["group"], bind="legend")
    base = alt.Chart(alt.Data(values=rows)).encode(x="period:O", y="sum(value):Q")
    bars = base.mark_bar().encode(
        color="group:N", opacity=alt.condition(pick, alt.value(1), alt.value(0.3)),
    ).add_params(pick)
    return (bars + base.mark_line(color="black")).properties(title="Module chart {n}")
"""


def yaml_chart(n: int, dataset: str) -> str:
    """One of four YAML chart shapes, varied by n so no two specs are the same."""
    head = (f"data: {dataset}\ndescription: Chart {n} of the benchmark.\nkind: estimate\n"
            f"title: Chart {n}\n")
    shape = n % 4
    if shape == 0:
        return head + (f"transform:\n  - filter: \"datum.group == 'g{n % 3}'\"\nmark: bar\n"
                       "encoding:\n  x: period:O\n  y: value\n  tooltip: [period, value]\n")
    if shape == 1:
        return head + ("mark: {type: line, point: true}\nencoding:\n  x: day\n  y: value\n"
                       "  color: group\n")
    if shape == 2:
        return head + (f"width: {300 + n}\nmark: point\nencoding:\n  x: value\n  y: share\n"
                       "  color: group\n  size: share\n")
    return head + ("layer:\n  - mark: area\n    encoding:\n      x: day\n      y: mean(value):Q\n"
                   f"  - mark: rule\n    encoding:\n      y: {{datum: {n}}}\n")


def make_generated(root: Path, charts: int = 100) -> None:
    data = root / "content" / "data"
    data.mkdir(parents=True)
    (root / "content" / "charts").mkdir()
    for d in range(DATASETS):
        lines = ["id,group,period,day,value,share,source_title,source_url"]
        for r in range(ROWS):
            lines.append(f"r{r},g{r % 3},P{r // 3:02d},2024-{1 + r // 28:02d}-{1 + r % 28:02d},"
                         f"{(r * (d + 3)) % 97 + 1},{(r % 10) / 10},Source {r % 4},"
                         f"https://example.com/s{r % 4}")
        (data / f"d{d}.csv").write_text("\n".join(lines) + "\n")
    blocks: list[list[str]] = [[] for _ in range(PAGES)]
    for n in range(charts):
        dataset = f"d{n % DATASETS}"
        if n % 5 == 4:
            (root / "content" / "charts" / f"m{n}.py").write_text(
                MODULE.replace("{dataset}", dataset).replace("{n}", str(n)))
            body = f"python: m{n}\ndescription: Module chart {n}.\nkind: mixed\n"
        else:
            body = yaml_chart(n, dataset)
        blocks[n % PAGES].append(f"Text before chart {n}.\n\n```chart\n{body}```\n")
    (root / "content" / "index.md").write_text("---\ntitle: Charts bench\n---\n# Home\n")
    for p, page_blocks in enumerate(blocks):
        (root / "content" / f"page{p}.md").write_text(
            f"---\ntitle: Page {p}\n---\n# Page {p}\n\n" + "\n".join(page_blocks))


def make_explainer(root: Path, source: Path = REPO) -> None:
    root.mkdir(parents=True)
    for name in ("content", "templates", "static"):
        if (source / name).is_dir():
            shutil.copytree(source / name, root / name)
    shutil.copy(source / "sitegen.toml", root / "sitegen.toml")


def make_big(root: Path, kind: str) -> None:
    """A page with one chart over generated data: `histogram` (1M rows) or `scatter` (50k)."""
    rng = random.Random(13)
    data = root / "content" / "data"
    data.mkdir(parents=True)
    if kind == "histogram":
        lines = ["id,value"] + [f"r{i},{rng.gauss(50, 15):.2f}" for i in range(1_000_000)]
        block = ("data: big\ndescription: A histogram of a million values.\nkind: estimate\n"
                 "mark: bar\nencoding:\n  x: {field: value, bin: {maxbins: 40}}\n"
                 "  y: {aggregate: count}\n")
    else:
        lines = ["id,x,y"] + [f"p{i},{rng.uniform(0, 100):.2f},{rng.gauss(50, 20):.2f}"
                              for i in range(50_000)]
        block = ("data: big\ndescription: 50,000 points.\nkind: estimate\nmark: point\n"
                 "encoding:\n  x: x:Q\n  y: y:Q\n")
    (data / "big.csv").write_text("\n".join(lines) + "\n")
    (root / "content" / "index.md").write_text(
        f"---\ntitle: Big\n---\n# Big\n\n```chart\n{block}```\n")


def run_build(repo: Path, root: Path, user_cache: Path, timeout: float = 1800) -> float:
    env = {**os.environ, "SITEGEN_CACHE_DIR": str(user_cache),
           "PYTHONPATH": os.pathsep.join(p for p in (str(repo), os.environ.get("PYTHONPATH", ""))
                                         if p)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", "-q"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{done.stdout}{done.stderr}")
    return seconds


def edit_first_chart(root: Path) -> None:
    for page in sorted((root / "content").rglob("*.md")):
        text = page.read_text()
        if "```chart" not in text:
            continue
        head, tail = text.split("```chart", 1)
        found = re.search(r"\ndescription: (?:[>|][-+]?\n\s+)?", tail.split("```", 1)[0])
        if found:  # plain or block scalar: the words start at found.end()
            page.write_text(head + "```chart" + tail[:found.end()] + "Edited. "
                            + tail[found.end():])
            return


def builds(repo: Path, root: Path, work: Path, runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in
                                     ("cold_no_caches", "cold_warm_user_cache", "warm_rebuild",
                                      "one_chart_edit")}
    pristine = work / f"{root.name}-pristine"
    shutil.copytree(root, pristine)
    for run in range(runs):
        shutil.rmtree(root)
        shutil.copytree(pristine, root)
        user = work / f"user-cache-{root.name}-{run}"
        times["cold_no_caches"].append(run_build(repo, root, user))
        shutil.rmtree(root / ".sitegen-cache")
        shutil.rmtree(root / "_site")
        times["cold_warm_user_cache"].append(run_build(repo, root, user))
        times["warm_rebuild"].append(run_build(repo, root, user))
        edit_first_chart(root)
        times["one_chart_edit"].append(run_build(repo, root, user))
    shutil.rmtree(root)
    shutil.copytree(pristine, root)
    run_build(repo, root, work / f"user-cache-{root.name}-0")  # leave a built site
    return {k: statistics.median(v) for k, v in times.items()}


def _size(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, 9))


def page_weight(out: Path, page: Path, with_js: bool = True) -> dict[str, int]:
    """Bytes a chart page loads: HTML, chart JS, chart data files and static images."""
    html = page.read_text(encoding="utf-8")
    base = page.parent
    parts: dict[str, list[bytes]] = {"html": [html.encode()], "js": [], "data": [], "image": []}
    if with_js:
        for src in re.findall(r'src="([^"]*sitegen-charts[^"]*\.js)"', html) + \
                re.findall(r'data-vega-bundle="([^"]+)"', html):
            parts["js"].append((base / src).read_bytes())
    seen: set[Path] = set()
    for url in re.findall(r'"url":"([^"]+)"', html):
        path = (base / url).resolve()
        if path not in seen and path.is_file():
            seen.add(path)
            parts["data"].append(path.read_bytes())
    for src in re.findall(r'<img class="chart-raster" src="([^"]+)"', html):
        parts["image"].append((base / src).read_bytes())
    weight: dict[str, int] = {}
    for name, chunks in parts.items():
        raw, packed = (sum(x) for x in zip(*(_size(c) for c in chunks), strict=True)) \
            if chunks else (0, 0)
        weight[f"{name}_raw"], weight[f"{name}_gzip"] = raw, packed
    weight["total_raw"] = sum(v for k, v in weight.items() if k.endswith("_raw"))
    weight["total_gzip"] = sum(v for k, v in weight.items() if k.endswith("_gzip"))
    return weight


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def time_to_interactive(out: Path, path: str, runs: int) -> float | None:
    """Median ms from navigation until every figure.chart on the page is interactive."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{path}"
    found = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 30000})
                page = context.new_page()
                page.goto(url)
                page.wait_for_function(
                    "(() => { const f = [...document.querySelectorAll('figure.chart')];"
                    " return f.length && f.every(x => x.classList.contains('chart-live') &&"
                    " x.querySelector('.chart-interactive svg')); })()", timeout=120_000)
                found.append(page.evaluate("performance.now()"))
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return statistics.median(found)


ALTAIR_ANCHOR = """
import json, sys, time, tempfile, pathlib
start = time.perf_counter()
import altair as alt
alt.data_transformers.disable_max_rows()
specs = json.loads(pathlib.Path(sys.argv[1]).read_text())
out = pathlib.Path(tempfile.mkdtemp())
sizes = []
kinds = {"layer": alt.LayerChart, "hconcat": alt.HConcatChart, "vconcat": alt.VConcatChart,
         "concat": alt.ConcatChart, "facet": alt.FacetChart, "repeat": alt.RepeatChart}
for n, spec in enumerate(specs):
    cls = next((c for k, c in kinds.items() if k in spec), alt.Chart)
    chart = cls.from_dict(spec, validate=False)
    chart.save(str(out / f"{n}.svg"))
    chart.save(str(out / f"{n}.html"))
    sizes.append((out / f"{n}.html").stat().st_size)
print(json.dumps({"seconds": time.perf_counter() - start, "html_bytes": sizes}))
"""


def altair_anchor(specs: list[dict]) -> dict:
    """Altair's chart.save() to SVG and HTML for the same specs, in one process."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(specs, handle)
    try:
        done = subprocess.run([sys.executable, "-c", ALTAIR_ANCHOR, handle.name],
                              capture_output=True, text=True, timeout=3600)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def site_specs(root: Path) -> list[dict]:
    """The Vega-Lite specs of a built site's charts, data inline (from its chart cache)."""
    specs = []
    for entry in sorted((root / ".sitegen-cache" / "charts").glob("*.json")):
        value = json.loads(entry.read_text())
        vegalite = value.get("png_spec_json") or ""
        if vegalite:
            specs.append(json.loads(vegalite))
    return specs


def big_spec(root: Path) -> dict:
    """The big chart as Vega-Lite with its data inline, for Altair's chart.save()."""
    text = (root / "content" / "data" / "big.csv").read_text().splitlines()
    columns = text[0].split(",")
    rows = [dict(zip(columns, line.split(","), strict=True)) for line in text[1:]]
    values = [{k: (v if k == "id" else float(v)) for k, v in r.items()} for r in rows]
    if "value" in columns:
        return {"data": {"values": values}, "mark": "bar",
                "encoding": {"x": {"field": "value", "bin": {"maxbins": 40}},
                             "y": {"aggregate": "count"}}}
    return {"data": {"values": values}, "mark": "point",
            "encoding": {"x": {"field": "x", "type": "quantitative"},
                         "y": {"field": "y", "type": "quantitative"}}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", choices=["sites", "big", "all"], default="all")
    parser.add_argument("--repo", type=Path, default=REPO, help="the sitegen checkout to time")
    parser.add_argument("--no-anchor", action="store_true", help="skip Altair's chart.save()")
    parser.add_argument("--big-timeout", type=float, default=900)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "charts.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitegen-charts-bench-"))
    result: dict[str, object] = {"repo": str(args.repo), "runs": args.runs,
                                 "load_average": os.getloadavg()}
    try:
        if args.only in ("sites", "all"):
            explainer = functools.partial(make_explainer, source=args.repo)  # its own content
            for name, make, page in (("explainer", explainer, "shipments/index.html"),
                                     ("generated", make_generated, "page0/index.html")):
                root = work / name
                make(root)
                row: dict[str, object] = builds(args.repo, root, work, args.runs)
                row["page"] = page
                row["page_weight"] = page_weight(root / "_site", root / "_site" / page)
                if name == "explainer":
                    row["chromium_ms_until_interactive"] = time_to_interactive(
                        root / "_site", page.removesuffix("index.html"), 3)
                if not args.no_anchor:
                    row["altair_save_svg_html"] = altair_anchor(site_specs(root))
                result[name] = row
                print(name, json.dumps(row, indent=1))
        if args.only in ("big", "all"):
            for kind in ("histogram", "scatter"):
                root = work / kind
                make_big(root, kind)
                user = work / f"user-{kind}"
                try:
                    row = {"cold_s": run_build(args.repo, root, user, args.big_timeout),
                           "warm_s": run_build(args.repo, root, user, args.big_timeout)}
                except subprocess.TimeoutExpired:
                    result[kind] = {"timeout_s": args.big_timeout}
                    continue
                row["page_weight"] = page_weight(root / "_site", root / "_site" / "index.html",
                                                 with_js=False)
                if not args.no_anchor:
                    anchor = altair_anchor([big_spec(root)])
                    row["altair_save_html_bytes"] = (anchor.get("html_bytes") or [None])[0]
                    row["altair_save_s"] = anchor.get("seconds")
                result[kind] = row
                print(kind, json.dumps(row, indent=1))
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
