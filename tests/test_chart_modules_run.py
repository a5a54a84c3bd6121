"""Chart modules run through the runner (issue 16 §4, issue 11 §2): in a child interpreter
with run_timeout, SystemExit and crashes located at the module, and the files a module reads
in its cache key, so an edit to one redraws the chart."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.build import build_site
from sitegen.errors import SitegenError

PAGE = "---\ntitle: Home\n---\n```chart\npython: m\ndescription: d\nkind: claim\n```\n"
READS = ("import altair as alt\nfrom pathlib import Path\n\n\ndef chart(data):\n"
         "    n = len(Path('content/raw/in.txt').read_text().split())\n"
         "    rows = [{'k': 'a', 'v': n}]\n"
         "    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(x='k:N', y='v:Q')\n")


def _site(make_site, module: str, **files: str) -> Path:
    return make_site({"content/index.md": PAGE, "content/charts/m.py": module,
                      "content/raw/in.txt": "one two\n", **files})


def _spec(site: Path) -> str:
    return (site / "_site" / "index.html").read_text(encoding="utf-8")


def test_a_chart_reading_a_file_is_drawn_again_when_that_file_changes(make_site):
    site = _site(make_site, READS)
    build_site(site)
    assert '"v":2' in _spec(site).replace(" ", "")
    (site / "content" / "raw" / "in.txt").write_text("one two three four\n", encoding="utf-8")
    build_site(site)
    assert '"v":4' in _spec(site).replace(" ", "")


@pytest.mark.parametrize(("body", "line", "words"), [
    ("    import sys\n    sys.exit(0)\n", 6, "chart(data) called sys.exit(0)"),
    ("    raise SystemExit('bye')\n", 5, "chart(data) called sys.exit('bye')"),
    ("    import os\n    os._exit(0)\n", None, "the chart module ended the Python interpreter"),
    ("    import ctypes\n    ctypes.string_at(0)\n", 6,
     "the chart module crashed the Python interpreter"),
    ("    print('x')\n    return alt.Chart().mark_bar()\n", 5,
     "the chart module printed to stdout"),
])
def test_a_chart_module_that_exits_or_crashes_is_an_error_at_the_module(make_site, body, line,
                                                                       words):
    module = "import altair as alt\n\n\ndef chart(data):\n" + body
    site = _site(make_site, module)
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    problem = caught.value.first
    assert problem.path == "content/charts/m.py" and words in problem.message
    assert "(used by content/index.md:4)" in problem.message
    if line is not None:
        assert problem.line == line


def test_a_chart_module_that_hangs_is_stopped_at_run_timeout(make_site):
    module = "import time\n\n\ndef chart(data):\n    time.sleep(600)\n"
    site = _site(make_site, module, **{"sitegen.toml": "run_timeout = 1.5\n"})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("content/charts/m.py:")
    assert "the chart module ran longer than run_timeout (1.5s)" in result.stderr


def test_the_dev_servers_builder_redraws_a_chart_and_reruns_a_loader_on_a_file_they_read(
        make_site):
    from sitegen.build import Builder

    page = PAGE + "\nWords {{ words.all.n }}.\n"
    loader = ("def load(data):\n    text = open('content/raw/in.txt').read()\n"
              "    return [{'id': 'all', 'n': len(text.split())}]\n")
    site = _site(make_site, READS, **{"content/index.md": page,
                                      "content/data/words.py": loader})
    builder = Builder(site, persist_caches=False)
    first = builder.build().files["index.html"].decode()
    assert "Words 2." in first and '"v":2' in first.replace(" ", "")
    (site / "content" / "raw" / "in.txt").write_text("a b c\n", encoding="utf-8")
    again = builder.build(changed=["content/raw/in.txt"])
    html = again.files["index.html"].decode()
    assert "Words 3." in html and '"v":3' in html.replace(" ", "")
    assert again.loaders is not None and again.loaders.ran == ("content/data/words.py",)
