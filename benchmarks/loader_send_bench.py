"""What a loader's child is sent: a site with one big dataset and small loaders that read only
a small one, loaders run cold (`--refresh`), timed with sitegen's code from two checkouts.

Before the runner sent only what a loader asks for, every child was sent every dataset
pickled; this measures what that cost. Run from the repository:

    env -u PYTHONDONTWRITEBYTECODE .venv/bin/python benchmarks/loader_send_bench.py \\
        --code /work/main --code . --rows 200000 --loaders 4

Each checkout's `run_loaders` runs in its own interpreter (so its child processes run its
code); times are the best of --repeat runs, and the load average is recorded, since the
machine is shared: compare the ratio within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TIMED = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sitegen.config import load_config
from sitegen.errors import ProblemCollector
from sitegen.inputs import load_datasets, run_loaders
paths = load_config(__import__('pathlib').Path(sys.argv[2])).paths
problems = ProblemCollector()
datasets = load_datasets(paths, problems)
start = time.perf_counter()
made, report = run_loaders(paths, datasets, problems, 300.0, refresh=True)
print(time.perf_counter() - start, len(report.ran), len(problems.errors))
"""


def make_site(root: Path, rows: int, loaders: int) -> None:
    """A site folder: big.csv (rows rows), small.csv, and loaders reading only small."""
    data = root / "content" / "data"
    data.mkdir(parents=True)
    (root / "content" / "index.md").write_text("# Home\n", encoding="utf-8")
    with open(data / "big.csv", "w", encoding="utf-8") as out:
        out.write("id,group,value,source_title,source_url\n")
        for n in range(rows):
            out.write(f"r{n},g{n % 17},{n * 1.5},Generated,https://example.org/{n % 5}\n")
    (data / "small.csv").write_text("id,value\na,1\nb,2\n", encoding="utf-8")
    for n in range(loaders):
        (data / f"small_{n}.py").write_text(
            "def load(data):\n    return [{'id': r['id'], 'v': r['value'] * 2} "
            "for r in data['small']]\n", encoding="utf-8")


def timed(code: Path, site: Path, repeat: int) -> dict[str, float]:
    """Best and all times of run_loaders with code's sitegen."""
    times = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", TIMED, str(code.resolve()), str(site)],
                              capture_output=True, text=True, check=True)
        seconds, ran, errors = done.stdout.split()
        assert int(errors) == 0 and int(ran) > 0, done.stdout
        times.append(float(seconds))
    return {"best_s": min(times), "runs_s": times}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", action="append", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--loaders", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as folder:
        site = Path(folder)
        make_site(site, args.rows, args.loaders)
        results = {str(code): timed(code, site, args.repeat) for code in args.code}
    record = {"rows": args.rows, "loaders": args.loaders, "load_average": os.getloadavg(),
              "results": results}
    print(json.dumps(record, indent=2))
    if args.out:
        args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
