"""Pages: where each source is published, front matter typed, bad front matter located."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector, SitegenError
from sitegen.inputs.content import discover, page_url, read_page, title_from_name


@pytest.mark.parametrize(("source", "url", "output"), [
    ("index.md", "", "index.html"),
    ("costs.md", "costs/", "costs/index.html"),
    ("a/b.md", "a/b/", "a/b/index.html"),
    ("a/index.md", "a/", "a/index.html"),
    ("über/straße.md", "über/straße/", "über/straße/index.html"),
])
def test_page_sources_map_to_pretty_urls(source, url, output):
    assert page_url(source) == (url, output)


def _page(tmp_path, relative, text):
    path = tmp_path / "content" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_page(path, SitePaths(tmp_path))


def test_front_matter_is_typed_and_the_rest_kept_as_extra(tmp_path):
    page = _page(tmp_path, "a/b.md",
                 "---\ntitle: B\ndate: 2025-01-20\ndraft: true\nweight: 2\n"
                 "template: wide.html\nsocial_chart: 2\nmood: calm\n---\n# Body\n")
    assert (page.source, page.url, page.output_path) == ("content/a/b.md", "a/b/", "a/b/index.html")
    assert (page.title, page.date, page.draft, page.weight, page.template) == (
        "B", dt.date(2025, 1, 20), True, 2, "wide.html")
    assert dict(page.extra) == {"social_chart": 2, "mood": "calm"}
    assert page.body == "# Body\n"
    assert page.body_line == 10


def test_page_without_front_matter_starts_at_line_one(tmp_path):
    page = _page(tmp_path, "x.md", "# Just a body\n")
    assert (page.title, page.date, page.draft, page.body_line) == (None, None, False, 1)


def test_bad_yaml_front_matter_fails_at_the_yaml_errors_line(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _page(tmp_path, "x.md", "---\ntitle: ok\ndescription: a: b\nweight: 1\n---\nbody\n")
    problem = caught.value.first
    assert (problem.path, problem.line) == ("content/x.md", 3)
    assert problem.hint


def test_front_matter_that_is_not_a_mapping_is_an_error(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _page(tmp_path, "x.md", "---\n- a\n- b\n---\nbody\n")
    assert caught.value.first.path == "content/x.md"


def test_wrongly_typed_front_matter_is_reported_at_each_key(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _page(tmp_path, "x.md", "---\ntitle: ok\ndate: soon\ndraft: maybe\n---\nbody\n")
    assert sorted(p.line for p in caught.value.problems) == [3, 4]


def test_invalid_utf8_page_is_an_error_at_the_bad_byte(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _page(tmp_path, "x.md", b"# Title\n\nna\xefve\n")
    problem = caught.value.first
    assert (problem.path, problem.line, problem.column) == ("content/x.md", 3, 3)


def test_discover_skips_data_charts_and_hidden_files(tmp_path):
    files = {
        "index.md": "", "a/b.md": "", "a/pic.png": "", "data/x.csv": "", "charts/c.py": "",
        ".hidden.md": "", "_draft/x.md": "", "notes.md~": "", "über.md": "",
    }
    for relative, text in files.items():
        path = tmp_path / "content" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    found = discover(SitePaths(tmp_path), ProblemCollector())
    rel = lambda paths: [p.relative_to(tmp_path / "content").as_posix() for p in paths]  # noqa: E731
    assert rel(found.pages) == ["a/b.md", "index.md", "über.md"]
    assert rel(found.assets) == ["a/pic.png"]


@pytest.mark.parametrize(("source", "title"), [
    ("content/index.md", "Home"),
    ("content/unit-prices.md", "Unit prices"),
    ("content/guide/index.md", "Guide"),
])
def test_title_falls_back_to_the_file_name(source, title):
    assert title_from_name(source) == title
