#!/usr/bin/env python3
"""In-process cost of the dev server's one-page rebuild, without the watcher or HTTP.

    python benchmarks/rebuild_bench.py --sizes 10,1000 --edits 30
    python benchmarks/rebuild_bench.py --sizes 1000 --profile      # cProfile of the edits

Per size: copy the shared corpus (as serve_bench.py lays it out) to a scratch folder, build it
once with a server's Builder, then append a paragraph to one page at a time and time
`Builder.build(changed=[that page])` alone and `Server.rebuild` (the build plus publishing it:
comparing with the last build, queueing the news). Medians are printed; nothing is saved.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_bench import benchlib

from sitegen.build import Builder, BuildOptions
from sitegen.serve import Server


def site_of(n: int, scratch: Path) -> tuple[Path, list[str]]:
    corpus = benchlib.ensure_corpus(n)
    site = scratch / f"site-{n}"
    shutil.copytree(corpus, site / "content", ignore=shutil.ignore_patterns("corpus.json"))
    (site / "sitegen.toml").write_text('title = "Bench"\n')
    return site, benchlib.corpus_pages(corpus)


def edit(site: Path, rel: str) -> str:
    path = f"content/{rel}.md"
    with open(site / path, "a", encoding="utf-8") as handle:
        handle.write(f"\n\nLive edit paragraph EDIT{uuid.uuid4().hex[:12]} appended.\n")
    return path


def measure(n: int, edits: int, scratch: Path, profile: bool) -> tuple[float, float]:
    site, pages = site_of(n, scratch)
    builder = Builder(site, BuildOptions(), persist_caches=False)
    server = Server(site, builder=builder, quiet=True, log=lambda line: None)
    server.rebuild(["(start)"], 0)
    builds, rebuilds = [], []
    profiler = cProfile.Profile() if profile else None
    for k in range(edits):
        path = edit(site, pages[(n // 2 + 37 * k) % n])
        started = time.perf_counter()
        builder.build(changed=[path])
        builds.append(time.perf_counter() - started)
        path = edit(site, pages[(n // 3 + 41 * k) % n])
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        server.rebuild([path], k + 1)
        rebuilds.append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return statistics.median(builds), statistics.median(rebuilds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-rebuild-") as scratch:
        for n in (int(s) for s in args.sizes.split(",")):
            build, rebuild = measure(n, args.edits, Path(scratch), args.profile)
            print(f"N={n:<5} Builder.build(changed=...) {build * 1000:6.2f} ms   "
                  f"Server.rebuild (build + publish) {rebuild * 1000:6.2f} ms", flush=True)


if __name__ == "__main__":
    main()
