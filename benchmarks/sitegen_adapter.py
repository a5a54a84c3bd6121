"""The sitegen adapter for the shared anchor-benchmark harness (../shared/bench).

The harness (make_corpus.py, adapters.py, benchlib.py, run_builds.py) lives outside this
repository, in the workspace's shared/bench folder; this module finds it, imports it as it is
(nothing is copied) and adds one `Adapter` for sitegen, so the same corpus, the same clean /
time / check steps and the same result fields apply to sitegen and to the other generators.

Importing this module:
  * puts shared/bench on sys.path (or exits with a clear message if it is not there);
  * registers `adapters.ADAPTERS["sitegen"]` in memory (the shared file is not edited).

sitegen's behaviour the adapter relies on (see sitegen/content.py, sitegen/build.py, cli.py):
  * pages are Markdown under content/; relative `.md` links such as `../sec-03/page-00042.md`
    are resolved by sitegen itself, so the corpus is copied unchanged;
  * `content/a/b.md` -> `_site/a/b/index.html`, URL `/a/b/`; `content/index.md` -> `_site/index.html`;
  * the parse cache lives in `.sitegen-cache/`; the output in `_site/` (default output_dir);
  * `sitegen serve --port P` binds 127.0.0.1 by default (we also pass --host 127.0.0.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# /work/main/benchmarks/sitegen_adapter.py -> parents[2] == /work -> /work/shared/bench
SHARED_BENCH = Path(os.environ.get("SITEGEN_SHARED_BENCH",
                                   Path(__file__).resolve().parents[2] / "shared" / "bench"))


def _import_shared() -> None:
    if not (SHARED_BENCH / "adapters.py").is_file():
        sys.exit(
            f"benchmarks: the shared benchmark harness was not found at {SHARED_BENCH}\n"
            "  it is the workspace's shared/bench folder (make_corpus.py, adapters.py, benchlib.py,\n"
            "  run_builds.py) beside this repository; set SITEGEN_SHARED_BENCH=/path/to/bench\n"
            "  if it lives elsewhere."
        )
    if str(SHARED_BENCH) not in sys.path:
        sys.path.insert(0, str(SHARED_BENCH))


_import_shared()

import adapters  # noqa: E402  (shared/bench/adapters.py)
import benchlib  # noqa: E402  (shared/bench/benchlib.py)
from adapters import Adapter, copy_corpus  # noqa: E402


def sitegen_exe() -> list[str]:
    """The `sitegen` console script of the Python running this benchmark.

    Prefer the script next to sys.executable over a PATH lookup: on pyenv machines the PATH
    entry is a shell shim that adds ~0.1 s to every run, which is not sitegen's cost.
    """
    beside = Path(sys.executable).parent / "sitegen"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("sitegen")
    if found:
        return [found]
    return [sys.executable, "-m", "sitegen"]


def sitegen_version(exe: list[str]) -> str:
    try:
        version = subprocess.run([*exe, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        version = f"sitegen unknown ({error})"
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "sitegen",
                                "templates", "static"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        if commit:
            version += f" (git {commit}{'+uncommitted changes' if dirty else ''})"
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def sitegen(corpus: Path, work: Path) -> Adapter:
    """Lay the corpus out as a sitegen site under `work` and say how to build and serve it."""
    copy_corpus(corpus, work / "content")  # .md links resolved natively: copy unchanged
    exe = sitegen_exe()
    return Adapter(
        name="sitegen",
        version=sitegen_version(exe),
        work=work,
        build_cmd=[*exe, "build"],
        clean_paths=["_site", ".sitegen-cache"],
        out_file=lambda rel: f"_site/{rel}/index.html",
        src_file=lambda rel: f"content/{rel}.md",
        serve_cmd=lambda port: [*exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        url=lambda rel: f"/{rel}/",
        ready_re=None,
        rebuilt_re=None,
        notes="default theme (templates/ + static/ of this checkout), no sitegen.toml; "
              "corpus copied unchanged (.md links resolved by sitegen)",
    )


def markdown_floor(corpus: Path, work: Path) -> Adapter:
    """The bare markdown-it-py parse on both cores (markdown_floor.py): the floor under sitegen."""
    copy_corpus(corpus, work / "content")
    script = Path(__file__).resolve().parent / "markdown_floor.py"
    from importlib.metadata import version

    return Adapter(
        name="markdown-it-py",
        version=f"markdown-it-py {version('markdown-it-py')} (benchmarks/markdown_floor.py)",
        work=work,
        build_cmd=[sys.executable, str(script), "content", "_site"],
        clean_paths=["_site"],
        out_file=lambda rel: f"_site/{rel}/index.html",
        src_file=lambda rel: f"content/{rel}.md",
        notes="not a site generator: the parse alone, split over two processes, no templates",
    )


adapters.ADAPTERS.setdefault("sitegen", sitegen)
adapters.ADAPTERS.setdefault("markdown-it-py", markdown_floor)

__all__ = ["SHARED_BENCH", "Adapter", "adapters", "benchlib", "sitegen", "sitegen_exe"]
