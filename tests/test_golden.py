"""Golden sites: `tests/sites/<case>/` built and compared with `tests/expected/<case>/`, byte for byte.

On a mismatch the actual tree is written to `tests/sites/<case>/_actual/` (gitignored) for
review, and the test fails with a diff of the first differing file.

Regenerate after an intended change (the default theme in templates/ and static/ is part of
every golden output, so a theme change needs this too), then review `git diff tests/expected`:

    SITEGEN_REGENERATE=1 python -m pytest tests/test_golden.py

Golden sites hold no charts: the charts have their own golden site (tests/test_charts*.py).
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build_site

TESTS = Path(__file__).resolve().parent
SITES = TESTS / "sites"
EXPECTED = TESTS / "expected"
CASES = sorted(p.name for p in SITES.iterdir() if (p / "content").is_dir())
REGENERATE = os.environ.get("SITEGEN_REGENERATE") == "1"


def tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def first_difference(actual: dict[str, bytes], expected: dict[str, bytes]) -> str:
    """A readable account of the first file that differs (missing, extra or changed)."""
    for path in sorted(set(actual) | set(expected)):
        if path not in expected:
            return f"unexpected file {path}"
        if path not in actual:
            return f"missing file {path}"
        if actual[path] != expected[path]:
            try:
                diff = difflib.unified_diff(
                    expected[path].decode("utf-8").splitlines(),
                    actual[path].decode("utf-8").splitlines(),
                    f"expected/{path}", f"actual/{path}", lineterm="", n=2,
                )
                return "\n".join(list(diff)[:80])
            except UnicodeDecodeError:
                return f"binary file {path} differs"
    return ""


def test_there_are_golden_sites():
    assert "basic" in CASES


@pytest.mark.parametrize("case", CASES)
def test_golden_site_builds_exactly_the_expected_tree(case, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = tmp_path / case
    shutil.copytree(SITES / case, site,
                    ignore=shutil.ignore_patterns("_actual", "_site", ".sitegen-cache"))
    out = tmp_path / "out"
    build_site(site, out, BuildOptions())
    actual = tree(out)
    expected_dir = EXPECTED / case
    if REGENERATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir)
        return
    expected = tree(expected_dir)
    actual_dir = SITES / case / "_actual"
    if actual == expected:
        shutil.rmtree(actual_dir, ignore_errors=True)
        return
    shutil.rmtree(actual_dir, ignore_errors=True)
    shutil.copytree(out, actual_dir)
    pytest.fail(
        f"golden site '{case}' differs from tests/expected/{case}/ "
        f"(actual tree written to tests/sites/{case}/_actual/; if the change is intended, "
        f"run SITEGEN_REGENERATE=1 python -m pytest tests/test_golden.py)\n"
        + first_difference(actual, expected),
        pytrace=False,
    )
