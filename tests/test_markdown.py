"""Markdown -> HTML: GFM and the extensions writers use, heading ids, TOC, placeholders."""

from __future__ import annotations

import re

import pytest

from sitegen.prose.headings import slugify
from sitegen.prose.markdown import PLACEHOLDER, is_internal_link, parse_markdown


def html_of(text: str, typographer: bool = True) -> str:
    return parse_markdown(text, typographer).html


def test_gfm_tables():
    html = html_of("| a | b |\n|---|--:|\n| 1 | 2 |\n")
    assert "<table>" in html and "<th>a</th>" in html and "<td>1</td>" in html
    assert 'style="text-align:right"' in html


def test_strikethrough():
    assert "<s>gone</s>" in html_of("~~gone~~\n")


def test_footnotes():
    html = html_of("Claim.[^src]\n\n[^src]: The source.\n")
    assert 'class="footnote-ref"' in html and 'href="#fn1"' in html
    assert '<section class="footnotes">' in html and "The source." in html


@pytest.mark.parametrize(("text", "slug"), [
    ("Unit prices", "unit-prices"),
    ("What's new?", "whats-new"),
    ("C++ & Rust", "c--rust"),
    ("Über Kosten", "über-kosten"),
    ("snake_case-and-hyphen", "snake_case-and-hyphen"),
    ("!!!", "section"),
])
def test_heading_slugs_are_github_style(text, slug):
    assert slugify(text) == slug


def test_heading_ids_are_unique_within_a_page_and_explicit_ids_win():
    parsed = parse_markdown("## Notes\n\n## Notes\n\n### Notes\n\n## Costs {#unit-prices}\n")
    ids = re.findall(r'<h\d id="([^"]+)"', parsed.html)
    assert ids == ["notes", "notes-1", "notes-2", "unit-prices"]
    assert parsed.heading_ids == {"notes", "notes-1", "notes-2", "unit-prices"}
    assert "{#" not in parsed.html


def test_heading_ids_are_stable_between_parses():
    text = "# T\n\n## A b\n\n## A b\n\n## C\n"
    assert html_of(text) == html_of(text)


def test_headings_below_the_title_get_permalink_anchors():
    html = html_of("# Title\n\n## Unit prices\n")
    assert '<h1 id="title">Title</h1>' in html
    assert '<a class="header-anchor" href="#unit-prices"' in html


def test_table_of_contents_nests_headings_below_the_title():
    parsed = parse_markdown("# Page\n\n## One\n\n### One a\n\n### One b\n\n## Two\n")
    assert parsed.first_heading == "Page"
    [one, two] = parsed.toc
    assert (one.level, one.id, one.title) == (2, "one", "One")
    assert [c.id for c in one.children] == ["one-a", "one-b"]
    assert (two.id, two.children) == ("two", ())


def test_bang_admonitions():
    html = html_of("!!! note\n    Read this.\n")
    assert '<div class="admonition note">' in html
    assert '<p class="admonition-title">Note</p>' in html and "Read this." in html


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"])
def test_github_callouts_become_admonitions(kind):
    html = html_of(f"> [!{kind}]\n> Careful here.\n")
    assert f'<div class="admonition {kind.lower()}">' in html
    assert f'<p class="admonition-title">{kind.capitalize()}</p>' in html
    assert "[!" not in html and "<blockquote>" not in html and "Careful here." in html


def test_plain_blockquote_stays_a_blockquote():
    assert "<blockquote>" in html_of("> Just a quote.\n")


def test_definition_lists():
    assert "<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>\n</dl>" in html_of("Term\n: Meaning\n")


def test_task_lists():
    html = html_of("- [x] done\n- [ ] todo\n")
    assert 'class="contains-task-list"' in html
    assert html.count('type="checkbox"') == 2 and 'checked="checked"' in html


def test_code_blocks_are_highlighted_by_pygments():
    html = html_of("```python\ndef f():\n    return 1\n```\n")
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="k">def</span>' in html


def test_code_block_in_unknown_language_is_escaped_plain():
    html = html_of("```nosuchlang\n<b>&\n```\n")
    assert "&lt;b&gt;&amp;" in html and 'class="highlight"' not in html


def test_typographic_quotes_and_dashes():
    html = html_of("\"Quoted\" -- it's here...\n")
    assert "“Quoted”" in html and "it’s" in html and "–" in html and "…" in html


def test_typographer_can_be_turned_off():
    assert "&quot;Quoted&quot;" in html_of('"Quoted"\n', typographer=False)


def test_raw_html_is_kept():
    html = html_of('<div class="wide">\n\n*md*\n\n</div>\n\nA <kbd>Ctrl</kbd> key.\n')
    assert '<div class="wide">' in html and "<kbd>Ctrl</kbd>" in html


def test_value_expressions_become_placeholders_with_their_lines():
    parsed = parse_markdown("Intro.\n\nIt cost ${{ costs.v3.value }}M and\n"
                            "{{ costs.share.value | percent }}.\n")
    assert [(e.text, e.line) for e in parsed.expressions] == [
        ("costs.v3.value", 3), ("costs.share.value | percent", 4)]
    assert "{{" not in parsed.html
    assert len(PLACEHOLDER.findall(parsed.html)) == 2


def test_braces_in_code_and_escaped_braces_stay_literal():
    parsed = parse_markdown("Use `{{ a.b.c }}` here.\n\n```\n{{ a.b.c }}\n```\n\n"
                            "    {{ indented.code.block }}\n\nAnd \\{{ not.a.value }}.\n")
    assert parsed.expressions == ()
    assert "<code>{{ a.b.c }}</code>" in parsed.html
    assert "{{ indented.code.block }}" in parsed.html
    assert "{{ not.a.value }}" in parsed.html


def test_an_expression_in_a_table_cell_escapes_the_bar():
    parsed = parse_markdown("| v |\n|---|\n| {{ costs.a.v \\| number:1 }} |\n")
    assert [(e.text, e.line) for e in parsed.expressions] == [("costs.a.v | number:1", 3)]


def test_internal_links_are_recorded_with_line_and_column():
    parsed = parse_markdown("# T\n\nSee [costs](costs.md#unit-prices).\n\n"
                            "Up [home](../index.md), [web](https://example.org), [mail](mailto:a@b)"
                            ", ![pic](pic.png).\n")
    refs = [(link.text, link.line, link.column) for link in parsed.links]
    assert refs == [("costs.md#unit-prices", 3, 13), ("../index.md", 5, 11), ("pic.png", 5, 80)]
    assert 'href="https://example.org"' in parsed.html


@pytest.mark.parametrize(("href", "internal"), [
    ("costs.md", True), ("../index.md#x", True), ("#here", True), ("sub/", True),
    ("https://example.org", False), ("mailto:a@b.org", False), ("//cdn.example/x", False),
    ("/absolute", False), ("", False),
])
def test_which_links_the_site_resolves(href, internal):
    assert is_internal_link(href) is internal


def test_chart_fences_are_handed_over_with_their_line():
    parsed = parse_markdown("# T\n\ntext\n\n```chart\ndata: x\nmark: bar\n```\n")
    [fence] = parsed.fences
    assert (fence.info, fence.line, fence.text) == ("chart", 5, "data: x\nmark: bar\n")
    assert "```" not in parsed.html


def test_link_fast_path_agrees_with_markdown_its_normalize_link():
    """The URLs sitegen passes through untouched are exactly those normalizeLink leaves alone."""
    import random

    from markdown_it.common.normalize_url import normalizeLink

    from sitegen.prose.markdown import _normalize_link

    rng = random.Random(20261128)
    plain = "abcXYZ0189/._~-#?=&+,;!$*'()"
    odd = ":@%[] \\\"<>`{}|^é\t"
    prefixes = ["http://", "https://", "HTTP://", "//", "", "../", "./", "mailto:", "ftp://",
                "https:/", "http://Example.com", "https://xn--", "#"]
    checked = 0
    for _ in range(20000):
        prefix = rng.choice(prefixes) if rng.random() < 0.5 else ""
        host = "".join(rng.choice("abc-.0Z") for _ in range(rng.randint(0, 8)))
        body = "".join(rng.choice(plain + odd if rng.random() < 0.1 else plain)
                       for _ in range(rng.randint(0, 14)))
        url = prefix + (host if prefix.endswith("//") else "") + body
        assert _normalize_link(url) == normalizeLink(url), url
        checked += 1
    assert checked == 20000
    assert html_of("[x](https://example.com/a/b?c=1#d)\n") == (
        '<p><a href="https://example.com/a/b?c=1#d">x</a></p>\n')
    assert 'href="https://xn--bcher-kva.example/%C3%A9"' in html_of(
        "[x](https://bücher.example/é)\n")


def test_the_languages_pygments_highlighted_are_listed():
    parsed = parse_markdown("```Python\nx = 1\n```\n\n~~~ bash extra\nls\n~~~\n\n"
                            "```nosuchlang\nx\n```\n\n```\nplain\n```\n\n    indented\n")
    assert parsed.languages == {"python", "bash"}
    assert 'class="language-python"' in parsed.html and 'class="language-bash"' in parsed.html
