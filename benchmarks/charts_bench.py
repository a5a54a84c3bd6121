#!/usr/bin/env python3
"""Chart benchmark: cold and warm builds of a site with 100 charts, and the cost per chart.

    python benchmarks/charts_bench.py                 # 100 charts, 3 runs of each build
    python benchmarks/charts_bench.py --charts 200 --runs 5
    python benchmarks/charts_bench.py --no-breakdown  # builds only

The site (made in a temporary folder) has 10 pages of charts over 5 datasets of 60 rows: four
in five charts are YAML blocks (bars, lines, points, layered, with filters and tooltips), one
in five is a chart module (layered, with a selection). Each build runs the real command line
(`python -m sitegen build`) in a subprocess:

  * cold: output and cache deleted first;
  * warm: right after, nothing changed (target: under 10% of the cold build);
  * one dataset edited: only the charts that read it are rendered again.

Then, in this process, the per-chart breakdown: building the spec with Altair, and rendering
the SVG with vl-convert (after its first call, which is timed on its own).
Prints a table and writes benchmarks/results/charts.json.
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
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "charts.json"
WARM_LIMIT = 0.10
DATASETS = 5
ROWS = 60
PAGES = 10

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
    shape = n % 4
    head = (f"data: {dataset}\ndescription: Chart {n} of the benchmark.\nkind: estimate\n"
            f"title: Chart {n}\n")
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


def make_site(root: Path, charts: int) -> None:
    """The benchmark site: datasets, chart modules and pages holding `charts` charts."""
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
            name = f"m{n}"
            (root / "content" / "charts" / f"{name}.py").write_text(
                MODULE.replace("{dataset}", dataset).replace("{n}", str(n)))
            body = f"python: {name}\ndescription: Module chart {n}.\nkind: mixed\n"
        else:
            body = yaml_chart(n, dataset)
        blocks[n % PAGES].append(f"Text before chart {n}.\n\n```chart\n{body}```\n")
    (root / "content" / "index.md").write_text("---\ntitle: Charts bench\n---\n# Home\n")
    for p, page_blocks in enumerate(blocks):
        (root / "content" / f"page{p}.md").write_text(
            f"---\ntitle: Page {p}\n---\n# Page {p}\n\n" + "\n".join(page_blocks))


def build(root: Path) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", "-q"], cwd=root, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stdout}{done.stderr}")
    return seconds


def clean(root: Path) -> None:
    shutil.rmtree(root / "_site", ignore_errors=True)
    shutil.rmtree(root / ".sitegen-cache", ignore_errors=True)


def breakdown(root: Path) -> dict[str, float]:
    """Per-chart cost of each stage, measured in this process."""
    sys.path.insert(0, str(REPO))
    from sitegen import build as build_module  # noqa: F401  (imports as a build would)
    from sitegen.charts.blocks import ChartBlock, read_block_yaml
    from sitegen.charts.modules import build_python_chart
    from sitegen.charts.render import render_svg, vegalite_version
    from sitegen.charts.schema import SchemaChecker
    from sitegen.charts.specs import build_yaml_chart
    from sitegen.config import SitePaths
    from sitegen.errors import ProblemCollector
    from sitegen.inputs.data import load_datasets

    paths = SitePaths(root)
    datasets = load_datasets(paths, ProblemCollector())
    texts = []
    for page in sorted((root / "content").glob("page*.md")):
        texts += page.read_text().split("```chart\n")[1:]
    blocks = [ChartBlock("content/x.md", i, t.split("```")[0], 1) for i, t in enumerate(texts)]
    start = time.perf_counter()
    import altair  # noqa: F401
    altair_import = time.perf_counter() - start
    specs = []
    checker = SchemaChecker()
    start = time.perf_counter()
    for block in blocks:
        raw, places = read_block_yaml(block)
        build_one = build_python_chart if "python" in raw else build_yaml_chart
        specs.append(build_one(block, raw, places, datasets, root,
                               paths.charts if "python" in raw else paths.data,
                               checker))
    spec_each = (time.perf_counter() - start) / len(blocks)
    version = vegalite_version()
    jobs = [(json.dumps(s.render_spec()), s.description, version) for s in specs]
    start = time.perf_counter()
    render_svg(jobs[0])
    first_call = time.perf_counter() - start
    start = time.perf_counter()
    for job in jobs:
        render_svg(job)
    svg_each = (time.perf_counter() - start) / len(jobs)
    return {"altair_import_s": altair_import, "spec_ms_per_chart": spec_each * 1000,
            "vl_convert_first_call_s": first_call, "svg_ms_per_chart": svg_each * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated site")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sitegen-charts-bench-"))
    root = work / "site"
    make_site(root, args.charts)
    cold, warm, edited = [], [], []
    try:
        for _ in range(args.runs):
            clean(root)
            cold.append(build(root))
            warm.append(build(root))
            data = root / "content" / "data" / "d0.csv"
            original = data.read_text()
            data.write_text(original.replace(",1,", ",2,", 1))
            edited.append(build(root))
            data.write_text(original)
            build(root)  # back to the original data, untimed
        result: dict[str, object] = {
            "charts": args.charts, "runs": args.runs,
            "cold_s": statistics.median(cold), "warm_s": statistics.median(warm),
            "one_dataset_edited_s": statistics.median(edited),
        }
        result["cold_ms_per_chart"] = result["cold_s"] * 1000 / args.charts
        result["warm_ms_per_chart"] = result["warm_s"] * 1000 / args.charts
        result["warm_over_cold"] = result["warm_s"] / result["cold_s"]
        if not args.no_breakdown:
            result.update(breakdown(root))
    finally:
        if args.keep:
            print(f"site kept at {root}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{args.charts} charts, median of {args.runs} runs (python -m sitegen build):")
    print(f"  cold build            {result['cold_s']:7.2f} s   "
          f"{result['cold_ms_per_chart']:6.1f} ms/chart")
    print(f"  warm build            {result['warm_s']:7.2f} s   "
          f"{result['warm_ms_per_chart']:6.1f} ms/chart")
    print(f"  one dataset edited    {result['one_dataset_edited_s']:7.2f} s   "
          f"({args.charts // DATASETS} charts read it)")
    ratio = result["warm_over_cold"]
    verdict = "meets" if ratio < WARM_LIMIT else "MISSES"
    print(f"  warm / cold           {ratio:7.1%}   ({verdict} the {WARM_LIMIT:.0%} target)")
    if "spec_ms_per_chart" in result:
        print("in-process breakdown:")
        print(f"  import altair         {result['altair_import_s'] * 1000:7.0f} ms")
        print(f"  spec via Altair       {result['spec_ms_per_chart']:7.1f} ms/chart")
        print(f"  vl-convert 1st call   {result['vl_convert_first_call_s'] * 1000:7.0f} ms")
        print(f"  SVG via vl-convert    {result['svg_ms_per_chart']:7.1f} ms/chart")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0 if ratio < WARM_LIMIT else 1


if __name__ == "__main__":
    raise SystemExit(main())
