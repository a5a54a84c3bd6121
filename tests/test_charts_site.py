"""Charts through the whole build: a golden site, --strict, and warm rebuilds.

The golden site `tests/charts_golden/site/` is built with `build_site` and each page's chart
figures (plus the chart tags in its <head>) and every published chart file (CSV downloads,
data files, the embed script and stylesheet; not the 570 kB vega bundle, only its name) are
compared with `tests/charts_golden/expected/`. Only the charts' part of the pages is compared,
so a theme change does not touch this golden site. On a mismatch the actual files go to
`tests/charts_golden/_actual/` (gitignored) and the test shows the first difference. After an
intended change (or an Altair or vl-convert upgrade), regenerate and review the diff:

    SITEGEN_REGENERATE=1 python -m pytest tests/test_charts_site.py
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_sitegen, write_files

from sitegen.build import BuildOptions, build_site

HERE = Path(__file__).resolve().parent / "charts_golden"
REGENERATE = os.environ.get("SITEGEN_REGENERATE") == "1"
FIGURE = re.compile(r'<figure class="chart".*?</figure>', re.S)
HEAD_TAGS = re.compile(r'<(?:link|script)[^>]*sitegen-charts[^>]*>(?:</script>)?')


def chart_parts(out: Path) -> dict[str, str]:
    """The chart-owned part of a built site, as {name: text}."""
    parts: dict[str, str] = {}
    for page in sorted(out.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        figures = FIGURE.findall(html)
        if figures:
            name = page.relative_to(out).as_posix() + ".charts.html"
            parts[name] = "\n".join(HEAD_TAGS.findall(html) + figures) + "\n"
    for path in sorted((out / "charts").rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(out).as_posix()
        data = path.read_bytes()
        if name.startswith("charts/vega."):
            parts[name] = f"vega bundle, {(len(data) > 500_000 and 'over') or 'UNDER'} 500 kB\n"
        elif name.endswith(".png"):  # its pixels depend on the machine's fonts: its size only
            parts[name] = (f"PNG {int.from_bytes(data[16:20], 'big')} x "
                           f"{int.from_bytes(data[20:24], 'big')}\n")
        else:
            parts[name] = data.decode("utf-8")
    return parts


def test_golden_chart_site_builds_the_expected_charts(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    site = tmp_path / "site"
    shutil.copytree(HERE / "site", site, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    result = build_site(site, tmp_path / "out", BuildOptions())
    assert not [w for w in result.warnings], result.warnings
    actual = chart_parts(tmp_path / "out")
    expected_dir = HERE / "expected"
    if REGENERATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        write_files(expected_dir, actual)
        return
    expected = {p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(expected_dir.rglob("*")) if p.is_file()}
    actual_dir = HERE / "_actual"
    shutil.rmtree(actual_dir, ignore_errors=True)
    if actual == expected:
        return
    write_files(actual_dir, actual)
    for name in sorted(set(actual) | set(expected)):
        if actual.get(name) != expected.get(name):
            diff = "\n".join(list(difflib.unified_diff(
                (expected.get(name) or "").splitlines(), (actual.get(name) or "").splitlines(),
                f"expected/{name}", f"actual/{name}", lineterm="", n=1))[:60])
            pytest.fail(f"chart golden site differs in {name} (actual files in "
                        f"tests/charts_golden/_actual/; if intended, regenerate with "
                        f"SITEGEN_REGENERATE=1)\n{diff}", pytrace=False)


def test_golden_chart_site_holds_what_the_issue_asks(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(HERE / "site", site, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    build_site(site, tmp_path / "out", BuildOptions())
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    deep = (tmp_path / "out" / "guide" / "deep" / "index.html").read_text(encoding="utf-8")
    assert home.count('<figure class="chart"') == 2 and deep.count('<figure class="chart"') == 2
    assert 'data-vega-bundle="charts/vega.' in home
    assert 'data-vega-bundle="../../charts/vega.' in deep
    assert "The third quarter is an estimate of $3.1bn." in home  # values in chart text
    assert '<span class="chart-kind chart-kind-mixed">Mixed</span>' in home
    assert '<p class="chart-subtitle">Billions of dollars</p>' in home
    assert "https://cdn" not in home + deep
    assert (tmp_path / "out" / "charts" / "guide" / "deep" / "points-points.csv").exists() is False
    assert re.search(r'"url":"\.\./\.\./charts/files/points\.[0-9a-f]{10}\.csv"', deep)
    pages_without_charts = [p for p in (tmp_path / "out").rglob("*.html")
                            if '<figure class="chart"' not in p.read_text(encoding="utf-8")]
    assert pages_without_charts
    for page in pages_without_charts:
        assert "sitegen-charts" not in page.read_text(encoding="utf-8")


def test_a_chart_without_description_fails_the_build_only_with_strict(tmp_path):
    files = {
        "content/data/d.csv": "id,v\na,1\nb,2\n",
        "content/index.md": "# Home\n\nText.\n\n```chart\ndata: d\nkind: reported\nmark: bar\n"
                            "encoding:\n  x: id\n  y: v\n```\n",
    }
    root = write_files(tmp_path / "site", files)
    relaxed = run_sitegen("build", cwd=root, timeout=300)
    assert relaxed.returncode == 0, relaxed.stderr
    assert "content/index.md:5: warning: the chart has no description" in \
        relaxed.stdout + relaxed.stderr
    strict = run_sitegen("build", "--strict", cwd=root, timeout=300)
    assert strict.returncode == 1
    assert "content/index.md:5: error: the chart has no description" in strict.stderr


def test_a_warm_rebuild_renders_no_chart_and_gives_the_same_site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(HERE / "site", root, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    assert run_sitegen("build", cwd=root, timeout=300).returncode == 0
    entries = {p: p.stat().st_mtime_ns for p in (root / ".sitegen-cache" / "charts").iterdir()}
    first = {p.relative_to(root / "_site"): p.read_bytes()
             for p in sorted((root / "_site").rglob("*")) if p.is_file()}
    assert run_sitegen("build", cwd=root, timeout=300).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in (root / ".sitegen-cache" / "charts").iterdir()} \
        == entries
    second = {p.relative_to(root / "_site"): p.read_bytes()
              for p in sorted((root / "_site").rglob("*")) if p.is_file()}
    assert first == second


def test_the_user_cache_folder_is_the_platform_one_unless_the_variable_names_another(
        monkeypatch, tmp_path):
    import platformdirs

    from sitegen.cache import UserCache, user_cache_dir

    monkeypatch.delenv("SITEGEN_CACHE_DIR", raising=False)
    assert user_cache_dir() == Path(platformdirs.user_cache_dir("sitegen", appauthor=False))
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "mine"))
    cache = UserCache.default()
    assert cache.directory == tmp_path / "mine"
    assert cache.get("a/b.bin", lambda: b"made") == b"made"
    assert cache.get("a/b.bin", lambda: b"made again") == b"made"  # kept, not made twice
    assert [p.name for p in (tmp_path / "mine" / "a").iterdir()] == ["b.bin"]  # no temp left
    (tmp_path / "a-file").write_bytes(b"")
    assert UserCache(tmp_path / "a-file").get("x", lambda: b"y") == b"y"  # unwritable: made


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_one_chart_edit_redoes_that_chart_alone_and_equals_a_clean_build(
        tmp_path, monkeypatch):
    user = tmp_path / "user-cache"
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(user))
    root = tmp_path / "site"
    shutil.copytree(HERE / "site", root, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    assert run_sitegen("build", cwd=root, timeout=300).returncode == 0
    entries = {p: p.stat().st_mtime_ns for p in (root / ".sitegen-cache" / "charts").iterdir()}
    renders = set((user / "renders").rglob("*.json"))
    assert len(renders) == 3 * 4  # an SVG, a Vega spec and a PNG for each of the four charts
    page = root / "content" / "index.md"
    page.write_text(page.read_text().replace("Nvidia's sales by quarter", "Sales by quarter"))
    assert run_sitegen("build", cwd=root, timeout=300).returncode == 0
    now = {p: p.stat().st_mtime_ns for p in (root / ".sitegen-cache" / "charts").iterdir()}
    assert {p: t for p, t in now.items() if p in entries} == entries  # nothing else redone
    assert len([p for p in now if p not in entries and p.suffix == ".json"]) == 1
    # The title is page text: the SVG and Vega are the same; only the PNG, which shows it, is new.
    assert len(set((user / "renders").rglob("*.json")) - renders) == 1
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "cold-user-cache"))
    assert run_sitegen("build", cwd=clean, timeout=300).returncode == 0
    assert _tree(clean / "_site") == _tree(root / "_site")  # byte for byte, run to run


def test_a_cold_build_with_a_warm_user_cache_draws_nothing_again(tmp_path, monkeypatch):
    user = tmp_path / "user-cache"
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(user))
    first, second = tmp_path / "one", tmp_path / "two"
    for root in (first, second):
        shutil.copytree(HERE / "site", root,
                        ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    assert run_sitegen("build", cwd=first, timeout=300).returncode == 0
    made = {p: p.stat().st_mtime_ns for p in user.rglob("*.json")}
    assert run_sitegen("build", cwd=second, timeout=300).returncode == 0  # another site, cold
    assert {p: p.stat().st_mtime_ns for p in user.rglob("*.json")} == made
    assert _tree(first / "_site") == _tree(second / "_site")
