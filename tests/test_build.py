"""The whole build, in process: layout, links, assets, feeds, drafts, reproducibility, atomicity.

Each test builds a small site made with `make_site`; the command line itself is tested in
test_cli.py, and located errors site by site in test_invalid.py.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from sitegen.build import Builder, BuildOptions, build_site
from sitegen.errors import SitegenError

REPO = Path(__file__).resolve().parent.parent

SITE = {
    "sitegen.toml": 'title = "Test site"\nauthor = "A. Writer"\n',
    "content/index.md": (
        "---\ntitle: Home\ndate: 2025-01-20\n---\n"
        "Welcome. See [the costs](costs.md#unit-prices) and [the guide](guide/index.md).\n"
    ),
    "content/costs.md": (
        "---\ntitle: Costs\ndate: 2025-03-01\nweight: 1\ndescription: What it cost.\n---\n"
        "## Unit prices\n\nIt cost ${{ costs.v3-run-cost.value }}M, "
        "{{ costs.us-share.value | percent }} of it in the US.\n\nBack [home](index.md).\n"
    ),
    "content/guide/index.md": (
        "---\ntitle: Guide\nweight: 2\n---\nRead the [first step](first-step.md).\n"
    ),
    "content/guide/first-step.md": (
        "---\ntitle: First step\n---\n"
        "Up to [the guide](index.md) or [home](../index.md). ![A picture](pic.png)\n"
    ),
    "content/guide/pic.png": b"\x89PNG\r\n\x1a\nnot really",
    "content/draft.md": "---\ntitle: Secret plans\ndraft: true\n---\nNot yet.\n",
    "content/data/costs.csv": "id,value\nv3-run-cost,5.576\nus-share,0.15\n",
}


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build(site: Path, out: Path | None = None, **options) -> dict[str, bytes]:
    out = out or site / "_site"
    build_site(site, out, BuildOptions(**options))
    return tree(out)


def text(files: dict[str, bytes], path: str) -> str:
    return files[path].decode("utf-8")


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def broken_internal_urls(files: dict[str, bytes], skip: tuple[str, ...] = ()) -> list[str]:
    """Relative URLs in the HTML pages that do not lead to a file of the output."""
    broken = []
    for path, data in files.items():
        if not path.endswith(".html") or path in skip:
            continue
        for url in urls_in(data.decode("utf-8")):
            if not url or url.startswith(("#", "http:", "https:", "mailto:", "data:")):
                continue
            target = unquote(urlsplit(url).path)
            resolved = PurePosixPath(path).parent / target
            parts: list[str] = []
            for part in resolved.parts:
                if part == "..":
                    if not parts:
                        broken.append(f"{path}: {url} (above the root)")
                        break
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            else:
                joined = "/".join(parts)
                if target.endswith("/") or target in ("", "."):
                    joined = (joined + "/index.html").lstrip("/")
                if joined not in files:
                    broken.append(f"{path}: {url}")
    return broken


@pytest.fixture
def site(make_site):
    return make_site(SITE)


# ------------------------------------------------------------------ layout


def test_pages_are_published_at_pretty_urls(site):
    files = build(site)
    for path in ("index.html", "costs/index.html", "guide/index.html",
                 "guide/first-step/index.html", "guide/pic.png", "404.html",
                 "sitemap.xml", "feed.xml"):
        assert path in files, path
    assert files["guide/pic.png"] == SITE["content/guide/pic.png"]
    assert not any(path.startswith(("data/", "content/")) for path in files)


def test_output_folder_comes_from_config_or_argument(make_site):
    site = make_site({**SITE, "sitegen.toml": 'output_dir = "public"\n'})
    build_site(site)
    assert (site / "public" / "index.html").is_file()
    build_site(site, site / "elsewhere")
    assert (site / "elsewhere" / "index.html").is_file()


def test_non_ascii_file_names_are_published_and_linked(make_site):
    site = make_site({
        "content/index.md": "# Start\n\nSee [Straße](über/straße.md) and [pct](%C3%BCber/stra%C3%9Fe.md).\n",
        "content/über/straße.md": "# Straße\n\nBack [home](../index.md).\n",
    })
    files = build(site)
    assert "über/straße/index.html" in files
    assert 'href="%C3%BCber/stra%C3%9Fe/"' in text(files, "index.html")  # encoded, as the spec does
    assert broken_internal_urls(files) == []


def test_two_sources_for_one_output_is_an_error_naming_both(make_site):
    site = make_site({"content/costs.md": "# A\n", "content/costs/index.md": "# B\n"})
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    [problem] = [p for p in caught.value.problems if "clash" in p.message]
    assert "content/costs.md" in problem.message and "content/costs/index.md" in problem.message
    assert problem.path in ("content/costs.md", "content/costs/index.md")
    assert problem.line is not None


def test_static_file_and_page_claiming_one_output_is_an_error(make_site):
    site = make_site({"content/about.md": "# About\n", "static/about/index.html": "<p>x</p>"})
    with pytest.raises(SitegenError, match="output clash"):
        build_site(site)


# ------------------------------------------------------------------ links and URLs


def test_source_file_links_become_relative_urls(site):
    files = build(site)
    home = text(files, "index.html")
    assert 'href="costs/#unit-prices"' in home and 'href="guide/"' in home
    step = text(files, "guide/first-step/index.html")
    assert 'href="../../guide/"' in step and 'href="../../"' in step
    assert 'src="../../guide/pic.png"' in step
    assert 'href="../guide/first-step/"' in text(files, "guide/index.html")


def test_every_internal_link_and_asset_url_is_relative_and_resolves(site):
    files = build(site)
    for path, data in files.items():
        if path.endswith(".html"):
            absolute = [u for u in urls_in(data.decode()) if u.startswith("/")]
            assert absolute == [], path
    assert broken_internal_urls(files) == []


def test_same_build_works_under_a_subpath(site):
    files = build(site, base_url="https://example.org/sub/")
    # 404.html is served at any depth, so it uses absolute URLs on purpose
    assert broken_internal_urls(files, skip=("404.html",)) == []
    for path, data in files.items():
        if path.endswith(".html") and path != "404.html":
            for url in urls_in(data.decode()):
                assert not url.startswith("/"), (path, url)
                if url.startswith("https://example.org"):
                    assert url.startswith("https://example.org/sub/"), (path, url)


def test_absolute_urls_come_from_base_url(site):
    files = build(site, base_url="https://example.org/sub")
    costs = text(files, "costs/index.html")
    assert '<link rel="canonical" href="https://example.org/sub/costs/">' in costs
    assert "<loc>https://example.org/sub/costs/</loc>" in text(files, "sitemap.xml")
    feed = ET.fromstring(files["feed.xml"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    links = [e.find("a:link", ns).get("href") for e in feed.findall("a:entry", ns)]
    assert links == ["https://example.org/sub/costs/", "https://example.org/sub/"]
    assert 'href="https://example.org/sub/' in text(files, "404.html")


def test_sitemap_and_feed_list_nested_pages_too(make_site):
    site = make_site({
        **SITE,
        "content/guide/first-step.md": "---\ntitle: First step\ndate: 2025-02-01\n---\nStep.\n",
    })
    files = build(site, base_url="https://example.org/sub/")
    locs = re.findall(r"<loc>([^<]+)</loc>", text(files, "sitemap.xml"))
    assert locs == ["https://example.org/sub/", "https://example.org/sub/costs/",
                    "https://example.org/sub/guide/", "https://example.org/sub/guide/first-step/"]
    assert "https://example.org/sub/guide/first-step/" in text(files, "feed.xml")


def test_without_base_url_there_is_no_canonical_and_no_sitemap_url(site):
    files = build(site)
    assert 'rel="canonical"' not in text(files, "costs/index.html")
    assert "<loc>" not in text(files, "sitemap.xml")
    ET.fromstring(files["sitemap.xml"])


def test_feed_is_atom_of_dated_pages_newest_first(site):
    files = build(site, base_url="https://example.org/")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(files["feed.xml"])
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("a:title", ns).text == "Test site"
    assert feed.find("a:updated", ns).text == "2025-03-01T00:00:00Z"
    entries = [(e.find("a:title", ns).text, e.find("a:updated", ns).text)
               for e in feed.findall("a:entry", ns)]
    assert entries == [("Costs", "2025-03-01T00:00:00Z"), ("Home", "2025-01-20T00:00:00Z")]


def test_link_to_a_missing_page_fails_with_the_linking_page_and_line(make_site):
    site = make_site({"content/index.md": "---\ntitle: Home\n---\n\nSee [x](nothere.md).\n"})
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    problem = caught.value.first
    assert (problem.path, problem.line, problem.column) == ("content/index.md", 5, 9)
    assert "nothere.md" in problem.message


def test_link_to_a_missing_heading_fails_and_names_the_headings_there(make_site):
    site = make_site({
        "content/index.md": "# Home\n\nSee [x](costs.md#unit-price) and [y](#nowhere).\n",
        "content/costs.md": "# Costs\n\n## Unit prices\n",
    })
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    problems = caught.value.problems
    assert [(p.path, p.line) for p in problems] == [("content/index.md", 3)] * 2
    assert "#unit-price" in problems[0].message and "#unit-prices" in (problems[0].hint or "")
    assert "#nowhere" in problems[1].message


def test_a_page_that_fails_to_load_does_not_also_break_links_to_it(make_site):
    site = make_site({
        "content/index.md": "# Home\n\nSee [the guide](guide.md).\n",
        "content/guide.md": "---\ntitle: Guide\ndescription: a: b\n---\n# Guide\n",
    })
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    assert [(p.path, p.line) for p in caught.value.problems] == [("content/guide.md", 3)]


def test_links_to_headings_with_explicit_and_duplicate_ids_resolve(make_site):
    site = make_site({
        "content/index.md": "# Home\n\n[a](costs.md#notes-1) [b](costs.md#mine) [c](#home)\n",
        "content/costs.md": "# Costs\n\n## Notes\n\n## Notes\n\n## Other {#mine}\n",
    })
    files = build(site)
    assert 'href="costs/#notes-1"' in text(files, "index.html")


# ------------------------------------------------------------------ numbers, data, templates


def test_numbers_in_prose_are_read_from_the_data(site):
    files = build(site)
    assert "It cost $5.576M, 15% of it in the US." in text(files, "costs/index.html")


def test_unknown_value_fails_at_the_page_path_and_line(make_site):
    site = make_site({
        "content/index.md": "---\ntitle: Home\n---\n\nOne {{ costs.a.value }}.\n\n"
                            "Two {{ costs.b.value }} and {{ costs.a.nope }} and {{ nope.a.b }}.\n",
        "content/data/costs.csv": "id,value\na,1\n",
    })
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    places = [(p.path, p.line, p.column) for p in caught.value.problems]
    assert places == [("content/index.md", 7, 5), ("content/index.md", 7, 29),
                      ("content/index.md", 7, 52)]


def test_templates_see_data_pages_toc_and_url_helpers(make_site):
    template = (
        "{{ data.costs.row('us-share').value }}|{% for r in data.costs.rows %}{{ r.id }},"
        "{% endfor %}|{% for e in page.toc %}{{ e.id }}:{{ e.children | length }},{% endfor %}"
        "|{{ url_for('costs/') }}|{{ absolute_url(page.url) }}|{{ asset_url('css/site.css') }}"
        "|{{ site.title }}|{{ site.extra.motto }}|{{ page.extra.get('mood', '') }}|{{ page.source }}"
        "|{{ prev.title if prev else '-' }}|{{ next.title if next else '-' }}"
        "|{% for p in nav %}{{ p.title }},{% endfor %}\n"
    )
    site = make_site({
        **SITE,
        "sitegen.toml": 'title = "T"\nbase_url = "https://e.org/"\n[extra]\nmotto = "m"\n',
        "templates/page.html": template,
        "content/guide/first-step.md": "---\nmood: calm\n---\n## A\n\n### A1\n\n## B\n",
    })
    files = build(site)
    line = text(files, "guide/first-step/index.html")
    parts = line.strip().split("|")
    assert parts[0] == "0.15"
    assert parts[1] == "v3-run-cost,us-share,"
    assert parts[2] == "a:1,b:0,"
    assert parts[3] == "../../costs/"
    assert parts[4] == "https://e.org/guide/first-step/"
    assert re.fullmatch(r"\.\./\.\./css/site\.[0-9a-f]+\.css", parts[5])
    assert parts[6:10] == ["T", "m", "calm", "content/guide/first-step.md"]


def test_templates_see_other_pages_as_pages_in_every_way_they_ask(make_site):
    template = (
        "{{ (pages | selectattr('url', 'equalto', page.url) | first) is sameas page }}"
        "|{{ page in pages }}|{{ pages | length }}|{{ pages[1:] | length }}|{{ (pages | last).title }}"
        "|{{ prev == prev }}|{{ prev != page }}|{{ pages | map(attribute='url') | join(',') }}"
        "|{{ (pages | sort(attribute='title', reverse=true) | first).title }}"
        "|{{ pages | selectattr('has_charts') | list | length }}|{{ prev.nav_title if prev }}\n"
    )
    site = make_site({**SITE, "templates/page.html": template})
    line = text(build(site), "guide/index.html").strip()
    assert line == ("True|True|4|3|Guide|True|True|,guide/first-step/,costs/,guide/"
                    "|Home|0|Costs")


def test_site_templates_override_the_theme_file_by_file(make_site):
    site = make_site({
        **SITE,
        "templates/page.html": '{% extends "base.html" %}{% block content %}'
                               "<p>OVERRIDDEN {{ page.title }}</p>{% endblock %}",
    })
    files = build(site)
    costs = text(files, "costs/index.html")
    assert "<p>OVERRIDDEN Costs</p>" in costs
    assert '<header class="site-header">' in costs  # base.html still the theme's


def test_site_static_files_override_the_theme_file_by_file(make_site):
    css = b"body { color: rebeccapurple; }\n"
    site = make_site({**SITE, "static/css/site.css": css, "static/robots.txt": "User-agent: *\n"})
    files = build(site)
    [css_path] = [p for p in files if p.startswith("css/site.") and p.endswith(".css")]
    assert files[css_path] == css
    theme_js = (REPO / "static" / "js" / "site.js").read_bytes()
    [js_path] = [p for p in files if p.startswith("js/site.") and p.endswith(".js")]
    assert files[js_path] == theme_js
    assert files["robots.txt"] == b"User-agent: *\n"


def test_css_and_js_get_content_hashed_names_used_by_the_pages(site):
    files = build(site)
    # Pagefind's bundle keeps its own names (its scripts load each other by name; its index
    # chunks are named by content)
    hashed = [p for p in files if p.endswith((".css", ".js")) and not p.startswith("pagefind/")]
    assert hashed
    for path in hashed:
        stem = PurePosixPath(path).name.split(".")
        assert len(stem) == 3 and re.fullmatch(r"[0-9a-f]{8,}", stem[1]), path
        assert hashlib.sha256(files[path]).hexdigest().startswith(stem[1])
        if path.startswith("js/values."):  # only pages with values from data load it
            continue
        assert f'"{path}"' in text(files, "index.html")


def test_changing_a_stylesheet_changes_its_name(make_site):
    one = build(make_site({**SITE, "static/css/site.css": "a{}"}, name="one"))
    two = build(make_site({**SITE, "static/css/site.css": "b{}"}, name="two"))
    css = lambda files: {p for p in files if p.endswith(".css")}  # noqa: E731
    assert css(one) != css(two)


def test_drafts_are_left_out_unless_asked_for(site):
    files = build(site)
    assert "draft/index.html" not in files
    assert not any(b"Secret plans" in data for data in files.values())
    with_drafts = build(site, site / "_drafts", drafts=True)
    assert "draft/index.html" in with_drafts
    assert "Secret plans" in text(with_drafts, "draft/index.html")


def test_nav_is_ordered_by_weight_then_title(make_site):
    site = make_site({
        "templates/page.html": "{% for p in nav %}{{ p.title }};{% endfor %}\n",
        "templates/home.html": "home\n",
        "content/index.md": "# Home\n",
        "content/zebra.md": "---\ntitle: Zebra\nweight: 1\n---\n",
        "content/apple.md": "---\ntitle: apple\nweight: 5\n---\n",
        "content/mango.md": "---\ntitle: Mango\nweight: 1\n---\n",
    })
    files = build(site)
    assert text(files, "zebra/index.html").strip() == "Home;Mango;Zebra;apple;"


def test_not_found_page_is_written(site):
    files = build(site)
    assert "Page not found" in text(files, "404.html")


# ------------------------------------------------------------------ reproducible


def test_build_twice_into_two_folders_is_byte_identical(site, tmp_path):
    first = build(site, tmp_path / "one")
    shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
    second = build(site, tmp_path / "two")
    assert first == second


def test_the_same_site_in_another_folder_builds_the_same_bytes(site, tmp_path):
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(site, copy)
    assert build(site) == build(copy)


def test_build_date_appears_only_when_source_date_epoch_is_set(site, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    plain = build(site, tmp_path / "plain")
    assert not any(b"Built " in data for data in plain.values())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dated = build(site, tmp_path / "dated")
    assert "2023-11-14" in text(dated, "index.html")
    assert build(site, tmp_path / "dated-again") == dated


# ------------------------------------------------------------------ incremental = clean


EDITS = {
    "page text": ("content/costs.md", lambda t: t.replace("Back", "Go back")),
    "another page's title": ("content/guide/index.md", lambda t: t.replace("Guide", "Manual")),
    "data value": ("content/data/costs.csv", lambda t: t.replace("5.576", "6.1")),
    "heading": ("content/costs.md", lambda t: t.replace("## Unit prices", "## Unit prices\n\n## More")),
    "site template": ("templates/page.html",
                      lambda t: '{% extends "base.html" %}{% block content %}NEW{% endblock %}'),
    "static file": ("static/css/site.css", lambda t: "body{margin:0}"),
    "config": ("sitegen.toml", lambda t: t.replace("Test site", "Renamed site")),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_rebuild_after_an_edit_equals_a_clean_build(make_site, tmp_path, edit):
    site = make_site(SITE)
    builder = Builder(site)
    builder.build()
    relative, change = EDITS[edit]
    target = site / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(change(target.read_text() if target.exists() else ""), encoding="utf-8")
    incremental = dict(builder.build().files)
    clean_site = tmp_path / "clean"
    shutil.copytree(site, clean_site, ignore=shutil.ignore_patterns(".sitegen-cache"))
    clean = dict(Builder(clean_site).build().files)
    assert incremental == clean


def test_a_page_whose_template_shows_another_page_is_rebuilt_when_that_page_changes(
        make_site, tmp_path):
    site = make_site({
        **SITE,
        "templates/page.html": "{{ page.title }}|{% for p in pages %}{{ p.content }}{% endfor %}\n",
        "templates/404.html": "{% for p in nav %}{{ p.content }}{% endfor %}\n",
    })
    builder = Builder(site)
    builder.build()
    costs = site / "content/costs.md"
    costs.write_text(costs.read_text().replace("Back", "Go back"))
    incremental = dict(builder.build().files)
    assert "Go back" in text(incremental, "guide/first-step/index.html")
    assert "Go back" in text(incremental, "404.html")
    clean_site = tmp_path / "clean"
    shutil.copytree(site, clean_site, ignore=shutil.ignore_patterns(".sitegen-cache"))
    assert incremental == dict(Builder(clean_site).build().files)


# ------------------------------------------------------------------ atomic


def test_failed_build_leaves_the_previous_output_byte_identical(site):
    before = build(site)
    (site / "content" / "costs.md").write_text("See [x](gone.md).\n")
    with pytest.raises(SitegenError):
        build_site(site)
    assert tree(site / "_site") == before
    assert [p.name for p in site.iterdir() if p.name.startswith("._site")] == []


def test_successful_rebuild_replaces_the_output_and_drops_removed_pages(site):
    build(site)
    (site / "_site" / "stray.txt").write_text("left from an old build")
    (site / "content" / "guide" / "first-step.md").unlink()
    (site / "content" / "guide" / "index.md").write_text("# Guide\n")
    files = build(site)
    assert "guide/first-step/index.html" not in files and "stray.txt" not in files
    assert [p.name for p in site.iterdir() if p.name.startswith("._site")] == []


def _big_site(root: Path, marker: str, pages: int = 200) -> None:
    section = ("## Section {i}\n\nSome *text*, {{{{ n.a.value | compact }}}}, a [link](../index.md)"
               " and \"quotes\".\n\n```python\nx = {i}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    body = "\n".join(section.format(i=i) for i in range(12))
    files = {"content/index.md": f"# Home {marker}\n", "content/data/n.csv": "id,value\na,1234567\n"}
    for i in range(pages):
        files[f"content/p/page{i:03}.md"] = f"---\ntitle: Page {i}\n---\n{body}"
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(data, encoding="utf-8")


def test_interrupted_build_leaves_the_previous_output_intact(tmp_path):
    """SIGINT at several moments of a real build: the output is always one whole build.

    The moment a signal lands cannot be made deterministic, so the invariant is checked at
    many delays: `_site` is byte for byte the previous build or the new one, never a mix,
    and no staging or retired folder is left beside it.
    """
    site = tmp_path / "big"
    _big_site(site, "old")
    assert subprocess.run([sys.executable, "-m", "sitegen", "build", "-q"], cwd=site,
                          capture_output=True).returncode == 0
    old = tree(site / "_site")
    _big_site(site, "new")
    reference = tmp_path / "reference"
    shutil.copytree(site, reference, ignore=shutil.ignore_patterns("_site", ".sitegen-cache"))
    started = time.monotonic()
    assert subprocess.run([sys.executable, "-m", "sitegen", "build", "-q"], cwd=reference,
                          capture_output=True).returncode == 0
    duration = time.monotonic() - started  # a cold build, like each interrupted one
    new = tree(reference / "_site")
    assert new != old
    outcomes = []
    # spread over the build, denser near its end, where the new tree is written and swapped in
    for fraction in (0.05, 0.4, 0.75, 0.88, 0.94, 0.98, 1.05):
        delay = fraction * duration
        shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)  # keep every run slow
        process = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "-q"], cwd=site,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=120)
        now = tree(site / "_site")
        assert now in (old, new), f"a mixed output after SIGINT at {delay}s"
        leftovers = [p.name for p in site.iterdir() if p.name.startswith("._site")]
        assert leftovers == [], f"left behind after SIGINT at {delay}s: {leftovers}"
        outcomes.append(now == new)
        if now == new:  # start the next round from the old output again
            shutil.rmtree(site / "_site")
            for relative, data in old.items():
                (site / "_site" / relative).parent.mkdir(parents=True, exist_ok=True)
                (site / "_site" / relative).write_bytes(data)
    assert not all(outcomes), "every build finished before its SIGINT: the site is too small"


def test_a_template_error_met_by_every_page_is_reported_once(make_site):
    site = make_site({
        "content/index.md": "# Home\n",
        "content/a.md": "# A\n",
        "content/b.md": "# B\n",
        "templates/page.html": "{{ page.title }}\n{{ no_such_variable.x }}\n",
        "templates/home.html": "{% extends 'page.html' %}\n",
    })
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    assert [(p.path, p.line) for p in caught.value.problems] == [("templates/page.html", 2)]


def test_a_build_with_nothing_changed_returns_at_once_and_its_files_read_from_disk(make_site):
    site = make_site({"content/index.md": "# Home\n\nHello.\n", "content/a.md": "# A\n"})
    first = build_site(site)
    stamp = (site / "_site" / "index.html").stat().st_mtime_ns
    second = build_site(site)
    assert second.rendered == 0
    assert (site / "_site" / "index.html").stat().st_mtime_ns == stamp  # nothing rewritten
    assert dict(second.files) == dict(first.files)
    assert [p.url for p in second.pages] == [p.url for p in first.pages]


def test_a_build_with_nothing_to_do_never_loads_the_render_machinery(make_site):
    """The no-op check imports neither the Builder nor Markdown, Jinja or Pygments, and
    loads no page or render cache: what keeps `sitegen build` with nothing to do cheap."""
    site = make_site({"content/index.md": "# Home\n\nHello.\n", "content/a.md": "# A\n"})
    build_site(site)
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sitegen.build import build_site\n"
        f"result = build_site(Path({str(site)!r}))\n"
        "assert result.rendered == 0 and len(result.pages) == 2, result\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'markdown_it',"
        " 'pygments', 'vl_convert') or m in ('sitegen.build.builder', 'sitegen.prose'))\n"
        "print(heavy)\n"
        "print(sorted(p.title for p in result.pages))\n"
        "print(sorted(m for m in sys.modules if m.startswith('sitegen.prose')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    heavy, titles, prose_after_looking = done.stdout.splitlines()
    assert heavy == "[]"
    assert titles == "['A', 'Home']"  # the pages are there when asked for
    assert "sitegen.prose.page" in prose_after_looking


def test_an_output_file_changed_by_hand_is_rebuilt_even_when_no_input_changed(make_site):
    site = make_site({"content/index.md": "# Home\n\nHello.\n"})
    build_site(site)
    original = (site / "_site" / "index.html").read_bytes()
    (site / "_site" / "index.html").write_text("tampered")
    (site / "_site" / "stray.txt").write_text("left behind")
    build_site(site)
    assert (site / "_site" / "index.html").read_bytes() == original
    assert not (site / "_site" / "stray.txt").exists()


def test_builds_told_what_changed_match_a_clean_build_for_edits_new_and_deleted_pages(
        make_site, tmp_path):
    site = make_site({
        "content/index.md": "# Home\n\nSee [a](a.md#one).\n",
        "content/a.md": "# A\n\n## One\n\nFirst.\n",
        "content/b.md": "# B\n\nBee.\n",
    })
    builder = Builder(site, persist_caches=False)
    builder.build()

    def step(changed: list[str]) -> None:
        incremental = builder.build(changed=changed)
        clean = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(site, clean, ignore=shutil.ignore_patterns(".sitegen-cache"))
        assert dict(incremental.files) == dict(Builder(clean).build().files)

    (site / "content/a.md").write_text("# A\n\n## One\n\nEdited.\n")
    step(["content/a.md"])
    (site / "content/c.md").write_text("# C\n\nNew.\n")
    step(["content/c.md"])
    (site / "content/b.md").unlink()
    step(["content/b.md"])
    (site / "content/a.md").write_text("# A\n\n## Two\n\nRenamed heading.\n")
    with pytest.raises(SitegenError) as caught:  # index.md's link to #one is now broken
        builder.build(changed=["content/a.md"])
    assert caught.value.first.path == "content/index.md"


def test_warming_up_the_parser_changes_nothing_and_minds_no_missing_page(make_site):
    site = make_site({"content/index.md": "# Home\n\n```python\nx = 1\n```\n",
                      "content/a.md": "# A\n\n```bash\nls\n```\n"})
    builder = Builder(site, persist_caches=False)
    builder.warm_up()  # nothing built yet: nothing to do
    files = dict(builder.build().files)
    (site / "content/a.md").unlink()
    builder.warm_up()
    (site / "content/a.md").write_text("# A\n\n```bash\nls\n```\n")
    assert dict(builder.build(changed=["content/a.md"]).files) == files


# ------------------------------------------------------------------ pages edited in place

QUICK_SITE = {
    "content/index.md": "---\ntitle: Home\n---\nSee [a](a.md#one) and [b](b.md).\n",
    "content/a.md": "---\ndate: 2025-02-01\n---\n# A\n\n## One\n\nFirst {{ n.x.value }}.\n",
    "content/b.md": "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md).\n",
    "content/sec/index.md": "# Section\n\nAll about it.\n",
    "content/sec/c.md": "# C {#top}\n\n## Sea {#sea}\n\nWater.\n",
    "content/pic.png": b"\x89PNG\r\n\x1a\nnot really",
    "content/data/n.csv": "id,value\nx,42\ny,7\n",
}


class Steps:
    """A long-lived Builder told what changed, each build checked against a clean one."""

    def __init__(self, site: Path, scratch: Path) -> None:
        self.site = site
        self.scratch = scratch
        self.builder = Builder(site, persist_caches=False)
        self.last = self.builder.build()

    def write(self, relative: str, text: str) -> None:
        (self.site / relative).parent.mkdir(parents=True, exist_ok=True)
        (self.site / relative).write_text(text, encoding="utf-8")

    def build(self, *changed: str, quick: bool) -> dict[str, bytes]:
        """Build told what changed; quick says whether only the edited pages may be redone."""
        result = self.builder.build(changed=list(changed))
        files = dict(result.files)
        clean = self.scratch / f"clean-{len(list(self.scratch.iterdir()))}"
        shutil.copytree(self.site, clean, ignore=shutil.ignore_patterns(".sitegen-cache"))
        assert files == dict(Builder(clean, persist_caches=False).build().files)
        assert (result.changes is not None) == quick
        if result.changes is not None:  # every output that differs is named
            old = self.last.files
            differ = {p for p in files if old.get(p) != files[p]} | (set(old) - set(files))
            assert differ <= result.changes.paths
            assert result.changes.base is self.last.files
        self.last = result
        return files

    def fails(self, *changed: str) -> SitegenError:
        with pytest.raises(SitegenError) as caught:
            self.builder.build(changed=list(changed))
        return caught.value


def pages_of(paths):
    """The changed paths but the search index (which every page edit changes)."""
    return {p for p in paths if not p.startswith("pagefind/")}


@pytest.fixture
def steps(make_site, tmp_path):
    scratch = tmp_path / "clean"
    scratch.mkdir()
    return Steps(make_site(QUICK_SITE), scratch)


def test_a_body_edit_redoes_that_page_alone_and_matches_a_clean_build(steps):
    steps.write("content/a.md", "---\ndate: 2025-02-01\n---\n# A\n\n## One\n\nEdited {{ n.y.value }}.\n")
    files = steps.build("content/a.md", quick=True)
    assert steps.last.rendered == 1 and pages_of(steps.last.changes.paths) == {"a/index.html",
                                                                               "feed.xml"}
    assert any(p.startswith("pagefind/fragment/") for p in steps.last.changes.paths)  # reindexed
    assert "Edited 7." in text(files, "a/index.html") and "Edited 7." in text(files, "feed.xml")
    steps.write("content/sec/c.md", "# C {#top}\n\n## Sea {#sea}\n\nSalt water, a [picture](../pic.png).\n")
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md#one).\n")
    files = steps.build("content/sec/c.md", "content/b.md", quick=True)
    assert pages_of(steps.last.changes.paths) == {"sec/c/index.html", "b/index.html"}
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md).\n")
    steps.build("content/b.md", quick=True)  # back as it was: the render cache holds it


def test_edits_other_pages_can_see_go_the_full_way_and_match_a_clean_build(steps):
    steps.write("content/b.md", "---\ntitle: Bee\nweight: 2\n---\nBee, see [a](a.md).\n")
    steps.build("content/b.md", quick=False)  # the title is in every page's navigation
    steps.write("content/sec/c.md", "# Sea and more {#top}\n\n## Sea {#sea}\n\nWater.\n")
    steps.build("content/sec/c.md", quick=False)  # the title from the first heading
    steps.write("content/sec/c.md", "# Sea and more {#top}\n\n## Sea {#sea}\n\n## Land\n\nWater.\n")
    steps.build("content/sec/c.md", quick=False)  # a new heading id other pages may link to
    steps.write("content/sec/index.md", "---\ndescription: Now described.\n---\n# Section\n")
    steps.build("content/sec/index.md", quick=False)  # front matter
    steps.write("content/b.md", "---\ntitle: Bee\nweight: 2\ndraft: true\n---\nGone.\n")
    error = steps.fails("content/b.md")  # now a draft: left out, so index.md's link breaks
    assert error.first.path == "content/index.md"
    steps.write("content/index.md", "---\ntitle: Home\n---\nSee [a](a.md#one).\n")
    files = steps.build("content/index.md", quick=False)  # after a failure: the full way
    assert "b/index.html" not in files
    steps.write("content/index.md", "---\ntitle: Home\n---\nSee [a](a.md#one), not b.\n")
    steps.build("content/index.md", quick=True)


def test_a_broken_link_or_value_fails_at_its_line_and_the_fix_matches_a_clean_build(steps):
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md#two).\n")
    error = steps.fails("content/b.md")
    assert (error.first.path, error.first.line) == ("content/b.md", 5)
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, {{ n.z.value }}.\n")
    error = steps.fails("content/b.md")
    assert (error.first.path, error.first.line) == ("content/b.md", 5)
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md#one).\n")
    steps.build("content/b.md", quick=False)  # after a failure, the full way
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [c](sec/c.md#sea).\n")
    steps.build("content/b.md", quick=True)
    steps.write("content/sec/c.md", "# C {#top}\n\nNo more sea.\n")  # b's link target went away
    error = steps.fails("content/sec/c.md")
    assert error.first.path == "content/b.md"


def test_pages_whose_templates_show_another_page_are_redone_when_it_changes(
        make_site, tmp_path):
    scratch = tmp_path / "clean"
    scratch.mkdir()
    site = make_site({
        **QUICK_SITE,
        "templates/page.html": (
            "{{ page.title }}|{{ content }}|prev: {{ prev.content | safe if prev else '' }}"
            "|{% for p in pages %}{{ p.toc | length }}{% endfor %}\n"),
        "templates/home.html": "{{ page.title }}|{% for p in nav %}{{ p.title }},{% endfor %}\n",
        "templates/404.html": "{% for p in pages if p.url == 'b/' %}{{ p.content }}{% endfor %}\n",
    })
    steps = Steps(site, scratch)
    steps.write("content/a.md", "---\ndate: 2025-02-01\n---\n# A\n\n## One\n\n## Two\n\nNew.\n")
    files = steps.build("content/a.md", quick=False)  # a heading added: a link target
    assert "<p>New.</p>" in text(files, "sec/c/index.html")  # a is c's prev (A, C, Section)
    steps.write("content/a.md", "---\ndate: 2025-02-01\n---\n# A\n\n## One\n\n## Two\n\nNewer.\n")
    files = steps.build("content/a.md", quick=True)
    assert "<p>Newer.</p>" in text(files, "sec/c/index.html")
    assert "index.html" not in steps.last.changes.paths  # home shows titles only
    steps.write("content/b.md", "---\ntitle: B\nweight: 2\n---\nBee, see [a](a.md) again.\n")
    files = steps.build("content/b.md", quick=True)
    assert "again" in text(files, "404.html") and "404.html" in steps.last.changes.paths


def test_a_full_build_after_quick_ones_sees_their_pages_as_changed(steps):
    steps.write("content/sec/c.md", "# C {#top}\n\n## Sea {#sea}\n\nQuickly edited.\n")
    steps.build("content/sec/c.md", quick=True)
    steps.write("templates/page.html",
                '{% extends "base.html" %}{% block content %}{{ content }}|NEW{% endblock %}')
    files = steps.build("templates/page.html", quick=False)
    assert "Quickly edited." in text(files, "sec/c/index.html")
    steps.write("content/data/n.csv", "id,value\nx,43\ny,7\n")
    steps.build("content/data/n.csv", quick=False)
    steps.write("content/new.md", "# New\n")
    steps.build("content/new.md", quick=False)
    (steps.site / "content/new.md").unlink()
    steps.build("content/new.md", quick=False)
    steps.write("content/pic.png", "now text")
    steps.build("content/pic.png", quick=False)
    steps.write("sitegen.toml", 'title = "Renamed"\n')
    steps.build("sitegen.toml", quick=False)
    steps.write("content/sec/c.md", "# C {#top}\n\n## Sea {#sea}\n\nEdited again.\n")
    steps.build("content/sec/c.md", quick=True)


@pytest.mark.parametrize(("files", "message"), [
    ({"content/about.md": "# About\n", "static/about": "a file named like the page's folder"},
     "content/about.md needs the folder 'about', where static/about writes a file"),
    ({"content/sitemap.xml.md": "# Odd name\n"},
     "(sitemap) writes the file 'sitemap.xml', where content/sitemap.xml.md needs a folder"),
])
def test_a_file_where_a_page_needs_a_folder_is_an_output_clash(make_site, files, message):
    site = make_site({"content/index.md": "# Home\n", **files})
    with pytest.raises(SitegenError) as caught:
        build_site(site)
    [problem] = [p for p in caught.value.problems if "clash" in p.message]
    assert problem.message == f"output clash: {message}"
    assert not (site / "_site").exists()
