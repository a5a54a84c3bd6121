"""Datasets of any shape in charts: the table rule at the chart, nested values drawn, JSON text
kept as text, repeated ids, and GeoJSON/TopoJSON datasets drawn by `geoshape`.

Real vl-convert and VegaFusion; the helpers are tests/test_charts.py's.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import test_charts
from test_chart_images import GEO, TOPO, shapes
from test_charts import error, one, spec_of, vega_of

site = test_charts.site
"""The fixture: a site root with test_charts' datasets and the given files."""

HEAD = "description: d\nkind: reported\n"
META = "retrieved: 2025-08-14\nsources: [a, b]\n"


def marks(svg: str, kind: str) -> int:
    """The items a static SVG draws in its mark groups of one kind (`rect`, `symbol`)."""
    root = ET.fromstring(svg)
    return sum(len(list(g)) for g in root.iter() if g.tag.endswith("g") and
               (g.get("class") or "").split()[:1] == [f"mark-{kind}"] and
               "role-mark" in (g.get("class") or ""))


def bars(svg: str) -> int:
    return marks(svg, "rect")


def test_a_dataset_that_is_no_table_is_an_error_at_the_chart_naming_file_and_shape(site):
    problem = error(site({"content/data/meta.yaml": META}),
                    "data: meta\n" + HEAD + "mark: bar\nencoding:\n  x: retrieved:T\n")
    assert (problem.path, problem.line) == ("content/page.md", 11)
    assert problem.message == ("the dataset 'meta' (content/data/meta.yaml) is a mapping "
                               "(keys: retrieved, sources), not a table: a chart needs rows")
    assert "a list of rows, or a mapping of mappings" in problem.hint


def test_a_list_of_scalars_named_in_a_layer_or_lookup_is_an_error_there(site):
    root = site({"content/data/years.json": "[2023, 2024]"})
    problem = error(root, "data: shipments\n" + HEAD + "transform:\n  - lookup: period\n"
                    "    from:\n      data: {name: years}\n      key: period\n"
                    "mark: bar\nencoding:\n  x: period:O\n")
    assert problem.line == 10 + 7 and "'years' (content/data/years.json) is a list of 2 " \
        "numbers, not a table" in problem.message


def test_a_mapping_of_mappings_charts_as_rows_with_the_keys_as_ids(site):
    root = site({"content/data/limits.toml": "[h20]\nshare = 0.15\n\n[h800]\nshare = 0.4\n"})
    chart, _ = one(root, "data: limits\n" + HEAD + "mark: bar\nencoding:\n  x: id:N\n"
                   "  y: share:Q\n")
    assert bars(chart.svg) == 2
    assert spec_of(chart)["datasets"]["limits"] == [{"id": "h20", "share": 0.15},
                                                    {"id": "h800", "share": 0.4}]


WEATHER = json.dumps([{"id": f"d{i}", "day": i, "o": {"v": v}, "tags": ["x"] * (i % 2 + 1)}
                      for i, v in enumerate([5, 7, 3, 9, 4])], indent=1)


def test_nested_values_in_rows_are_drawn_by_member_fields(site):
    root = site({"content/data/weather.json": WEATHER})
    chart, _ = one(root, "data: weather\n" + HEAD + "mark: bar\nencoding:\n"
                   "  x: {field: day, type: ordinal}\n  y: {field: o.v, type: quantitative}\n")
    assert bars(chart.svg) == 5
    assert spec_of(chart)["datasets"]["weather"][0]["o"] == {"v": 5}
    html = chart.figure_html("")
    assert "<td>{&quot;v&quot;: 5}</td>" in html  # the data table flattens it for display
    csv = chart.files["charts/page/chart-1-weather.csv"].decode()
    assert csv.splitlines()[1] == 'd0,0,"{""v"": 5}","[""x""]"'


def test_a_flatten_transform_reads_a_nested_list(site):
    root = site({"content/data/weather.json": WEATHER})
    chart, _ = one(root, "data: weather\n" + HEAD + "transform:\n  - flatten: [tags]\n"
                   "mark: point\nencoding:\n  x: {field: day, type: quantitative}\n"
                   "  y: {field: tags, type: nominal}\n")
    assert marks(chart.svg, "symbol") == 1 + 2 + 1 + 2 + 1


def test_json_text_that_looks_like_a_number_is_ordered_as_text(site):
    root = site({"content/data/bins.json":
                 '[{"b": "9.50", "n": 1}, {"b": "12.50", "n": 2}, {"b": "3", "n": 3}]'})
    chart, _ = one(root, "data: bins\n" + HEAD + "mark: bar\nencoding:\n"
                   "  x: {field: b, type: ordinal}\n  y: {field: n, type: quantitative}\n")
    assert [r["b"] for r in spec_of(chart)["datasets"]["bins"]] == ["9.50", "12.50", "3"]
    labels = re.findall(r'<text [^>]*>(12\.50|9\.50|3)</text>', chart.svg)
    assert labels == ["12.50", "3", "9.50"]  # Vega-Lite sorts text as text


def test_a_repeated_id_does_not_stop_a_chart(site):
    root = site({"content/data/dup.csv": "id,v\na,1\na,2\nb,3\n"})
    chart, _ = one(root, "data: dup\n" + HEAD + "mark: bar\nencoding:\n  x: v:O\n  y: v:Q\n")
    assert bars(chart.svg) == 3


def test_a_topojson_dataset_draws_by_name_with_its_one_object(site):
    root = site({"content/data/shapes.json": json.dumps(TOPO)})
    chart, _ = one(root, "data: shapes\n" + HEAD + "mark: geoshape\n"
                   "projection: {type: identity}\n"
                   "encoding:\n  color: {field: properties.v, type: quantitative}\n")
    assert shapes(chart.svg) == 2
    (source,) = [d for d in vega_of(chart)["data"] if "url" in d]
    assert source["format"]["type"] == "topojson" and source["format"]["feature"] == "shapes"
    assert source["url"].startswith("@@sitegen-root@@/charts/files/shapes.")
    assert any(p.startswith("charts/files/shapes.") for p in chart.files)


def test_a_topojson_dataset_with_the_format_written_out_and_a_geojson_one(site):
    root = site({"content/data/us.topojson": json.dumps(TOPO),
                 "content/data/geo.geojson": json.dumps(GEO)})
    chart, _ = one(root, "data: {name: us, format: {type: topojson, feature: shapes}}\n" + HEAD
                   + "mark: geoshape\nprojection: {type: identity}\n")
    assert marks(chart.svg, "shape") == 2
    chart, _ = one(root, "data: geo\n" + HEAD + "mark: geoshape\nprojection: {type: identity}\n"
                   "encoding:\n  color: {field: properties.v, type: quantitative}\n")
    assert shapes(chart.svg) == 2


def test_a_topology_of_several_objects_must_say_which(site):
    many = {**TOPO, "objects": {**TOPO["objects"], "more": TOPO["objects"]["shapes"]}}
    problem = error(site({"content/data/two.json": json.dumps(many)}),
                    "data: two\n" + HEAD + "mark: geoshape\n")
    assert problem.line == 10 + 1 and "holds 2 objects (shapes, more)" in problem.message
    assert "feature: shapes" in problem.hint


def test_a_map_is_no_value_for_prose(tmp_path):
    from sitegen.errors import SitegenError
    from sitegen.inputs.data import load_dataset

    path = tmp_path / "content/data/m.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(TOPO))
    ds = load_dataset(path, "content/data/m.json")
    assert ds.kind == "map" and ds.shape == "a TopoJSON topology (objects: shapes)"
    try:
        ds.lookup(["type"])
    except SitegenError as caught:
        assert "a map for charts" in caught.first.message
    else:
        raise AssertionError("a map read as a value")
