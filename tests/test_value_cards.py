"""Sources at the number, in the built HTML: a value whose row names a source is a link to its
reference holding `<data value>`, a print mark and a described card; `| bare` and every place
markup cannot go (attributes, titles, heading ids, the table of contents, feeds, a link's
text) keep it plain; a derived row lists the rows it came from, and a wrong one fails at its
line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build_site
from sitegen.errors import SitegenError

DATA = (
    "id,value,unit,series,kind,source_title,source_url,source_date,derived_from\n"
    "a,2500000,units,Units,reported,Report A,https://example.org/a,2025-01-02,\n"
    "b,4,units,Other,estimate,Report B,https://example.org/b,2025-02,\n"
    "c,2500004,units,Sum,reported (derived),Report A,https://example.org/a,2025-01-02,a e.x\n"
)
OTHER = "id,value,series\nx,7,Unsourced\n"


def build(make_site, body: str, front: str = "", data: str = DATA) -> dict[str, str]:
    site = make_site({"content/data/d.csv": data, "content/data/e.csv": OTHER,
                      "content/p.png": b"png",
                      "content/page.md": f"---\ntitle: Page\ndate: 2025-03-01\n{front}---\n{body}"})
    build_site(site, site / "_site", BuildOptions())
    return {p.relative_to(site / "_site").as_posix(): p.read_text(encoding="utf-8")
            for p in (site / "_site").rglob("*") if p.suffix in (".html", ".xml")}


def prose(page: str) -> str:
    return page.split('<div class="prose">', 1)[1].split("</div>\n\n  </div>", 1)[0]


def test_a_sourced_value_links_to_its_reference_with_data_a_print_mark_and_a_card(make_site):
    page = build(make_site, "A is {{ d.a.value | compact }} and B {{ d.b.value }}.\n")["page/index.html"]
    assert ('<a class="value-link" href="#ref-1" data-ref="1" aria-describedby="ref-1 src-1">'
            '<data value="2500000">2.5M</data></a>') in page
    assert ('href="#ref-2" data-ref="2" aria-describedby="ref-2 src-2"><data value="4">4</data>'
            in page)
    card = re.search(r'<p class="value-source" id="src-1">(.*?)</p>', page).group(1)
    assert card == ('<span class="value-card-kind"><span class="chart-kind" data-kind="reported">'
                    "Reported</span>: a company filing or a news report of one.</span>")
    assert '<li id="ref-1">' in page and '<li id="ref-2">' in page
    assert '<div class="value-sources" hidden>' in page
    assert re.search(r'<script src="\.\./js/values\.[0-9a-f]+\.js" defer>', page)


def test_rows_saying_the_same_share_a_card_and_a_row_without_kind_has_none(make_site):
    data = DATA + "d,9,units,More,reported,Report A,https://example.org/a,2025-01-02,\n" \
        + "f,1,units,Kindless,,Report F,https://example.org/f,2025-01-02,\n"
    page = build(make_site, "{{ d.a.value }}, {{ d.d.value }} and {{ d.f.value }}.\n",
                 data=data)["page/index.html"]
    assert page.count('class="value-source"') == 1
    assert page.count('aria-describedby="ref-1 src-1"') == 2
    assert 'href="#ref-2" data-ref="2" aria-describedby="ref-2"><data value="1">1</data>' in page


def test_one_card_per_thing_said_and_a_derived_row_lists_the_rows_it_came_from(make_site):
    page = build(make_site, "{{ d.c.value }}, {{ d.c.value | compact }}, {{ d.a.value }} and "
                 "{{ d.a.unit }}.\n")["page/index.html"]
    assert page.count('class="value-source"') == 2  # c (derived) and a say different things
    assert page.count('aria-describedby="ref-1 src-1"') == 2
    assert page.count('aria-describedby="ref-1 src-2"') == 2
    card = re.search(r'id="src-1">(.*?)</p>', page).group(1)
    assert 'data-kind="derived">Derived</span>: computed here from other rows.' in card
    assert "From: Units: 2,500,000 units (Report A); Unsourced: 7." in card


def test_bare_and_unsourced_values_stay_plain_and_the_page_loads_no_card_script(make_site):
    page = build(make_site, "Plain {{ d.a.value | compact | bare }}, {{ d.b.value | bare }} "
                 "and {{ e.x.value }}; kept {{ \"V3\" }}.\n")["page/index.html"]
    assert "<p>Plain 2.5M, 4 and 7; kept V3.</p>" in page
    assert "value-link" not in page and "value-sources" not in page and "values." not in page
    # The page still cites what it used.
    assert '<li id="ref-1"><a href="https://example.org/a">Report A</a>' in page


def test_values_where_markup_cannot_go_are_plain_text(make_site):
    body = ("# Heading {{ d.a.value | compact }}\n\n## Part {{ d.b.value }}\n\n### Third\n\n### Fourth\n\n"
            "![alt {{ d.a.value }}](p.png \"title {{ d.b.value }}\")\n\n"
            "[link {{ d.a.value | compact }}](#part-4) and <b>{{ d.b.value }}</b>\n")
    files = build(make_site, body, front="description: \"About {{ d.a.value | compact }}\"\n")
    page = files["page/index.html"]
    assert '<h2 id="part-4">Part <a class="value-link"' in page
    assert 'aria-label="Link to Part 4"' in page
    assert 'alt="alt 2,500,000" title="title 4"' in page
    assert '<a href="#part-4">link 2.5M</a>' in page  # no link inside a link
    assert '<meta name="description" content="About 2.5M">' in page
    assert '<a href="#part-4">Part 4</a>' in page  # the table of contents
    assert "<b><a class=\"value-link\"" in page  # raw HTML around a value is kept
    feed = files["feed.xml"]
    assert "value-link" not in feed and "value-source" not in feed and "Part 4" in feed


def test_the_bare_template_filter_strips_the_markup_from_content(make_site):
    site = make_site({"content/data/d.csv": DATA,
                      "content/page.md": "---\ntitle: Page\n---\nA is {{ d.a.value }}.\n",
                      "templates/page.html": (
                          '{% extends "base.html" %}{% block content %}{{ page.content | safe }}'
                          '<p id="bare">{{ page.content | bare | striptags }}</p>'
                          '<meta content="{{ page.content | bare | striptags }}">{% endblock %}')})
    build_site(site, site / "_site", BuildOptions())
    page = (site / "_site/page/index.html").read_text(encoding="utf-8")
    assert '<p id="bare">A is 2,500,000.</p>' in page and '<meta content="A is 2,500,000.">' in page
    assert 'class="value-link"' in page


def test_a_derived_from_naming_no_row_fails_at_the_data_files_line(make_site):
    data = DATA.replace("a e.x\n", "a nope\n")
    with pytest.raises(SitegenError) as caught:
        build(make_site, "{{ d.c.value }}\n", data=data)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("content/data/d.csv", 4)
    assert "'derived_from' names 'nope', which is no row" in problem.message


def test_the_print_stylesheet_makes_values_reference_marks_and_hides_cards():
    css = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_text()
    block = css[css.index("A value's source at the number"):]
    printed = block[block.index("@media print"):]
    assert "a.value-link::after { content: attr(data-ref);" in printed
    assert ".value-card { display: none" in printed
