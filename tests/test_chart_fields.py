"""The field check and typing of YAML charts: each language's typing rule, every field a
transform makes, escaped names, and specs newer than sitegen's Vega-Lite schema.

Real Altair and vl-convert, small data written here; helpers are tests/test_charts.py's.
"""

from __future__ import annotations

import json

import pytest
import test_charts
from test_charts import error, one, render, spec_of

site = test_charts.site
"""The fixture: a site root with test_charts' datasets and the given files."""

POINTS = """\
id,x,y,g,when,flag,"a.b"
r1,1,2.5,u,2025-01-01,true,3
r2,2,3.5,u,2025-02-01,false,4
r3,3,5.0,v,2025-03-01,true,5
r4,4,6.5,v,2025-04-01,false,6
"""
HEAD = "data: points\ndescription: d\nkind: reported\n"


def chart_of(site, body: str):
    chart, problems = one(site({"content/data/points.csv": POINTS}), HEAD + body)
    return spec_of(chart), problems


# --- (a) typing: Altair's rule for shorthand, Vega-Lite's for field definitions ------------


def test_altair_shorthand_is_typed_from_the_data_as_altair_does(site):
    spec, _ = chart_of(site, "mark: point\nencoding:\n  x: x\n  y: mean(y)\n  color: g\n"
                             "  shape: flag\n  column: when\n  size: count()\n"
                             "  opacity: month(when)\n")
    enc = spec["encoding"]
    assert enc["x"] == {"field": "x", "type": "quantitative"}
    assert enc["y"] == {"aggregate": "mean", "field": "y", "type": "quantitative"}
    assert enc["color"]["type"] == "nominal" and enc["shape"]["type"] == "nominal"
    assert enc["column"]["type"] == "temporal"  # Altair infers from data, channel or not
    assert enc["size"] == {"aggregate": "count", "type": "quantitative"}
    assert enc["opacity"] == {"timeUnit": "month", "field": "when", "type": "temporal"}


def test_shorthand_of_a_field_no_column_holds_is_left_to_vega_lite(site):
    spec, _ = chart_of(site, "transform:\n  - calculate: datum.x * 2\n    as: twice\n"
                             "mark: point\nencoding:\n  x: twice\n  x2: x:Q\n  y: y\n")
    assert spec["encoding"]["x"] == {"field": "twice"}
    assert spec["encoding"]["x2"] == {"field": "x"}  # Altair drops a secondary's type


def test_a_vega_lite_field_definition_without_a_type_keeps_vega_lites_default(site):
    spec, problems = chart_of(
        site, "mark: bar\nencoding:\n  x: {field: g}\n  y: {field: y, aggregate: sum}\n"
              "  color: {field: when, timeUnit: month}\n  opacity: {field: x, bin: true}\n"
              "  order: {field: x}\n")
    enc = spec["encoding"]
    assert "type" not in enc["x"] and "type" not in enc["y"] and "type" not in enc["order"]
    assert problems == []  # nothing Vega-Lite draws as categories by surprise


def test_vega_lite_draws_an_untyped_number_field_as_nominal_and_sitegen_says_so(site):
    _, problems = chart_of(site, "mark: bar\nencoding:\n  x: {field: g, type: nominal}\n"
                                 "  y: {field: y, title: Height}\n")
    (warning,) = problems
    assert warning.line == 10 + 7 and "`encoding.y` has no `type`" in warning.message
    assert "'y' (numbers) as nominal" in warning.message
    assert "type: quantitative" in warning.hint and "`y: y`" in warning.hint


def test_the_default_type_is_vega_lites_in_the_svg_too(site):
    """An untyped number field is a band scale (one bar per value), as in the editor."""
    shorthand, _ = one(site({"content/data/points.csv": POINTS}),
                       HEAD + "mark: bar\nencoding:\n  x: x\n  y: y\n")
    mapping, _ = one(site({"content/data/points.csv": POINTS}),
                     HEAD + "mark: bar\nencoding:\n  x: {field: x}\n  y: y\n")
    assert '"type":"band"' in mapping.spec_json and '"type":"band"' not in shorthand.spec_json


@pytest.mark.parametrize(("definition", "channel", "expected"), [
    ({"field": "a"}, "x", "nominal"), ({"field": "a"}, "latitude", "quantitative"),
    ({"field": "a", "aggregate": "count"}, "y", "quantitative"),
    ({"field": "a", "aggregate": {"argmax": "b"}}, "y", "nominal"),
    ({"field": "a", "timeUnit": "year"}, "x", "temporal"),
    ({"field": "a", "bin": True}, "x", "quantitative"),
    ({"field": "a", "bin": True}, "shape", "nominal"),
    ({"field": "a", "sort": ["b", "a"]}, "x", "ordinal"), ({"field": "a"}, "order", "ordinal"),
    ({"field": "a", "scale": {"type": "log"}}, "y", "quantitative"),
    ({"field": "a", "scale": {"type": "utc"}}, "y", "temporal"),
    ({"field": "a", "scale": {"type": "band"}}, "y", "nominal"),
])
def test_default_type_follows_vega_lites_rule(definition, channel, expected):
    from sitegen.charts.fields import default_type

    assert default_type(definition, channel) == expected


# --- (b) fields: "*", what transforms make, escaped names --------------------------------


def test_field_star_counts_rows(site):
    chart_of(site, "mark: bar\nencoding:\n  x: g:N\n  y: {field: '*', aggregate: count, "
                   "type: quantitative}\n")


TRANSFORMS = [
    ("- regression: y\n  on: x\n  params: true", "rSquared:Q"),
    ("- regression: y\n  on: x\n  params: true", "coef:N"),
    ("- regression: y\n  on: x", "y:Q"),
    ("- regression: y\n  on: x\n  as: [rx, ry]", "ry:Q"),
    ("- loess: y\n  on: x", "y:Q"), ("- loess: y\n  on: x\n  as: [lx, ly]", "ly:Q"),
    ("- density: y", "density:Q"), ("- density: y\n  as: [v, d]", "d:Q"),
    ("- quantile: y", "prob:Q"), ("- quantile: y\n  as: [p, q]", "q:Q"),
    ("- pivot: g\n  value: y\n  groupby: [when]", "u:Q"),
    ("- fold: [x, y]", "key:N"), ("- fold: [x, y]\n  as: [k, v]", "v:Q"),
    ("- window: [{op: rank, as: r}]", "r:Q"), ("- window: [{op: row_number, as: n}]", "n:Q"),
    ("- window: [{op: sum, field: y, as: run}]\n  sort: [{field: x}]", "run:Q"),
    ("- calculate: '[1, 2]'\n  as: list\n- flatten: [list]", "list:Q"),
    ("- calculate: '[1, 2]'\n  as: list\n- flatten: [list]\n  as: [item]", "item:Q"),
    ("- aggregate: [{op: mean, field: y, as: mean_y}]\n  groupby: [g]", "mean_y:Q"),
    ("- aggregate: [{op: count, as: n}]\n  groupby: [g]", "n:Q"),
    ("- bin: true\n  field: x\n  as: bx", "bx_end:Q"),
    ("- bin: true\n  field: x\n  as: [lo, hi]", "hi:Q"),
    ("- timeUnit: month\n  field: when\n  as: m", "m:T"),
    ("- joinaggregate: [{op: max, field: y, as: top}]", "top:Q"),
    ("- impute: y\n  key: x\n  value: 0", "y:Q"),
    ("- stack: y\n  groupby: [g]\n  as: [y0, y1]", "y1:Q"),
    ("- stack: y\n  groupby: [g]\n  as: s", "s_end:Q"),
    ("- extent: y\n  param: span", "y:Q"),
    ("- lookup: g\n  from: {data: groups, key: g, fields: [label]}", "label:N"),
    ("- lookup: g\n  from: {data: groups, key: g}", "label:N"),
    ("- lookup: g\n  from: {data: groups, key: g}\n  as: grp", "grp.label:N"),
    ("- lookup: g\n  from: {data: groups, key: g, fields: [label]}\n  as: [name]", "name:N"),
    ("- filter: {and: [{field: x, gt: 1}, {not: {field: g, equal: v}}]}", "x:Q"),
]


@pytest.mark.parametrize(("transform", "field"), TRANSFORMS)
def test_every_field_a_transform_makes_can_be_charted(site, transform, field):
    groups = "g,label\nu,You\nv,Vee\n"
    body = ("transform:\n" + "\n".join("  " + line for line in transform.splitlines())
            + f"\nmark: point\nencoding:\n  x: {field}\n")
    chart, _ = one(site({"content/data/points.csv": POINTS,
                         "content/data/groups.csv": groups}), HEAD + body)
    assert chart.svg


@pytest.mark.parametrize(("transform", "key", "line"), [
    ("- filter: {or: [{field: x, gt: 1}, {field: nope, equal: 1}]}", "nope", 15),
    ("- window: [{op: rank, as: r}]\n  sort: [{field: nope}]", "nope", 16),
    ("- extent: nope\n  param: span", "nope", 15),
    ("- lookup: g\n  from: {data: groups, key: nope}", "nope", 16),
    ("- lookup: g\n  from: {data: groups, key: g, fields: [nope]}", "nope", 16),
])
def test_fields_a_transform_reads_are_checked(site, transform, key, line):
    body = ("transform:\n" + "\n".join("  " + t for t in transform.splitlines())
            + "\nmark: point\nencoding:\n  x: x:Q\n")
    problem = error(site({"content/data/points.csv": POINTS,
                          "content/data/groups.csv": "g,label\nu,You\n"}), HEAD + body)
    assert f"field '{key}' is not in the dataset" in problem.message
    assert problem.line == line, problem.format()


def test_an_escaped_field_name_is_the_column_it_spells(site):
    spec, _ = chart_of(site, "mark: point\nencoding:\n  x: {field: 'a\\.b', type: quantitative}"
                             "\n  y: a\\.b:Q\n")
    assert spec["encoding"]["y"]["field"] == "a\\.b"


def test_escaped_quotes_and_brackets_name_the_column(site):
    data = "id,\"monthly(date_trunc('day', date))\",\"k[0]\"\nr1,2011-12-10,1\nr2,2011-10-12,2\n"
    text = ("data: odd\ndescription: d\nkind: reported\nmark: bar\nencoding:\n"
            "  y: {timeUnit: binnedutcyearmonth, field: \"monthly(date_trunc(\\\\'day\\\\', "
            "date))\", type: temporal}\n  x: {field: 'k\\[0\\]', type: quantitative}\n")
    chart, _ = one(site({"content/data/odd.csv": data}), text)
    assert chart.svg


def test_a_missing_field_never_suggests_itself(site):
    problem = error(site({"content/data/points.csv": POINTS}),
                    HEAD + "mark: point\nencoding:\n  x: {field: 'a.c', type: quantitative}\n")
    assert "field 'a.c' is not in the dataset" in problem.message
    assert "'a.c'" not in (problem.hint or "")


def test_nested_access_reads_its_column(site):
    chart_of(site, "transform:\n  - calculate: \"{v: datum.x}\"\n    as: o\n"
                   "mark: point\nencoding:\n  x: {field: o.v, type: quantitative}\n")


# --- (c) a spec newer than sitegen's schema ------------------------------------------------


def test_an_unknown_key_names_the_vega_lite_version_sitegen_checks_against(site):
    import altair as alt

    version = alt.SCHEMA_VERSION.lstrip("v")
    problem = error(site({"content/data/points.csv": POINTS}),
                    HEAD + "mark: {type: point, wobble: 3}\nencoding:\n  x: x\n")
    assert "unknown key `wobble`" in problem.message
    assert f"Vega-Lite {version}" in problem.message and "later version" in problem.message


def test_a_spec_written_for_a_later_vega_lite_is_told_so(site):
    import altair as alt

    version = alt.SCHEMA_VERSION.lstrip("v")
    problem = error(site({"content/data/points.csv": POINTS}),
                    "$schema: https://vega.github.io/schema/vega-lite/v7.2.json\n" + HEAD
                    + "mark: {type: point, wobble: 3}\nencoding:\n  x: x\n")
    assert problem.message.startswith("the spec is written for Vega-Lite 7.2 (its `$schema`)")
    assert f"Vega-Lite {version}" in problem.message and "`wobble`" in problem.message


def test_a_typo_gets_its_suggestion_not_the_version_note(site):
    problem = error(site({"content/data/points.csv": POINTS}),
                    HEAD + "mark: {type: point, colr: red}\nencoding:\n  x: x\n")
    assert "did you mean 'color'" in problem.message and "later version" not in problem.message


def test_a_current_schema_url_is_no_problem(site):
    _, problems = render(site({"content/data/points.csv": POINTS}),
                         "$schema: https://vega.github.io/schema/vega-lite/v6.json\n" + HEAD
                         + "mark: point\nencoding:\n  x: x\n")
    assert not [p for p in problems if p.severity == "error"]


def test_on_and_off_keys_stay_words_not_yaml_booleans(site):
    spec, _ = chart_of(site, "params:\n  - name: pick\n    select: {type: point, on: mouseover, "
                             "clear: mouseout}\nmark: point\nencoding:\n  x: x\n")
    assert spec["params"][0]["select"]["on"] == "mouseover"


def test_a_pasted_facet_with_a_step_keeps_its_discrete_fields(site):
    """Inferred types made a `column` of numbers continuous ("column encoding should be
    discrete") and a stepped y continuous ("the step for height is dropped"); Vega-Lite's
    default keeps both discrete, as the editor draws them."""
    chart, _ = one(site({"content/data/points.csv": POINTS}), HEAD +
                   "height: {step: 12}\nmark: bar\nencoding:\n  y: {field: x}\n"
                   "  x: {field: y, type: quantitative}\n  column: {field: x}\n")
    vega = json.loads(chart.spec_json)
    scales = [s for m in vega.get("marks", []) for s in m.get("scales", [])] + vega["scales"]
    assert any(s["name"] == "y" and s["type"] == "band" for s in scales)
    assert any(m.get("name") == "column_header" for m in vega["marks"])
