"""The output folder can never be the site: a build replaces its output folder whole, so one
that is, holds or lies inside what is not output is refused before anything is written, from
`--out` and `output_dir` alike; and the build line names the folder really written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.config import Config
from sitegen.errors import ConfigError

SITE = {
    "content/index.md": "---\ntitle: Home\n---\nHello.\n",
    "content/sub/page.md": "# Page\n",
    "templates/page.html": "{% extends 'base.html' %}\n",
    "static/site.css": "body {}\n",
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("out", [".", "..", "content", "content/sub", "content/new",
                                 "templates", "static/x", ".sitegen-cache", ".git", "~"])
def test_out_that_would_replace_the_site_is_refused_and_nothing_is_touched(out, make_site,
                                                                          tmp_path):
    site = make_site(SITE)
    home = tmp_path / "home"  # a home of its own: `~` must never be the real one here
    (home / "keep").mkdir(parents=True)
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before, around = tree(site), tree(tmp_path)

    result = run_sitegen("build", "--out", str(home) if out == "~" else out, cwd=site,
                         env={"HOME": str(home)})

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("--out: error: the output folder '"), first
    assert str(tmp_path) not in first  # named as the site names it, never absolute
    assert tree(site) == before and tree(tmp_path) == around
    assert not (site / "_site").exists()


@pytest.mark.parametrize("value", [".", "./", "content", "static", "templates/out", ".."])
def test_output_dir_in_sitegen_toml_is_refused_at_its_line(value, make_site):
    site = make_site({**SITE, "sitegen.toml": f'title = "T"\noutput_dir = "{value}"\n'})
    before = tree(site)
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("sitegen.toml:2:1: error: the output folder"), result.stderr
    assert tree(site) == before


def test_the_file_system_root_and_the_home_folder_are_refused(tmp_path, monkeypatch):
    config = Config(root=tmp_path / "site")
    with pytest.raises(ConfigError, match="the file system's root"):
        config.output_folder(Path("/"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(ConfigError, match="is the home folder"):
        config.output_folder(tmp_path / "home")
    with pytest.raises(ConfigError, match="holds the home folder"):
        config.output_folder(tmp_path)


def test_a_folder_of_its_own_is_fine_anywhere(make_site, tmp_path):
    site = make_site(SITE)
    config = Config(root=site)
    for out in (site / "_site", site / "public" / "www", tmp_path / "elsewhere"):
        assert config.output_folder(out) == out.resolve()


def test_the_build_line_names_the_folder_written(make_site):
    site = make_site({**SITE, "sitegen.toml": 'output_dir = "public"\n'})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("-> public"), result.stdout
    assert (site / "public" / "index.html").is_file() and not (site / "_site").exists()
    elsewhere = run_sitegen("build", "--root", "site", "--out", "site/www", cwd=site.parent)
    assert elsewhere.stdout.rstrip().endswith("-> site/www"), elsewhere.stdout
