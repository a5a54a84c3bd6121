"""The search index: made by Pagefind from the rendered pages in memory, written with every
other output, the same after a dev-server rebuild as after a clean build, and off with
`search = false`. (The box in a real browser: test_search_browser.py.)"""

from __future__ import annotations

import gzip
import json
import shutil

import pytest
from conftest import run_sitegen

from sitegen.build import Builder, build_site
from sitegen.errors import ConfigError
from sitegen.search import page_url
from sitegen.search.index import as_indexed

SITE = {
    "sitegen.toml": 'title = "Chips"\n',
    "content/index.md": "---\ntitle: Home\n---\n# Home\n\nWelcome to the chips site.\n",
    "content/chips.md": (
        "---\ntitle: Chips\n---\n# Chips\n\n## The H20 {#h20}\n\nNvidia sold the H20 in China.\n\n"
        "## Ascend\n\nHuawei makes the Ascend.\n"),
    "content/about.md": "---\ntitle: About\n---\n# About\n\nWho wrote this.\n",
}


def fragments(files):
    """Each indexed page as Pagefind stored it: {url: fragment}."""
    found = {}
    for path, data in files.items():
        if path.startswith("pagefind/fragment/"):
            fragment = json.loads(gzip.decompress(data)[len(b"pagefind_dcd"):])
            found[fragment["url"]] = fragment
    return found


def test_a_build_writes_the_search_bundle_beside_the_pages(make_site, tmp_path):
    site = make_site(SITE)
    result = build_site(site, tmp_path / "out")
    out = tmp_path / "out"
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-entry.json",
                 "wasm.en.pagefind"):
        assert (out / "pagefind" / name).is_file(), name
    assert not (out / "pagefind" / "pagefind-component-ui.js").exists()  # not used
    assert all((out / path).read_bytes() == data for path, data in result.files.items())
    pages = fragments(result.files)
    assert sorted(pages) == ["/", "/about/", "/chips/"]  # not 404.html
    chips = pages["/chips/"]
    assert chips["meta"]["title"] == "Chips"
    assert "Nvidia sold the H20 in China" in chips["content"]
    assert {(a["element"], a["id"]) for a in chips["anchors"]} >= {("h2", "h20")}
    html = (out / "chips/index.html").read_text()
    assert 'id="site-search"' in html and "data-pagefind-body" in html
    assert 'src="../pagefind/pagefind-ui.js"' in html  # relative: works under any subpath


def test_navigation_footer_toc_references_and_citation_are_not_indexed(make_site, tmp_path):
    site = make_site({**SITE, "content/chips.md": SITE["content/chips.md"]
                      + "\n## Third\n\nMore text.\n"})
    result = build_site(site, tmp_path / "out")
    chips = fragments(result.files)["/chips/"]
    assert "Cite this page" not in chips["content"]   # cite block
    assert "On this page" not in chips["content"]     # table of contents
    assert "Atom feed" not in chips["content"]        # footer
    assert "About" not in chips["content"]            # navigation and pager
    assert "#" not in chips["content"]                 # heading anchors


def test_search_false_leaves_no_index_and_no_box(make_site, tmp_path):
    site = make_site({**SITE, "sitegen.toml": 'title = "Chips"\nsearch = false\n'})
    result = build_site(site, tmp_path / "out")
    assert not any(path.startswith("pagefind/") for path in result.files)
    assert not (tmp_path / "out" / "pagefind").exists()
    html = (tmp_path / "out" / "chips/index.html").read_text()
    assert "site-search" not in html and "pagefind-ui" not in html


def test_search_must_be_true_or_false(make_site):
    site = make_site({**SITE, "sitegen.toml": 'title = "Chips"\nsearch = "yes"\n'})
    with pytest.raises(ConfigError) as caught:
        build_site(site)
    problem = caught.value.first
    assert (problem.path, problem.line) == ("sitegen.toml", 2)
    assert "'search' must be a bool" in problem.message
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen.toml:2:1: error: 'search' must be a bool")
    assert "Traceback" not in result.stderr


def test_a_chart_title_is_indexed_as_a_heading_that_links_to_the_chart():
    html = ('<main data-pagefind-body><h1>P</h1><figure class="chart" id="chart-2" data-x="1">'
            '<div class="chart-static"><svg></svg></div><figcaption>'
            '<p class="chart-title">H20 volumes</p><table><tr><td>a</td><td>b</td></tr>'
            '</table></figcaption></figure></main>')
    indexed = as_indexed(html)
    assert '<figure class="chart" data-x="1"><div' in indexed
    assert '<h6 id="chart-2">H20 volumes</h6>' in indexed
    assert "<td>a</td> <td>b</td> " in indexed


def test_result_urls_name_the_pages_from_the_site_root():
    assert page_url("index.html") == "/"
    assert page_url("guide/step/index.html") == "/guide/step/"
    assert page_url("notes.html") == "/notes.html"


def test_an_edit_reindexes_to_exactly_the_index_of_a_clean_build(make_site, tmp_path):
    site = make_site(SITE)
    builder = Builder(site, persist_caches=False)
    first = builder.build()
    page = site / "content/chips.md"
    page.write_text(page.read_text().replace("in China.", "in China, and then stopped."))
    edited = builder.build(changed=["content/chips.md"])
    assert edited.changes is not None  # the dev server's way: only the edited page rendered
    assert edited.rendered == 1
    changed_index = {p for p in edited.changes.paths if p.startswith("pagefind/")}
    assert changed_index and changed_index <= set(edited.files) | set(first.files)
    clean_site = tmp_path / "clean"
    shutil.copytree(site, clean_site, ignore=shutil.ignore_patterns(".sitegen-cache"))
    clean = dict(Builder(clean_site, persist_caches=False).build().files)
    assert dict(edited.files) == clean  # byte for byte: Pagefind is deterministic
    assert "and then stopped" in fragments(clean)["/chips/"]["content"]


def test_the_hidden_source_card_of_a_number_is_not_indexed(make_site, tmp_path):
    data = ("id,value,unit,series,kind,source_title,source_url,source_date\n"
            "h20,300000,units,H20 orders,reported,Zanzibar Weekly,https://example.org/z,2025-07\n")
    site = make_site({**SITE, "content/data/orders.csv": data,
                      "content/chips.md": SITE["content/chips.md"]
                      + "\nOrders reached {{ orders.h20.value }} units.\n"})
    result = build_site(site, tmp_path / "out")
    html = (tmp_path / "out" / "chips/index.html").read_text()
    assert 'class="value-sources" hidden' in html and "Zanzibar Weekly" in html
    chips = fragments(result.files)["/chips/"]
    assert "Orders reached 300,000 units." in chips["content"]
    assert "Zanzibar" not in chips["content"]
