"""Every page says how to cite it (text and BibTeX, with the date it was last updated), and
an `updates:` list in front matter becomes a dated corrections log."""

from __future__ import annotations

from conftest import run_sitegen

TOML = 'title = "Chip {Notes}"\nauthor = "A. Writer"\nbase_url = "https://example.org/x/"\n'


def build(make_site, front: str) -> tuple[int, str, str]:
    root = make_site({"sitegen.toml": TOML,
                      "content/costs.md": f"---\ntitle: Costs & prices\n{front}---\nText.\n"})
    result = run_sitegen("build", cwd=root)
    html = (root / "_site/costs/index.html").read_text() if result.returncode == 0 else ""
    return result.returncode, result.stderr, html


def test_a_page_is_cited_with_its_url_and_its_latest_update(make_site):
    code, err, html = build(make_site, "date: 2025-08-01\nupdates:\n"
                            "  - date: 2025-09-03\n    text: Corrected the H20 price.\n"
                            "  - {date: 2025-08-20, text: Added a source.}\n")
    assert code == 0, err
    assert ('<p class="cite-text">A. Writer (2025). Costs &amp; prices. Chip {Notes}. '
            'https://example.org/x/costs/. Updated 3 September 2025.</p>') in html
    assert "  title = {Costs \\&amp; prices}," in html      # BibTeX-escaped, then HTML-escaped
    assert "  organization = {Chip \\{Notes\\}}," in html
    assert "  howpublished = {\\url{https://example.org/x/costs/}}," in html
    assert "  note = {Updated 2025-09-03}" in html
    log = html[html.index('class="page-updates"'):html.index('class="page-cite"')]
    assert log.index("20 August 2025") < log.index("3 September 2025")  # oldest first
    assert '<time datetime="2025-09-03">3 September 2025</time>: Corrected the H20 price.' in log


def test_a_page_without_dates_or_updates_is_cited_without_a_year_and_has_no_log(make_site):
    code, err, html = build(make_site, "")
    assert code == 0, err
    assert "A. Writer (n.d.). Costs &amp; prices. Chip {Notes}. https://example.org/x/costs/." \
        in html
    assert "page-updates" not in html


def test_a_malformed_updates_list_fails_at_its_line(make_site):
    code, err, _ = build(make_site, "date: 2025-08-01\nupdates:\n  - date: soon\n    text: x\n")
    assert code == 1
    assert "content/costs.md:4:1: error: 'updates' entry 1 has a date that is not YYYY-MM-DD" \
        in err
    assert "Traceback" not in err
