"""Invalid sites: each `tests/invalid/<case>/` must fail at the right `PATH:LINE`.

`expected.txt` holds one line per problem the build must report: a `PATH:LINE` prefix of an
error line on stderr (`a:1 | b:1` accepts either place). Each case is built, like a user would,
with `python -m sitegen build` over a previous good `_site`, which must survive byte for byte:
exit status 1, no traceback, nothing written.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import run_sitegen, write_files

CASES_DIR = Path(__file__).resolve().parent / "invalid"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.txt").is_file())
ERROR_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+)(?::\d+)?: error: .+$", re.M)
GOOD_SITE = {
    "content/index.md": "---\ntitle: Good\n---\n# A good build\n\nIt [links](page.md).\n",
    "content/page.md": "# Page\n",
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_there_are_invalid_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES)
def test_invalid_site_fails_at_the_right_place_and_keeps_the_previous_output(case, tmp_path):
    site = tmp_path / case
    shutil.copytree(CASES_DIR / case, site,
                    ignore=shutil.ignore_patterns("_site", ".sitegen-cache", "expected.txt"))
    good = write_files(tmp_path / "good", GOOD_SITE)
    built = run_sitegen("build", "--out", str(site / "_site"), cwd=good)
    assert built.returncode == 0, built.stderr
    previous = tree(site / "_site")
    assert "index.html" in previous

    result = run_sitegen("build", cwd=site)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    reported = {f"{m['path']}:{m['line']}" for m in ERROR_LINE.finditer(result.stderr)}
    expected = (CASES_DIR / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    for line in filter(None, (line.strip() for line in expected)):
        choices = {choice.strip() for choice in line.split("|")}
        assert choices & reported, f"expected {line!r} in:\n{result.stderr}"
    assert tree(site / "_site") == previous
    assert sorted(p.name for p in site.iterdir() if p.name.startswith("._site")) == []


FORMATTED = re.compile(r"^(?P<path>[^\s:]+(?: [^\s:]+)*):(?P<line>\d+)(?::(?P<col>\d+))?: "
                       r"error: (?P<message>\S.*)$")


@pytest.mark.parametrize("case", CASES)
def test_every_error_of_an_invalid_site_is_one_located_line_then_a_hint(case, tmp_path):
    """Each error is `PATH:LINE[:COL]: error: MESSAGE` on one line, the path a file of the
    site named relative to it (never absolute, never `<site>` or `(feed)`), then at most an
    indented hint."""
    site = tmp_path / case
    shutil.copytree(CASES_DIR / case, site, ignore=shutil.ignore_patterns("expected.txt"))
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines, "no error printed"
    previous = ""
    for line in lines:
        if line.startswith("  hint: "):
            assert previous == "error", f"a hint that follows no error: {line!r}"
            previous = "hint"
            continue
        if re.fullmatch(r"\d+ problems; nothing was written", line) or ": warning: " in line:
            previous = "other"
            continue
        found = FORMATTED.match(line)
        assert found, f"not one located line: {line!r}\n{result.stderr}"
        path = found["path"]
        assert not path.startswith(("/", "<", "(")), line
        assert (site / path).is_file(), f"{path} is not a file of the site: {line!r}"
        assert str(tmp_path) not in line, line
        previous = "error"


def test_a_newline_from_the_input_never_splits_a_message():
    from sitegen.errors import Problem

    shown = Problem("bad value 'a\nb'\r\n", "content/x.md", 3, 1, "fix\nit").format()
    assert shown == "content/x.md:3:1: error: bad value 'a\\nb'\n  hint: fix\\nit"
