"""Nothing silently wrong in prose: a value from data works, or fails at its line, wherever a
writer can put it (front matter, alt text, titles, headings, table cells); in-page links are
checked; page and asset URLs are percent-encoded wherever the site writes them.

Every test is a real build of a small site (`make_site`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitegen.build import Builder, BuildOptions, build_site
from sitegen.errors import SitegenError

DATA = {"content/data/d.csv": "id,value,name\na,5,Alpha\nb,2500000,Beta\n"}


def build(site: Path, **options) -> dict[str, str]:
    build_site(site, site / "_site", BuildOptions(**options))
    return {p.relative_to(site / "_site").as_posix(): p.read_text(encoding="utf-8")
            for p in (site / "_site").rglob("*") if p.suffix in (".html", ".xml")}


def problems_of(site: Path) -> list[tuple[str, int | None, int | None, str]]:
    with pytest.raises(SitegenError) as caught:
        build_site(site, site / "_site", BuildOptions())
    return sorted((p.path or "", p.line, p.column, p.message) for p in caught.value.problems)


def test_front_matter_title_and_description_show_values_from_data(make_site):
    site = make_site({**DATA, "content/index.md": (
        "---\ntitle: \"{{ d.b.value | compact }} chips\"\n"
        "description: \"Shipped by {{ d.a.name }}.\"\ndate: 2025-01-01\n---\nText.\n")})
    files = build(site)
    page = files["index.html"]
    assert "<title>2.5M chips" in page and 'content="Shipped by Alpha."' in page
    assert "{{" not in page and "{{" not in files["feed.xml"]
    assert "<title>2.5M chips</title>" in files["feed.xml"]
    assert "<summary>Shipped by Alpha.</summary>" in files["feed.xml"]


def test_front_matter_values_that_fail_fail_at_the_keys_line(make_site):
    site = make_site({**DATA, "content/index.md": (
        "---\ndate: 2025-01-01\ntitle: \"{{ nope.a.value }}\"\n"
        "description: \"{{ d.zz.value }}\"\n---\nText.\n")})
    found = problems_of(site)
    assert [(path, line) for path, line, _, _ in found] == [
        ("content/index.md", 3), ("content/index.md", 4)]
    assert "unknown dataset 'nope'" in found[0][3] and "no row with id 'zz'" in found[1][3]


def test_image_alt_text_and_link_and_image_titles_show_values(make_site):
    site = make_site({**DATA, "content/p.png": b"png", "content/index.md": (
        "# Home\n\n![Chips of {{ d.a.name }}](p.png \"{{ d.b.value }} of them\")\n\n"
        "[a file](p.png \"size {{ d.a.value | number:1 }}\")\n")})
    page = build(site)["index.html"]
    assert '<img src="p.png" alt="Chips of Alpha" title="2,500,000 of them" />' in page
    assert '<a href="p.png" title="size 5.0">a file</a>' in page


def test_values_in_alt_text_and_titles_that_fail_fail_at_their_line_and_column(make_site):
    site = make_site({**DATA, "content/p.png": b"png", "content/index.md": (
        "# Home\n\n- item ![alt {{ d.x.name }}](p.png \"t {{ e.a.value }}\")\n")})
    assert [(line, column) for _, line, column, _ in problems_of(site)] == [(3, 14), (3, 39)]


def test_a_heading_showing_a_value_gets_its_id_permalink_and_toc_entry_from_the_value(
        make_site):
    site = make_site({**DATA, "templates/page.html": (
        "{{ page.title }}|{% for e in page.toc %}[{{ e.id }}={{ e.title }}]{% endfor %}{{ page.content | safe }}"),
        "content/costs.md": (
            "# Costs of {{ d.a.name }}\n\n## Made by {{ d.a.name }}\n\n## Made by Alpha\n\n"
            "## Own {{ d.b.name }} {#own}\n\nSee [below](#made-by-alpha-1).\n"),
        "content/index.md": "# Home\n\n[the second](costs.md#made-by-alpha-1)\n",
    })
    files = build(site)
    costs = files["costs/index.html"]
    assert costs.startswith("Costs of Alpha|[made-by-alpha=Made by Alpha][made-by-alpha-1=Made by Alpha]"
                            "[own=Own Beta]")
    assert '<h2 id="made-by-alpha">Made by Alpha <a class="header-anchor" ' \
           'href="#made-by-alpha" aria-label="Link to Made by Alpha">#</a></h2>' in costs
    assert '<h1 id="costs-of-alpha">Costs of Alpha</h1>' in costs
    assert 'href="costs/#made-by-alpha-1"' in files["index.html"]
    assert "\ue000" not in costs


def test_a_link_to_a_heading_id_the_data_no_longer_gives_fails(make_site):
    site = make_site({**DATA, "content/costs.md": "# C\n\n## Made by {{ d.a.name }}\n",
                      "content/index.md": "# Home\n\n[x](costs.md#made-by-beta)\n"})
    with pytest.raises(SitegenError) as caught:
        build_site(site, site / "_site", BuildOptions())
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("content/index.md", 3)
    assert "missing heading '#made-by-beta'" in problem.message
    assert "#made-by-alpha" in (problem.hint or "")


def test_a_data_edit_rebuilds_headings_titles_and_links_as_a_clean_build_does(
        make_site, tmp_path):
    site = make_site({**DATA, "content/costs.md": (
        "---\ntitle: \"About {{ d.a.name }}\"\n---\n## By {{ d.a.name }}\n\n## By Beta\n"),
        "content/index.md": "# Home\n\n[x](costs.md#by-beta)\n"})
    builder = Builder(site, persist_caches=False)
    builder.build()
    (site / "content/data/d.csv").write_text("id,value,name\na,5,Gamma\nb,2,Beta\n")
    incremental = builder.build(changed=["content/data/d.csv"])
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns(".sitegen-cache", "_site"))
    assert dict(incremental.files) == dict(Builder(clean, persist_caches=False).build().files)
    assert b'id="by-gamma"' in incremental.files["costs/index.html"]
    assert b'href="costs/#by-beta"' in incremental.files["index.html"]


def test_a_value_in_a_table_cell_works_and_fails_at_its_line_and_column(make_site):
    table = ("# T\n\n| a | b |\n|---|---|\n| 1 | x |\n"
             "| {{ d.b.value \\| compact }} | {{ d.zz.value }} |\n")
    site = make_site({**DATA, "content/index.md": table})
    [(path, line, column, message)] = problems_of(site)
    assert (path, line, column) == ("content/index.md", 6, 32) and "'zz'" in message
    (site / "content/index.md").write_text(table.replace("zz", "a"), encoding="utf-8")
    page = build(site)["index.html"]
    assert "<td>2.5M</td>" in page and "<td>5</td>" in page


@pytest.mark.parametrize(("link", "line"), [
    ("[x](#nope)", 6), ("| a |\n|---|\n| [x](#nope) |", 8), ("[x][r]\n\n[r]: #nope", 6),
    ("See ![x](#nope)", 6), ("- [x](here.md#nope)", 6),
])
def test_a_link_to_a_missing_heading_on_the_same_page_fails_at_its_line(make_site, link, line):
    site = make_site({"content/here.md": f"---\ntitle: Here\n---\n## There\n\n{link}\n"})
    [(path, found_line, _, message)] = problems_of(site)
    assert (path, found_line) == ("content/here.md", line)
    assert "missing heading '#nope'" in message


def test_an_in_page_link_to_a_non_ascii_heading_resolves(make_site):
    site = make_site({"content/index.md": "# Home\n\n## Straße\n\n[x](#straße)\n"})
    assert 'href="#stra%C3%9Fe"' in build(site)["index.html"]


def test_page_and_asset_urls_are_percent_encoded_in_links_sitemap_and_feed(make_site):
    site = make_site({
        "sitegen.toml": 'base_url = "https://example.org/x/"\n',
        "content/a#b.md": "---\ndate: 2025-01-02\n---\n# A\n",
        "content/my url.md": "---\ndate: 2025-01-01\n---\n# M\n",
        "content/foo\\bar.png": b"png",
        "content/index.md": ("# Home\n\n[a](a%23b.md) [m](my%20url.md) [m2](<my url.md>) "
                             "![f](foo\\bar.png)\n"),
    })
    files = build(site)
    home = files["index.html"]
    for url in ("a%23b/", "my%20url/", "foo%5Cbar.png"):
        assert f'="{url}"' in home, url
    links = re.findall(r'(?:href|src)="([^"]*)"', home)
    assert [u for u in links if " " in u or "\\" in u] == []
    assert "<loc>https://example.org/x/a%23b/</loc>" in files["sitemap.xml"]
    assert "<loc>https://example.org/x/my%20url/</loc>" in files["sitemap.xml"]
    assert 'href="https://example.org/x/a%23b/"' in files["feed.xml"]
    assert 'href="https://example.org/x/my%20url/"' in files["feed.xml"]
    page = files["a#b/index.html"]
    assert '<link rel="canonical" href="https://example.org/x/a%23b/">' in page


@pytest.mark.parametrize("limit", [0, -3])
def test_a_feed_limit_below_one_is_an_error_at_its_line(make_site, limit):
    site = make_site({"sitegen.toml": f'title = "T"\nfeed_limit = {limit}\n',
                      "content/index.md": "# Home\n"})
    [(path, line, _, message)] = problems_of(site)
    assert (path, line) == ("sitegen.toml", 2) and "feed_limit" in message
