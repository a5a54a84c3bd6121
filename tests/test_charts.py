"""Charts: both ways of writing one, each error at its place, the cache, the runtime.

These use the real Altair and the real vl-convert (no mocks): a chart that renders here
renders in a build. The end-to-end build (golden site, invalid sites) and the browser are
in tests/test_charts_site.py and tests/test_charts_browser.py.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen import charts
from sitegen.charts import ChartBlock, ChartCache, render_all
from sitegen.charts import render as chart_render
from sitegen.config import SitePaths
from sitegen.errors import Problem, ProblemCollector
from sitegen.inputs.data import load_datasets

SHIPMENTS = """\
id,group,period,value,kind,source_title,source_url
n1,nvidia,2024-Q1,1.5,reported,Nvidia 10-K,https://example.com/10k
n2,nvidia,2024-Q2,2.5,reported,Nvidia 10-K,https://example.com/10k
a1,amd,2024-Q1,0.5,estimate,Analyst note,https://example.com/note
"""
PRICES = """\
id,day,price,listed
p1,2025-05-01,10,true
p2,2025-05-02,12,false
"""
BAR = """\
data: shipments
description: Nvidia revenue rose from 1.5 to 2.5 billion dollars.
kind: reported
title: Nvidia revenue
caption: Two quarters of sales.
transform:
  - filter: "datum.group == 'nvidia'"
mark: bar
encoding:
  x: period:O
  y: {field: value, type: quantitative, title: USD bn}
  tooltip: [period, value, kind, source_title]
"""
LAYERED_MODULE = """\
import altair as alt


def chart(data):
    rows = list(data["shipments"])
    base = alt.Chart(alt.Data(values=rows)).encode(x="period:O", y="sum(value):Q")
    pick = alt.selection_point(fields=["group"], bind="legend")
    bars = base.mark_bar().encode(
        color="group:N", opacity=alt.condition(pick, alt.value(1), alt.value(0.3)),
    ).add_params(pick)
    labels = base.mark_text(dy=-5).encode(text="sum(value):Q")
    return (bars + labels).properties(title="By group")
"""


@pytest.fixture
def site(tmp_path: Path):
    """site({path: text}) -> a site root with the two datasets and those files (the run's
    user-level cache, conftest's, holds the runtime)."""
    def make(files: dict[str, str] | None = None) -> Path:
        root = tmp_path / "site"
        for relative, text in {"content/data/shipments.csv": SHIPMENTS,
                               "content/data/prices.csv": PRICES, **(files or {})}.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root
    return make


@dataclass(frozen=True)
class Reported:
    """A problem as the build would report it: an error, or a warning (an error if strict)."""

    severity: str
    problem: Problem

    def __getattr__(self, name: str):
        return getattr(self.problem, name)

    def format(self) -> str:
        return self.problem.format(self.severity)


def render(root: Path, *texts: str, strict: bool = False, cache: bool = True,
           page: str = "content/page.md", line: int = 10):
    """Render blocks placed on one page, 10 lines apart; returns (results, reported)."""
    paths = SitePaths(root)
    problems = ProblemCollector()
    datasets = load_datasets(paths, problems)
    blocks = [ChartBlock(page, i, text, line + 10 * i) for i, text in enumerate(texts)]
    results = render_all(blocks, datasets, paths,
                         ChartCache.for_site(paths.cache) if cache else None, problems)
    warning = "error" if strict else "warning"
    return results, ([Reported("error", p) for p in problems.errors]
                     + [Reported(warning, p) for p in problems.warnings])


def one(root: Path, text: str, **options):
    results, problems = render(root, text, **options)
    errors = [p for p in problems if p.severity == "error"]
    assert not errors, "\n".join(p.format() for p in errors)
    return results[("content/page.md", 0)], problems


def error(root: Path, text: str, **options):
    """The single error a block gives."""
    _, problems = render(root, text, **options)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, "\n".join(p.format() for p in problems)
    return errors[0]


def spec_of(chart: charts.RenderedChart) -> dict:
    """The Vega-Lite spec a chart was compiled from."""
    return json.loads(chart.vegalite_json.replace("\\u003c", "<"))


def vega_of(chart: charts.RenderedChart) -> dict:
    """The Vega spec the page ships."""
    return json.loads(chart.spec_json.replace("\\u003c", "<"))


# --- a chart written in YAML --------------------------------------------------------------


def test_yaml_chart_becomes_a_figure_with_svg_interactive_slot_caption_and_table(site):
    chart, problems = one(site(), BAR)
    html = chart.figure_html("../")
    assert problems == []
    assert html.startswith('<figure class="chart" id="chart-1" data-chart-kind="reported">')
    assert html.endswith("</figcaption></figure>")
    svg = re.search(r'<div class="chart-static">(<svg .*?</svg>)</div>', html, re.S).group(1)
    assert 'role="img" aria-label="Nvidia revenue rose from 1.5 to 2.5 billion dollars."' in svg
    assert '<div class="chart-interactive"></div>' in html
    assert '<p class="chart-title">Nvidia revenue <span class="chart-kind chart-kind-reported">' \
           "Reported</span></p>" in html
    assert '<p class="chart-text">Two quarters of sales.</p>' in html
    assert '<a class="chart-download" href="../charts/page/chart-1-shipments.csv" download>' in html
    table = re.search(r"<table>.*</table>", html, re.S).group(0)
    assert "<caption>shipments (2 rows)</caption>" in table
    assert '<th scope="col" class="num">value</th>' in table and "amd" not in table
    assert chart.title == "Nvidia revenue"
    assert chart.inputs == frozenset({"content/data/shipments.csv"})


def test_shorthand_expands_and_gets_the_type_altair_infers_from_the_column(site):
    text = ("data: prices\ndescription: d\nkind: reported\nmark: line\nencoding:\n"
            "  x: day\n  y: price\n  color: listed\n  detail: id\n  size: count():Q\n"
            "  tooltip: [{field: price, format: '.1f'}, sum(price)]\n")
    chart, _ = one(site(), text)
    encoding = spec_of(chart)["encoding"]
    assert encoding["x"] == {"field": "day", "type": "temporal"}
    assert encoding["y"] == {"field": "price", "type": "quantitative"}
    assert encoding["color"] == {"field": "listed", "type": "nominal"}
    assert encoding["detail"] == {"field": "id", "type": "nominal"}
    assert encoding["size"] == {"aggregate": "count", "type": "quantitative"}
    assert encoding["tooltip"] == [{"field": "price", "format": ".1f"},  # Vega-Lite's rule
                                   {"aggregate": "sum", "field": "price", "type": "quantitative"}]


def test_an_explicit_type_wins_over_the_inferred_one(site):
    text = "data: prices\ndescription: d\nkind: reported\nmark: bar\nencoding:\n  x: price:O\n"
    chart, _ = one(site(), text)
    assert spec_of(chart)["encoding"]["x"] == {"field": "price", "type": "ordinal"}


def test_dates_reach_the_chart_as_local_midnight_and_the_table_as_iso_dates(site):
    text = "data: prices\ndescription: d\nkind: reported\nmark: line\nencoding:\n  x: day\n"
    chart, _ = one(site(), text)
    values = spec_of(chart)["datasets"]["prices"]
    assert values[0]["day"] == "2025-05-01T00:00:00"
    assert "<td>2025-05-01</td>" in chart.figure_html("")
    assert chart.files["charts/page/chart-1-prices.csv"].decode().splitlines() == [
        "id,day,price,listed", "p1,2025-05-01,10,true", "p2,2025-05-02,12,false"]


def test_vega_lite_keys_pass_through_layers_transforms_and_params(site):
    text = """\
data: shipments
description: d
kind: mixed
width: 400
height: 200
transform:
  - calculate: datum.value * 1000
    as: millions
layer:
  - mark: bar
    params:
      - {name: pick, select: {type: point, fields: [group]}, bind: legend}
    encoding:
      x: period:O
      y: millions
      color: group
      opacity: {condition: {param: pick, value: 1}, value: 0.3}
  - mark: {type: rule, color: black}
    encoding:
      y: mean(millions):Q
"""
    chart, _ = one(site(), text)
    spec = spec_of(chart)
    assert spec["width"] == 400 and spec["layer"][0]["params"][0]["name"] == "pick"
    assert spec["layer"][0]["encoding"]["y"] == {"field": "millions"}  # derived: no type guessed
    assert spec["layer"][0]["encoding"]["color"] == {"field": "group", "type": "nominal"}
    assert spec["layer"][1]["encoding"]["y"] == {"aggregate": "mean", "field": "millions",
                                                 "type": "quantitative"}


def test_default_source_lists_the_sources_of_the_rows_left_by_simple_filters(site):
    nvidia, _ = one(site(), BAR)
    assert nvidia.source_html == 'Source: <a href="https://example.com/10k">Nvidia 10-K</a>.'
    everything, _ = one(site(), BAR.replace("datum.group == 'nvidia'", "datum.value > 0"))
    assert everything.source_html == ('Sources: <a href="https://example.com/10k">Nvidia 10-K</a>'
                                      '; <a href="https://example.com/note">Analyst note</a>.')
    amd, _ = one(site(), BAR.replace('"datum.group == \'nvidia\'"',
                                             "{field: group, oneOf: [amd]}"))
    assert "Analyst note" in amd.source_html and "10-K" not in amd.source_html


def test_a_filter_of_any_expression_names_exactly_the_drawn_rows_sources(site):
    # evaluated at build time (charts.evaluate), so no longer every row's source
    text = BAR.replace("datum.group == 'nvidia'", "indexof(datum.group, 'nv') >= 0")
    chart, _ = one(site(), text)
    assert "Analyst note" not in chart.source_html and "Nvidia 10-K" in chart.source_html
    assert chart.drawn_row_ids == {"shipments": ("n1", "n2")} and chart.drawn_exact


def test_source_key_overrides_the_data_and_may_link(site):
    text = BAR + "source: Company filings, see [the 10-K](https://example.com/10k)\n"
    chart, _ = one(site(), text)
    assert chart.source_html == ('Source: Company filings, see '
                                 '<a href="https://example.com/10k">the 10-K</a>.')


def test_the_figure_id_can_be_chosen(site):
    chart, _ = one(site(), BAR + "id: revenue\n")
    assert chart.figure_html("").startswith('<figure class="chart" id="revenue"')
    assert "charts/page/revenue-shipments.csv" in chart.files


def test_text_in_the_data_cannot_close_the_spec_script(site):
    root = site({"content/data/notes.csv": "id,note\na,</script><script>alert(1)\n"})
    chart, _ = one(root, "data: notes\ndescription: d\nkind: claim\nmark: text\n"
                         "encoding:\n  text: note\n")
    html = chart.figure_html("")
    script = re.search(r'<script type="application/json" class="chart-spec">(.*?)</script>',
                       html, re.S).group(1)
    assert "<" not in script
    values = {d["name"]: d.get("values") for d in json.loads(script)["data"]}
    assert values["notes"][0]["note"] == "</script><script>alert(1)"
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # the table escapes it too


# --- a chart module -----------------------------------------------------------------------


def test_python_chart_module_layered_with_a_selection(site):
    root = site({"content/charts/by_group.py": LAYERED_MODULE})
    chart, problems = one(root, "python: by_group\ndescription: Sales by group.\nkind: mixed\n")
    assert problems == []
    spec = spec_of(chart)
    assert len(spec["layer"]) == 2 and spec["params"][0]["bind"] == "legend"
    assert chart.title == "By group" and "title" not in spec
    assert spec["description"] == "Sales by group."
    assert chart.inputs == frozenset({"content/charts/by_group.py", "content/data/shipments.csv"})
    assert "Analyst note" in chart.source_html and "Nvidia 10-K" in chart.source_html
    assert 'aria-label="Sales by group."' in chart.svg


def test_python_chart_rows_are_typed_and_dates_work_in_altair(site):
    module = """\
import datetime
import altair as alt


def chart(data):
    rows = list(data["prices"])
    assert isinstance(rows[0]["day"], datetime.date) and rows[0]["price"] == 10
    assert rows[0]["listed"] == "true"  # CSV has no booleans: JSON, YAML and TOML do
    return alt.Chart(alt.Data(values=rows)).mark_line().encode(x="day:T", y="price:Q")
"""
    root = site({"content/charts/prices.py": module})
    chart, _ = one(root, "python: prices\ndescription: d\nkind: reported\n")
    assert spec_of(chart)["data"]["values"][0]["day"] == "2025-05-01T00:00:00"


def test_python_chart_facets_and_concatenations_render(site):
    module = """\
import altair as alt


def chart(data):
    base = alt.Chart(alt.Data(values=data["shipments"].records()))
    facets = base.mark_bar().encode(x="period:O", y="value:Q").facet(column="group:N")
    return alt.vconcat(facets, base.mark_point().encode(x="value:Q"))
"""
    root = site({"content/charts/grid.py": module})
    chart, _ = one(root, "python: grid\ndescription: d\nkind: reported\n")
    assert "vconcat" in spec_of(chart) and chart.svg.count("<svg") == 1


# --- errors, each at its place ------------------------------------------------------------


def test_missing_dataset_points_at_the_data_key_and_suggests_a_name(site):
    problem = error(site(), BAR.replace("data: shipments", "data: shipment"))
    assert (problem.path, problem.line) == ("content/page.md", 11)
    assert "no dataset named 'shipment'" in problem.message
    assert "prices, shipments" in problem.message and "shipments" in problem.hint


def test_field_the_dataset_lacks_is_named_with_the_columns(site):
    problem = error(site(), BAR.replace("y: {field: value,", "y: {field: valu,"))
    assert (problem.path, problem.line) == ("content/page.md", 21)
    assert problem.message == ("field 'valu' is not in the dataset 'shipments' (columns: id, "
                               "group, period, value, kind, source_title, source_url)")
    assert problem.hint == "did you mean 'value'?"


def test_field_in_a_filter_expression_is_checked(site):
    problem = error(site(), BAR.replace("datum.group ==", "datum.gruop =="))
    assert (problem.line, "'gruop'" in problem.message) == (17, True)


def test_shorthand_field_in_a_tooltip_list_is_checked(site):
    problem = error(site(), BAR.replace("tooltip: [period, value, kind",
                                                "tooltip: [period, value, knd"))
    assert problem.line == 22 and "field 'knd'" in problem.message


@pytest.mark.parametrize("change, line, message", [
    (("mark: bar", "mark: barr"), 18,
     '`mark` is "barr", which Vega-Lite does not know; use one of: arc, area, bar'),
    (("mark: bar", "mark: {type: bar, colr: red}"), 18,
     "unknown key `colr` in `mark`; did you mean 'color'?"),
    (("title: Nvidia revenue", "titel: Nvidia revenue"), 14,
     "unknown key `titel`; did you mean 'title'?"),
    (("x: period:O", "x: {field: period, type: ordnal}"), 20,
     '`encoding.x.type` is "ordnal", which Vega-Lite does not know; use one of: quantitative,'),
    (("mark: bar", "mark: bar\nwidth: wide"), 19,
     '`width` must be a number, a mapping or "container", not "wide"'),
    (("  - filter: \"datum.group == 'nvidia'\"", "  - calculate: datum.value * 2"), 17,
     "`transform[0]` is missing `as`: a `calculate` needs `calculate` and `as`"),
])
def test_spec_vega_lite_rejects_names_the_key_in_a_writers_words(site, change, line,
                                                                 message):
    problem = error(site(), BAR.replace(*change))
    assert problem.path == "content/page.md" and problem.line == line
    assert problem.message.startswith(message), problem.message
    assert "vega-lite/docs" in problem.hint and len(problem.message) < 300


def test_keys_that_do_not_go_together_are_named(site):
    problem = error(site(), BAR.replace("  tooltip:", "  color: {value: red, scale: {}}\n  tooltip:"))
    assert problem.line == 22
    assert problem.message == "`encoding.color` takes no `scale` here (it takes: condition, value)"


def test_secondary_channels_get_no_inferred_type(site):
    text = ("data: shipments\ndescription: d\nkind: estimate\nmark: rule\nencoding:\n"
            "  y: group\n  x: {field: value}\n  x2: {field: value}\n")
    chart, _ = one(site(), text)
    assert spec_of(chart)["encoding"]["x2"] == {"field": "value"}


def test_an_expression_vega_cannot_parse_is_located(site):
    problem = error(site(), BAR.replace("datum.group == 'nvidia'", "datum.group =="))
    assert (problem.path, problem.line) == ("content/page.md", 17)
    assert problem.message == "the expression in `transform[0].filter` fails: " \
                              "Unexpected end of input"


def test_yaml_that_does_not_parse_points_at_its_line(site):
    problem = error(site(), BAR.replace("mark: bar", "mark: [bar"))
    assert problem.path == "content/page.md" and problem.line in (18, 19, 20)
    assert problem.message.startswith("the chart's YAML is invalid")


def test_a_chart_block_that_is_not_a_mapping_is_an_error(site):
    assert "must be a YAML mapping" in error(site(), "- bar\n- line\n").message
    assert "empty" in error(site(), "\n").message


def test_missing_description_is_a_warning_and_an_error_when_strict(site):
    text = BAR.replace("description: Nvidia revenue rose from 1.5 to 2.5 billion dollars.\n", "")
    chart, problems = one(site(), text)
    assert [(p.severity, p.line) for p in problems] == [("warning", 10)]
    assert "no description" in problems[0].message and 'aria-label="Chart"' in chart.svg
    strict = error(site(), text, strict=True)
    assert (strict.path, strict.line, strict.severity) == ("content/page.md", 10, "error")


def test_kind_must_be_one_of_four_and_is_expected(site):
    problem = error(site(), BAR.replace("kind: reported", "kind: reportd"))
    assert problem.line == 13 and "reported, estimate, claim, mixed" in problem.message
    _, problems = one(site(), BAR.replace("kind: reported\n", ""))
    assert [p.severity for p in problems] == ["warning"] and "kind" in problems[0].message


def test_chart_module_that_raises_points_at_its_own_line_and_names_the_page(site):
    module = "import altair as alt\n\n\ndef scale(x):\n    return 1 / x\n\n\n" \
             "def chart(data):\n    return scale(0)\n"
    root = site({"content/charts/boom.py": module})
    problem = error(root, "python: boom\ndescription: d\nkind: claim\n")
    assert (problem.path, problem.line) == ("content/charts/boom.py", 5)
    assert problem.message == ("chart(data) raised ZeroDivisionError: division by zero "
                               "(used by content/page.md:10)")


def test_chart_module_reading_an_unknown_dataset_is_told_the_names(site):
    module = "def chart(data):\n    return data['nope']\n"
    problem = error(site({"content/charts/m.py": module}), "python: m\n")
    assert (problem.path, problem.line) == ("content/charts/m.py", 2)
    assert "no dataset named 'nope' (datasets: prices, shipments)" in problem.message


@pytest.mark.parametrize("module, line, message", [
    ("def chart(data)\n    pass\n", 1, "the chart module has a syntax error"),
    ("import pandas_is_not_here\n", 1, "importing the chart module raised ModuleNotFoundError"),
    ("x = 1\n", 1, "the chart module defines no chart(data) function"),
    ("\n\ndef chart(data):\n    return [1]\n", 3,
     "chart(data) returned a list, not an Altair chart"),
    ("import altair as alt\n\n\ndef chart(data):\n"
     "    return alt.Chart(alt.Data(values=[{'a': 1}])).mark_bar().encode(x=alt.X('a:Q', bin=3))\n",
     4, "Vega-Lite rejects the chart: `encoding.x.bin` must be"),
])
def test_chart_module_problems_point_into_the_module(site, module, line, message):
    problem = error(site({"content/charts/m.py": module}),
                    "python: m\ndescription: d\nkind: claim\n")
    assert (problem.path, problem.line) == ("content/charts/m.py", line)
    assert problem.message.startswith(message) and "(used by content/page.md:10)" in \
        problem.message


def test_missing_chart_module_points_at_the_python_key_and_lists_modules(site):
    root = site({"content/charts/by_group.py": LAYERED_MODULE})
    problem = error(root, "description: d\npython: by_grup\n")
    assert (problem.path, problem.line) == ("content/page.md", 12)
    assert problem.message == "no chart module content/charts/by_grup.py (modules: by_group)"
    assert problem.hint == "did you mean 'by_group'?"


def test_python_block_takes_no_spec_keys(site):
    root = site({"content/charts/by_group.py": LAYERED_MODULE})
    problem = error(root, "python: by_group\nmark: bar\n")
    assert problem.line == 12 and "takes no `mark` key" in problem.message


def test_ragged_csv_row_fails_at_the_row_and_the_chart_says_why_it_has_no_data(site):
    ragged = SHIPMENTS + "x9,amd,2024-Q2,1.0,estimate\n"
    _, problems = render(site({"content/data/shipments.csv": ragged}), BAR)
    places = [(p.path, p.line) for p in problems]
    assert places == [("content/data/shipments.csv", 5), ("content/page.md", 11)]
    assert "row has 5 fields but the header has 7" in problems[0].message
    assert "could not be loaded" in problems[1].message


def test_unparseable_csv_row_fails_at_its_line(site):
    broken = SHIPMENTS + 'x9,"amd,2024-Q2\n'
    _, problems = render(site({"content/data/shipments.csv": broken}), BAR)
    assert ("content/data/shipments.csv", 5) in [(p.path, p.line) for p in problems]


def test_one_broken_chart_does_not_stop_the_others(site):
    results, problems = render(site(), BAR.replace("mark: bar", "mark: barr"), BAR)
    assert list(results) == [("content/page.md", 1)]
    assert [(p.line, p.severity) for p in problems] == [(18, "error")]


def test_two_charts_with_one_id_on_a_page_is_an_error(site):
    _, problems = render(site(), BAR + "id: x\n", BAR + "id: x\n")
    assert [(p.line, p.severity) for p in problems] == [(20, "error")]
    assert "two charts on this page have the id 'x'" in problems[0].message


# --- data URLs ----------------------------------------------------------------------------


def test_relative_data_url_is_published_and_fetched_under_the_page_prefix(site):
    root = site({"content/data/extra/points.csv": "x,y\n1,2\n3,4\n"})
    text = ("data: {url: content/data/extra/points.csv}\ndescription: d\nkind: claim\n"
            "mark: point\nencoding:\n  x: x:Q\n  y: y:Q\n")
    chart, _ = one(root, text)
    (path, content), = ((p, c) for p, c in chart.files.items() if p.startswith("charts/files/"))
    assert re.fullmatch(r"charts/files/points\.[0-9a-f]{10}\.csv", path)
    assert {p.rsplit(".", 1)[1] for p in chart.files if p != path} == {"svg", "png", "json"}
    assert content == b"x,y\n1,2\n3,4\n"
    assert f'<a class="chart-download" href="../../{path}" download>Download the data</a>' in \
        chart.figure_html("../../")
    html = chart.figure_html("../../")
    spec = json.loads(re.search(r'class="chart-spec">(.*?)</script>', html).group(1))
    (source,) = [d for d in spec["data"] if "url" in d]
    assert source["url"] == f"../../{path}" and source["format"]["type"] == "csv"
    assert chart.svg.count("<path") > 2  # the static chart read the file: points drawn
    assert "content/data/extra/points.csv" in chart.inputs


def test_data_url_to_another_host_or_no_file_is_an_error(site):
    text = "data: {url: 'https://example.com/x.csv'}\nmark: point\n"
    problem = error(site(), text)
    assert problem.line == 11 and "another host" in problem.message
    missing = error(site(), "data: {url: data/nope.csv}\nmark: point\n")
    assert missing.line == 11 and "names no file of the site" in missing.message


# --- SVG ----------------------------------------------------------------------------------


def test_svg_ids_are_stable_and_unique_per_figure(site):
    clipped = BAR.replace("mark: bar", "mark: {type: bar, clip: true}")
    results, _ = render(site(), clipped, clipped + "id: other\n", cache=False)
    first = results[("content/page.md", 0)].figure_html("")
    second = results[("content/page.md", 1)].figure_html("")
    ids = re.findall(r'\bid="([^"]+)"', first)
    assert ids[0] == "chart-1" and ids[1:] and all(i.startswith("chart-1-svg-") for i in ids[1:])
    assert all(f"url(#{i})" in first for i in ids[1:])
    assert not set(ids) & set(re.findall(r'\bid="([^"]+)"', second))


def test_static_svg_inherits_the_page_colour_and_has_no_background(site):
    chart, _ = one(site(), BAR)
    assert 'fill="currentColor"' in chart.svg and 'fill="white"' not in chart.svg
    assert not re.search(r'\srole="graphics', chart.svg)


def test_rendering_is_byte_identical_across_builds(site):
    root = site({"content/charts/by_group.py": LAYERED_MODULE})
    texts = (BAR, "python: by_group\ndescription: d\nkind: mixed\n")
    first, _ = render(root, *texts, cache=False)
    second, _ = render(root, *texts, cache=False)
    for key in first:
        assert first[key].figure_html("../") == second[key].figure_html("../")
        assert dict(first[key].files) == dict(second[key].files)


def test_worker_processes_render_the_same_svgs_and_pngs_as_this_process(tmp_path):
    version = chart_render.vegalite_version()
    specs = [{"data": {"values": [{"a": i, "b": j} for j in range(5)]},
              "mark": {"type": "line", "clip": True},
              "encoding": {"x": {"field": "b", "type": "quantitative"},
                           "y": {"field": "a", "type": "quantitative"}}} for i in range(4)]
    specs.append({"mark": "point", "transform": [{"filter": "datum.x =="}]})
    jobs = [(json.dumps(s), f"chart {i}", version) for i, s in enumerate(specs)]
    with chart_render.RenderPool(2) as pool:
        tickets = [pool.submit("svg", job) for job in jobs]
        png = pool.submit("png", (jobs[0][0], version))
        in_workers = [pool.result(t, lambda: None) for t in tickets]
        image = base64.b64decode(pool.result(png, lambda: None))
    alone = [chart_render.render_svg(job) for job in jobs]
    assert [tuple(r) for r in in_workers] == alone
    assert alone[-1] == (None, "Unexpected end of input")
    assert image == chart_render.render_png(specs[0], version)


def test_a_job_whose_worker_is_gone_falls_back_to_this_process():
    with chart_render.RenderPool(1) as pool:
        for process in pool._processes:
            process.kill()
            process.wait()
        ticket = pool.submit("svg", (json.dumps({"mark": "point"}), "", None))
        assert pool.result(ticket, lambda: "here") == "here"


def test_many_charts_render_in_workers_like_few_charts_in_this_process(site):
    root = site()
    texts = [BAR.replace("title: Nvidia revenue", f"title: Chart {i}") + f"id: c{i}\n"
             for i in range(chart_render.POOL_MIN_CHARTS)]
    many, problems = render(root, *texts)
    assert not problems and len(many) == len(texts)
    few, _ = render(root, texts[5], cache=False)
    assert many[("content/page.md", 5)].svg == few[("content/page.md", 0)].svg
    assert list((root / ".sitegen-cache" / "charts").glob("*.png"))  # the page's first chart


# --- the cache ----------------------------------------------------------------------------


def cached_entries(root: Path) -> list[Path]:
    return sorted((root / ".sitegen-cache" / "charts").glob("*.json"))


def test_warm_render_uses_the_cache_and_renders_nothing(site):
    root = site()
    cold, _ = render(root, BAR)
    (entry_path,) = cached_entries(root)
    entry = json.loads(entry_path.read_text())
    entry["svg"] = '<svg role="img">from the cache</svg>'
    entry_path.write_text(json.dumps(entry))
    warm, _ = render(root, BAR)
    assert warm[("content/page.md", 0)].svg == '<svg role="img">from the cache</svg>'
    assert warm[("content/page.md", 0)].spec_json == cold[("content/page.md", 0)].spec_json


def test_a_changed_dataset_renders_only_the_charts_that_read_it(site):
    root = site()
    prices = "data: prices\ndescription: d\nkind: reported\nmark: line\nencoding:\n  x: day\n"
    render(root, BAR, prices)
    for path in cached_entries(root):
        entry = json.loads(path.read_text())
        entry["svg"] = "<svg>old</svg>"
        path.write_text(json.dumps(entry))
    (root / "content/data/shipments.csv").write_text(SHIPMENTS.replace("2.5", "3.5"))
    results, _ = render(root, BAR, prices)
    assert results[("content/page.md", 0)].svg != "<svg>old</svg>"
    assert results[("content/page.md", 1)].svg == "<svg>old</svg>"
    assert "3.5" in results[("content/page.md", 0)].spec_json


def test_a_changed_chart_module_is_rendered_again(site):
    root = site({"content/charts/by_group.py": LAYERED_MODULE})
    block = "python: by_group\ndescription: d\nkind: mixed\n"
    first, _ = render(root, block)
    (root / "content/charts/by_group.py").write_text(LAYERED_MODULE.replace("By group", "Split"))
    second, _ = render(root, block)
    assert (first[("content/page.md", 0)].title, second[("content/page.md", 0)].title) == \
        ("By group", "Split")


def test_cached_warnings_follow_a_fence_that_moved(site):
    root = site()
    text = BAR.replace("kind: reported\n", "")
    _, cold = render(root, text, line=10)
    _, warm = render(root, text, line=30)
    assert [p.line for p in cold] == [10] and [p.line for p in warm] == [30]
    _, strict = render(root, text, line=30, strict=True)
    assert [p.severity for p in strict] == ["error"]


def test_an_unreadable_cache_entry_is_rendered_again(site):
    root = site()
    render(root, BAR)
    (entry_path,) = cached_entries(root)
    entry_path.write_text("{not json")
    results, problems = render(root, BAR)
    assert not problems and "<svg" in results[("content/page.md", 0)].svg


def test_png_for_the_social_image_is_rendered_once_and_cached(site):
    root = site()
    results, _ = render(root, BAR)
    png = results[("content/page.md", 0)].png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (cached,) = (root / ".sitegen-cache" / "charts").glob("*.png")
    assert cached.read_bytes() == png
    again, _ = render(root, BAR)
    assert again[("content/page.md", 0)].png() == png


# --- the runtime --------------------------------------------------------------------------


def test_runtime_files_hold_the_bundle_embed_script_and_styles_named_in_head_html():
    files = charts.runtime_files()
    head = charts.head_html("../")
    names = sorted(files)
    assert len(names) == 3
    for name in names:
        assert f'"../{name}"' in head
        assert re.fullmatch(r"charts/[a-z-]+\.[0-9a-f]{10}\.(js|css)", name)
    bundle = next(files[n] for n in names if n.startswith("charts/vega."))
    assert b't.version="6.2.0"' in bundle and b".vegaEmbed=" in bundle  # vega, then vega-embed
    assert b"sourceMappingURL" not in bundle and b"https://cdn" not in bundle[-2000:]
    script = next(files[n] for n in names if "sitegen-charts" in n and n.endswith(".js"))
    assert b"sitegen:themechange" in script and b"IntersectionObserver" in script
    assert b'mode: "vega"' in script  # pages ship Vega: no compiler in the reader's browser
    assert head.startswith('<link rel="stylesheet" href="../charts/sitegen-charts.')
    assert '<script defer src="../charts/sitegen-charts.' in head


def test_the_runtime_has_no_vega_lite_compiler_and_meets_the_size_targets():
    import gzip

    bundle = charts.runtime_files()
    (js,) = [v for k, v in bundle.items() if k.startswith("charts/vega.")]
    script = next(v for k, v in bundle.items() if k.endswith(".js") and "sitegen-charts" in k)
    assert b"Ignoring an invalid transform" not in js  # a message of Vega-Lite's compiler
    raw = len(js) + len(script)
    packed = len(gzip.compress(js, 9)) + len(gzip.compress(script, 9))
    assert raw <= 600_000 and packed <= 210_000, (raw, packed)  # issue 13's targets


def test_the_page_ships_the_chart_compiled_to_vega(site):
    chart, _ = one(site(), BAR)
    vega = vega_of(chart)
    assert "marks" in vega and "encoding" not in vega and "$schema" not in vega
    assert vega["background"] == "transparent"
    assert spec_of(chart)["mark"]  # the Vega-Lite it came from is kept beside it
