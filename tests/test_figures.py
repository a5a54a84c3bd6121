"""Numbered figures: each chart is "Figure N" on its page, and a link written without text
to a chart (`[](#id)`, `[](page.md#id)`) reads "Figure N" and is checked like any link."""

from __future__ import annotations

import re

from conftest import run_sitegen

DATA = "id,value,source_title\na,3,Report A\nb,5,Report B\n"


def chart(mark: str, *, chart_id: str | None = None, title: str | None = None) -> str:
    lines = ["```chart"]
    if chart_id:
        lines.append(f"id: {chart_id}")
    if title:
        lines.append(f"title: {title}")
    lines += ["data: d", f"mark: {mark}", "kind: reported", f"description: {mark}s of d",
              "encoding:", "  x: {field: id, type: nominal}",
              "  y: {field: value, type: quantitative}", "```", ""]
    return "\n".join(lines)


def site(make_site, index_body: str) -> dict[str, str]:
    return {
        "content/data/d.csv": DATA,
        "content/index.md": f"---\ntitle: Home\n---\n{index_body}",
        "content/other.md": "# Other\n\n" + chart("bar") + "\n" + chart("line", chart_id="fig-l"),
    }


def test_charts_are_numbered_in_page_order(make_site):
    root = make_site(site(make_site, chart("bar", title="First") + "\n" +
                          chart("point", chart_id="fig-points", title="Second")))
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    html = (root / "_site/index.html").read_text()
    titles = re.findall(r'<p class="chart-title">(.*?)</p>', html)
    kind = ' <span class="chart-kind chart-kind-reported">Reported</span>'
    assert titles == ['<span class="figure-number">Figure 1</span> First' + kind,
                      '<span class="figure-number">Figure 2</span> Second' + kind]
    assert '<figure class="chart" id="fig-points"' in html


def test_a_link_without_text_to_a_chart_reads_figure_n_here_and_on_another_page(make_site):
    body = ("See [](#fig-points), [](other.md#fig-l) and [](other.md#chart-1); "
            "[the chart](#fig-points) keeps its text.\n\n"
            + chart("bar") + "\n" + chart("point", chart_id="fig-points"))
    root = make_site(site(make_site, body))
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    html = (root / "_site/index.html").read_text()
    assert ('See <a href="#fig-points">Figure 2</a>, <a href="other/#fig-l">Figure 2</a> and '
            '<a href="other/#chart-1">Figure 1</a>; <a href="#fig-points">the chart</a> keeps'
            in html)


def test_a_link_without_text_reads_figure_n_however_the_page_is_named(make_site):
    # the same pages a link with text reaches: without .md, with a query
    root = make_site(site(make_site, "See [](other#fig-l) and [](other.md?v=2#chart-1).\n"))
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 0, result.stderr
    html = (root / "_site/index.html").read_text()
    assert ('See <a href="other/#fig-l">Figure 2</a> and <a href="other/#chart-1">Figure 1</a>.'
            in html)


def test_a_reference_to_a_missing_figure_fails_at_its_line(make_site):
    root = make_site(site(make_site, "Intro.\n\nSee [](other.md#fig-gone).\n"))
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 1
    assert ("content/index.md:6:8: error: link to a missing heading '#fig-gone' in "
            "content/other.md") in result.stderr
    assert not (root / "_site").exists()


def test_a_link_without_text_to_a_heading_is_an_error_naming_the_figures(make_site):
    root = make_site(site(make_site, "## Part\n\nSee [](#part).\n\n" + chart("bar")))
    result = run_sitegen("build", cwd=root)
    assert result.returncode == 1
    assert "content/index.md:6:8: error: a link without text must point at a figure" \
        in result.stderr
    assert "figures there: #chart-1" in result.stderr
