"""The command line as a user runs it: `python -m sitegen build` and its options and errors."""

from __future__ import annotations

import re

from conftest import run_sitegen

SITE = {
    "content/index.md": "---\ntitle: Home\n---\nHello. [Costs](costs.md)\n",
    "content/costs.md": "---\ntitle: Costs\n---\n## Unit prices\n",
    "content/draft.md": "---\ntitle: Draft\ndraft: true\n---\nSoon.\n",
}
ERROR_LINE = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+)(?::(?P<col>\d+))?: error: (?P<msg>.+)$",
                        re.M)


def test_python_dash_m_sitegen_builds_the_site_in_the_current_folder(make_site):
    site = make_site(SITE)
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "_site" / "index.html").is_file()
    assert (site / "_site" / "costs" / "index.html").is_file()
    assert re.search(r"built 2 pages", result.stdout)
    assert result.stderr == ""


def test_quiet_prints_nothing_on_success(make_site):
    result = run_sitegen("build", "--quiet", cwd=make_site(SITE))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_verbose_lists_the_files_written(make_site):
    result = run_sitegen("build", "--verbose", cwd=make_site(SITE))
    assert result.returncode == 0
    assert "  costs/index.html" in result.stdout.splitlines()


def test_quiet_and_verbose_together_is_a_usage_error(make_site):
    result = run_sitegen("build", "-q", "-v", cwd=make_site(SITE))
    assert result.returncode == 2


def test_out_writes_elsewhere(make_site, tmp_path):
    site = make_site(SITE)
    result = run_sitegen("build", "--out", str(tmp_path / "public"), cwd=site)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public" / "index.html").is_file()
    assert not (site / "_site").exists()


def test_root_builds_another_folder(make_site, tmp_path):
    site = make_site(SITE)
    result = run_sitegen("build", "--root", str(site), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (site / "_site" / "index.html").is_file()


def test_base_url_option_makes_absolute_urls(make_site):
    site = make_site({**SITE, "sitegen.toml": 'base_url = "https://wrong.example/"\n'})
    result = run_sitegen("build", "--base-url", "https://example.org/sub", cwd=site)
    assert result.returncode == 0, result.stderr
    sitemap = (site / "_site" / "sitemap.xml").read_text()
    assert "<loc>https://example.org/sub/costs/</loc>" in sitemap and "wrong" not in sitemap


def test_drafts_option_includes_draft_pages(make_site):
    site = make_site(SITE)
    assert run_sitegen("build", cwd=site).returncode == 0
    assert not (site / "_site" / "draft").exists()
    assert run_sitegen("build", "--drafts", cwd=site).returncode == 0
    assert (site / "_site" / "draft" / "index.html").is_file()


def test_error_is_printed_as_path_line_col_with_a_hint_and_exit_1(make_site):
    site = make_site({**SITE, "content/costs.md": "---\ntitle: Costs\n---\n\nSee [x](gone.md).\n"})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("content/costs.md:5:9: error: ")
    assert "gone.md" in first
    assert "\n  hint: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "_site").exists()


def test_error_paths_are_relative_to_the_site_root_wherever_it_is_run_from(make_site, tmp_path):
    site = make_site({**SITE, "sitegen.toml": "colour = 1\n"})
    result = run_sitegen("build", "--root", str(site), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen.toml:1:1: error: unknown setting 'colour'")


def test_independent_errors_are_all_reported(make_site):
    site = make_site({
        **SITE,
        "content/a.md": "# A\n\n[x](missing-a.md)\n",
        "content/b.md": "# B\n\ntext\n\n{{ nope.row.col }}\n",
        "content/data/bad.csv": "id,v\nx,1,2\n",
    })
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    places = {(m["path"], int(m["line"])) for m in ERROR_LINE.finditer(result.stderr)}
    assert {("content/a.md", 3), ("content/b.md", 5), ("content/data/bad.csv", 2)} <= places
    assert "3 problems" in result.stderr


def test_traceback_only_with_debug(make_site):
    site = make_site({**SITE, "content/costs.md": "[x](gone.md)\n"})
    plain = run_sitegen("build", cwd=site)
    debug = run_sitegen("build", "--debug", cwd=site)
    assert plain.returncode == debug.returncode == 1
    assert "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr
    assert "content/costs.md:1:5: error:" in debug.stderr


def test_no_command_prints_help_and_exits_2(tmp_path):
    result = run_sitegen(cwd=tmp_path)
    assert result.returncode == 2
    assert "build" in result.stderr


def test_version(tmp_path):
    result = run_sitegen("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("sitegen ")


def test_a_folder_without_content_is_refused_and_nothing_is_written(tmp_path):
    result = run_sitegen("build", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("content: error: no content/ folder")
    assert "sitegen new" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_empty_content_folder_builds_an_empty_site(tmp_path):
    (tmp_path / "content").mkdir()
    result = run_sitegen("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "_site" / "sitemap.xml").is_file()



def test_a_flood_of_warnings_is_cut_to_the_first_twenty_and_a_count(make_site):
    pages = {f"content/p{n:02}.md": f"# A page\n\nIt sold 4{n},500 units.\n"
             for n in range(25)}
    site = make_site({"content/index.md": "# Home\n", **pages})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    warnings = [line for line in lines if ": warning: " in line]
    assert len(warnings) == 20
    assert warnings[0].startswith("content/p00.md:3:9: warning: ")
    assert "... and 5 more warnings (--verbose prints every one)" in lines
    verbose = run_sitegen("build", "--verbose", cwd=site)
    assert len([line for line in verbose.stderr.splitlines() if ": warning: " in line]) == 25
