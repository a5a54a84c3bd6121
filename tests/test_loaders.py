"""Python data loaders (issue 11 §2): `content/data/NAME.py` defining load(data) makes dataset
NAME, run in a child interpreter with a time limit, cached by exactly what it read; every kind
of bad loader is an error at its file and line, and the previous output stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.build import BuildOptions, build_site
from sitegen.errors import SitegenError

PAGE = "---\ntitle: Home\n---\nTotal {{ a_total.total }}; first {{ z_rows.first.value }}.\n"
ROWS = ("from pathlib import Path\n\n\ndef load(data):\n"
        "    text = Path('content/raw/in.txt').read_text()\n"
        "    return [{'id': 'first', 'value': len(text)}, {'id': 'second', 'value': 2}]\n")
TOTAL = "def load(data):\n    return {'total': sum(row['value'] for row in data['z_rows'])}\n"


def _site(make_site, **extra: str) -> Path:
    files = {"content/index.md": PAGE, "content/raw/in.txt": "hello\n",
             "content/data/z_rows.py": ROWS, "content/data/a_total.py": TOTAL}
    files.update({k.replace("__", "/").replace("_py", ".py"): v for k, v in extra.items()})
    return make_site(files)


def _html(site: Path) -> str:
    return (site / "_site" / "index.html").read_text(encoding="utf-8")


def test_a_loader_makes_a_dataset_and_one_reading_another_waits_for_it(make_site):
    site = _site(make_site)
    result = build_site(site)
    # a_total sorts first but reads z_rows: z_rows is made first, then a_total runs again
    assert "Total 8; first 6." in _html(site)
    assert result.loaders is not None
    assert sorted(result.loaders.ran) == ["content/data/a_total.py", "content/data/z_rows.py"]


def test_a_pyarrow_table_becomes_the_rows_of_the_dataset(make_site):
    pytest.importorskip("pyarrow")
    site = make_site({
        "content/index.md": "---\ntitle: T\n---\nB is {{ t.b.n }}.\n",
        "content/data/t.py": "import pyarrow as pa\n\n\ndef load(data):\n"
                             "    return pa.table({'id': ['a', 'b'], 'n': [1, 22]})\n",
    })
    build_site(site)
    assert "B is 22." in _html(site)


def test_cached_until_a_file_it_read_changes_and_refresh_reruns_every_loader(make_site):
    site = _site(make_site)
    build_site(site)
    (site / "content" / "index.md").write_text(PAGE + "\nMore.\n", encoding="utf-8")
    cached = build_site(site).loaders
    assert cached is not None and (cached.ran, len(cached.cached)) == ((), 2)
    (site / "content" / "raw" / "in.txt").write_text("hello world\n", encoding="utf-8")
    edited = build_site(site)
    # the file z_rows read changed: it reruns, and a_total, which read its result, too
    assert edited.loaders is not None and len(edited.loaders.ran) == 2
    assert "Total 14; first 12." in _html(site)
    refreshed = build_site(site, options=BuildOptions(refresh=True)).loaders
    assert refreshed is not None and (len(refreshed.ran), refreshed.cached) == (2, ())


def test_a_result_older_than_its_refresh_runs_again(make_site):
    site = _site(make_site, content__data__z_rows_py="REFRESH = '0.001s'\n" + ROWS)
    build_site(site)
    (site / "content" / "index.md").write_text(PAGE + "\nMore.\n", encoding="utf-8")
    again = build_site(site).loaders
    assert again is not None and again.ran == ("content/data/z_rows.py",)
    assert again.cached == ("content/data/a_total.py",)  # same rows: its input held
    stale = build_site(site).loaders  # nothing edited, but the result is stale: no no-op
    assert stale is not None and stale.ran == ("content/data/z_rows.py",)


def test_the_build_line_says_which_loaders_ran_and_which_were_cached(make_site):
    site = _site(make_site)
    first = run_sitegen("build", "-v", cwd=site)
    assert first.returncode == 0, first.stderr
    assert ", 2 loaders (2 ran, 0 cached) in " in first.stdout
    assert "  ran content/data/z_rows.py" in first.stdout
    (site / "content" / "index.md").write_text(PAGE + "\nMore.\n", encoding="utf-8")
    second = run_sitegen("build", cwd=site)
    assert ", 2 loaders (0 ran, 2 cached) in " in second.stdout


BAD = {
    "raises": ("def load(data):\n    x = 1\n    raise ValueError('no rows today')\n", 3,
               "raised ValueError: no rows today"),
    "exits": ("import sys\n\n\ndef load(data):\n    sys.exit(3)\n", 5, "called sys.exit(3)"),
    "hard-exits": ("import os\n\n\ndef load(data):\n    os._exit(4)\n", None,
                   "ended the Python interpreter early"),
    "crashes": ("import ctypes\n\n\ndef load(data):\n    ctypes.string_at(0)\n", 5,
                "crashed the Python interpreter (SIGSEGV)"),
    "wrong type": ("def load(data):\n    rows = [1]\n", 1, "load(data) returned None"),
    "a set": ("def load(data):\n    return {1, 2}\n", 1, "returned a set"),
    "prints": ("def load(data):\n    print('debugging')\n    return []\n", 2,
               "printed to stdout: 'debugging'"),
    "missing file": ("def load(data):\n    return open('content/raw/gone.csv').read()\n", 2,
                     "raised FileNotFoundError"),
    "unknown dataset": ("def load(data):\n    return data['nope']\n", 2,
                        "no dataset named 'nope'"),
    "syntax": ("def load(data)\n    return []\n", 1, "has a syntax error"),
    "no load": ("ROWS = []\n", 1, "defines no load(data) function"),
    "bad refresh": ("REFRESH = 'soon'\n\n\ndef load(data):\n    return []\n", 1,
                    "REFRESH must be a duration"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_loader_is_an_error_at_its_line_and_the_output_stays(make_site, case):
    source, line, words = BAD[case]
    site = make_site({"content/index.md": "---\ntitle: Home\n---\nHi.\n"})
    build_site(site)
    before = _html(site)
    (site / "content" / "data").mkdir()
    (site / "content" / "data" / "bad.py").write_text(source, encoding="utf-8")
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    problem = caught.value.first
    assert problem.path == "content/data/bad.py"
    assert words in problem.message
    if line is not None:
        assert problem.line == line
    assert _html(site) == before


def test_a_loader_that_hangs_is_stopped_at_run_timeout(make_site):
    site = make_site({
        "sitegen.toml": "run_timeout = 1\n",
        "content/index.md": "---\ntitle: Home\n---\nHi.\n",
        "content/data/slow.py": "import time\n\n\ndef load(data):\n    time.sleep(600)\n",
    })
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("content/data/slow.py:")
    assert "ran longer than run_timeout (1s) and was stopped" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_loaders_reading_each_other_are_a_cycle_naming_both(make_site):
    site = make_site({
        "content/index.md": "---\ntitle: Home\n---\nHi.\n",
        "content/data/a.py": "def load(data):\n    return list(data['b'])\n",
        "content/data/b.py": "def load(data):\n    return list(data['a'])\n",
    })
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    messages = [p.format() for p in caught.value.problems]
    assert any("content/data/a.py" in m and "content/data/b.py" in m and "cycle" in m
               for m in messages), messages


def test_a_loader_and_a_data_file_of_one_name_are_an_error(make_site):
    site = _site(make_site, content__data__z_rows_py=ROWS)
    (site / "content" / "data" / "z_rows.csv").write_text("id,value\nx,1\n", encoding="utf-8")
    with pytest.raises(SitegenError, match="two data files define the dataset 'z_rows'"):
        build_site(site)


@pytest.mark.parametrize(("setting", "words"), [
    ("run_timeout = 'long'", "'run_timeout' must be a number, not str"),
    ("run_timeout = 0", "run_timeout must be a number of seconds above 0"),
])
def test_run_timeout_is_checked(make_site, setting, words):
    site = make_site({"sitegen.toml": setting + "\n",
                      "content/index.md": "---\ntitle: Home\n---\nHi.\n"})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen.toml:1:1: error: ") and words in result.stderr
    option = run_sitegen("build", "--run-timeout", "-1", cwd=make_site(
        {"content/index.md": "---\ntitle: Home\n---\nHi.\n"}, name="other"))
    assert option.returncode == 1 and option.stderr.startswith("--run-timeout: error:")


def test_an_unchanged_site_still_reruns_a_stale_loader_or_one_whose_outside_file_changed(
        make_site, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("abc\n", encoding="utf-8")
    site = make_site({
        "content/index.md": "---\ntitle: T\n---\nN is {{ n.x.n }}.\n",
        "content/data/n.py": f"def load(data):\n    n = len(open({str(outside)!r}).read())\n"
                             "    return [{'id': 'x', 'n': n}]\n",
    })
    build_site(site)
    assert build_site(site).loaders is None  # nothing changed: a no-op build
    outside.write_text("abcdef\n", encoding="utf-8")
    assert build_site(site).loaders is not None
    assert "N is 7." in _html(site)
