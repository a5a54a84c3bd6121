"""The check for figures typed by hand: what it flags, what it lets through, and where it says
they are (`sitegen check`, and the build's warnings, errors under --strict)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen.prose import parse_markdown
from sitegen.prose.lint import hand_typed

REPO = Path(__file__).resolve().parents[1]
DATA = "id,value,source_title\nsales,1200,Report\n"


def flagged(body: str, literals: tuple[str, ...] = ()) -> list[tuple[str, int, int]]:
    return [(f.text, f.line, f.column)
            for f in hand_typed(parse_markdown(body).figures, literals)]


def test_digits_and_number_words_are_flagged_with_their_line_and_column():
    body = "Intro.\n\nSold 1,200 units, three times more, at $2.5B and 15% a dozen times.\n"
    assert flagged(body) == [("1,200", 3, 6), ("three", 3, 19), ("$2.5B", 3, 40),
                             ("15%", 3, 50), ("dozen", 3, 56)]


def test_nothing_inside_code_urls_html_or_placeholders_is_flagged():
    body = (
        "Use `x = 42` and [a link](https://example.com/2023/99) or <https://e.com/77>.\n\n"
        "```python\nvalue = 12345\n```\n\n"
        "    indented 678\n\n"
        '<div data-n="55">raw</div>\n\n'
        "Bound: {{ sales.sales.value }} and {{ \"V3\" }}.\n"
    )
    assert flagged(body) == []


def test_link_text_alt_text_lists_quotes_tables_and_headings_are_checked_at_their_column():
    body = (
        "## A heading with 7 in it\n\n"
        "- item with 42 and [link 5](other.md)\n"
        "> quoted twelve\n\n"
        "| a | b |\n|---|---|\n| x | 10 |\n\n"
        "![a photo of 9 chips](photo.png)\n"
    )
    assert flagged(body) == [("7", 1, 19), ("42", 3, 13), ("5", 3, 26), ("twelve", 4, 10),
                             ("10", 8, 7), ("9", 10, 14)]


@pytest.mark.parametrize("text", [
    "H20", "V3", "Q2", "FY25", "DeepSeek-V3", "GPT-4",   # names: letters before the digits
    "2025", "1990s",                                     # a year standing alone
    "9 April", "April 9", "24 May",                      # a day beside a month
])
def test_names_periods_and_dates_are_literals_by_rule(text):
    assert flagged(f"The {text} story.\n") == []


def test_a_scale_word_right_after_a_placeholder_is_part_of_the_bound_figure():
    assert flagged("About {{ sales.sales.value }} million units.\n") == []
    assert flagged("About {{ sales.sales.value }} units, a million more.\n") == [
        ("million", 1, 40)]


def test_listed_literals_match_word_for_word():
    assert flagged("The 910B and 910C.\n", ("910B",)) == [("910C", 1, 14)]


def site(make_site, body: str, front: str = "", toml: str = "") -> Path:
    return make_site({
        "content/index.md": f"---\ntitle: Home\n{front}---\n{body}",
        "content/data/sales.csv": DATA,
        "sitegen.toml": toml,
    })


def test_sitegen_check_lists_every_figure_and_exits_1(make_site):
    root = site(make_site, "Sold 1,200 units.\n\nThen three more, {{ \"V3\" }}.\n")
    result = run_sitegen("check", cwd=root)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "content/index.md:4:6: '1,200' is typed by hand, not bound to data",
        "content/index.md:6:6: 'three' is typed by hand, not bound to data",
    ]
    assert "2 figures typed by hand in 1 pages" in result.stdout
    assert "1 literals marked inline" in result.stdout


def test_front_matter_and_site_literals_silence_the_check(make_site):
    root = site(make_site, "The 910B, 910C and three.\n", front="literals: [three]\n",
                toml='literals = ["910B", "910C"]\n')
    result = run_sitegen("check", cwd=root)
    assert result.returncode == 0, result.stdout
    assert "0 figures typed by hand" in result.stdout


def test_front_matter_literals_must_be_a_list(make_site):
    root = site(make_site, "Text.\n", front="literals: three\n")
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 1
    assert "content/index.md:1: error: 'literals' in the front matter must be a list" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_build_warns_once_per_page_and_strict_fails_at_each_figure(make_site):
    root = site(make_site, "Sold 1,200 units, three more.\n")
    built = run_sitegen("build", cwd=root)
    assert built.returncode == 0
    warnings = [line for line in built.stderr.splitlines() if ": warning: " in line]
    assert warnings == ["content/index.md:4:6: warning: '1,200' is typed by hand, not bound "
                        "to data (1 more on this page)"]
    strict = run_sitegen("build", "--strict", cwd=root)
    assert strict.returncode == 1
    errors = re.findall(r"^(\S+): error: '(\S+)'", strict.stderr, re.M)
    assert errors == [("content/index.md:4:6", "1,200"), ("content/index.md:4:19", "three")]


def test_an_inline_literal_is_written_as_it_is(make_site):
    root = site(make_site, 'Model {{ "R1-0528" }} and {{ \'<b>\' }}.\n')
    assert run_sitegen("build", cwd=root).returncode == 0
    html = (root / "_site" / "index.html").read_text()
    assert "Model R1-0528 and &lt;b&gt;." in html


def test_the_shipped_explainer_has_no_figure_typed_by_hand():
    result = run_sitegen("check", cwd=REPO)
    assert result.returncode == 0, result.stdout
    assert re.search(r"^0 figures typed by hand in \d+ pages", result.stdout, re.M)


def test_a_rebuild_of_an_edited_page_warns_exactly_as_a_clean_build(make_site):
    from sitegen.build import Builder

    root = site(make_site, "Sold 1,200 units.\n")
    (root / "content/other.md").write_text("# Other\n\nAbout three.\n")
    builder = Builder(root, persist_caches=False)
    builder.build()
    for body in ("Sold 1,300 units, five more.\n", "Sold {{ sales.sales.value }} units.\n",
                 "Now 7.\n"):
        (root / "content/index.md").write_text(f"---\ntitle: Home\n---\n{body}")
        again = builder.build(changed=["content/index.md"])
        clean = Builder(root, persist_caches=False).build()
        assert again.changes is not None  # the page was redone alone
        assert again.warnings == clean.warnings
        assert again.files == clean.files
