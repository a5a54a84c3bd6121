"""The default theme ships inside the wheel, and `sitegen new` makes a site that builds as it is.

The repository's top-level templates/ and static/ are the theme: the wheel must carry them
byte for byte (one source, no copy to drift), and the starter must build with only them.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import REPO, run_sitegen


def _theme_files() -> dict[str, bytes]:
    return {path.relative_to(REPO).as_posix(): path.read_bytes()
            for folder in ("templates", "static") for path in sorted((REPO / folder).rglob("*"))
            if path.is_file()}


def test_the_wheel_ships_the_default_theme_and_the_chart_runtime(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = zipfile.ZipFile(next(tmp_path.glob("sitegen-*.whl")))
    shipped = {name.removeprefix("sitegen/_theme/"): wheel.read(name)
               for name in wheel.namelist() if name.startswith("sitegen/_theme/")}
    assert shipped == _theme_files()
    names = set(wheel.namelist())
    assert {"sitegen/charts/assets/charts.js", "sitegen/charts/assets/charts.css",
            "sitegen/serve/livereload.js", "sitegen/starter/content/index.md"} <= names


def test_sitegen_new_makes_a_site_that_builds_as_it_is(tmp_path):
    created = run_sitegen("new", "my-site", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    site = tmp_path / "my-site"
    assert not (site / "templates").exists()  # the packaged theme is used, not a copy
    built = run_sitegen("build", cwd=site)
    assert built.returncode == 0, built.stderr
    home = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert ">37,400,000</data></a> people" in home  # a number from the starter's data file, sourced
    assert '<figure class="chart"' in home
    assert (site / "_site" / "about" / "index.html").is_file()


def test_sitegen_new_with_theme_copies_the_packaged_theme_to_customise(tmp_path):
    assert run_sitegen("new", "s", "--with-theme", cwd=tmp_path).returncode == 0
    copied = {path.relative_to(tmp_path / "s").as_posix(): path.read_bytes()
              for folder in ("templates", "static")
              for path in sorted((tmp_path / "s" / folder).rglob("*")) if path.is_file()}
    assert copied == _theme_files()


def test_sitegen_new_never_writes_into_a_folder_that_has_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = run_sitegen("new", "taken", cwd=tmp_path)
    assert result.returncode == 1
    assert "already exists and is not empty" in result.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]

