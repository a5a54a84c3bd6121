"""Files a chart draws from the site: relative image URLs and GeoJSON/TopoJSON maps.

Real vl-convert and VegaFusion; the helpers are tests/test_charts.py's.
"""

from __future__ import annotations

import base64
import json
import re

import test_charts
from test_charts import error, one, vega_of

site = test_charts.site
"""The fixture: a site root with test_charts' datasets and the given files."""

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
HEAD = "description: d\nkind: reported\n"
PICTURES = "id,x,img\nr1,1,pics/dot.png\nr2,2,pics/dot.png\n"


def image_site(site, **extra):
    root = site({"content/data/pictures.csv": PICTURES, **extra})
    (root / "content/pics").mkdir(parents=True)
    (root / "content/pics/dot.png").write_bytes(PNG)
    return root


def test_relative_image_urls_are_published_and_drawn_offline(site):
    chart, _ = one(image_site(site), "data: pictures\n" + HEAD +
                   "mark: {type: image, width: 20, height: 20}\nencoding:\n  x: x:Q\n"
                   "  url: {field: img, type: nominal}\n")
    published = [p for p in chart.files if p.startswith("charts/files/dot.")]
    assert len(published) == 1 and chart.files[published[0]] == PNG
    assert "data:image/png;base64," in chart.svg and "vega.github.io" not in chart.svg
    html = chart.figure_html("../")
    spec = re.search(r'class="chart-spec">(.*?)</script>', html).group(1)
    assert f"../{published[0]}" in spec and "vega.github.io" not in spec


def test_the_interactive_view_asks_the_site_for_the_published_image(site):
    import vl_convert as vlc

    chart, _ = one(image_site(site), "data: pictures\n" + HEAD +
                   "mark: {type: image, width: 20, height: 20}\nencoding:\n  x: x:Q\n"
                   "  url: {field: img, type: nominal}\n")
    vega = json.loads(chart.spec_json.replace("@@sitegen-root@@/", "ROOT/"))
    scenegraph = json.dumps(vlc.vega_to_scenegraph(vega))
    assert '"url": "ROOT/charts/files/dot.' in scenegraph and '"url": "pics' not in scenegraph


def test_an_image_on_the_mark_and_from_static(site):
    root = site()
    (root / "static/img").mkdir(parents=True)
    (root / "static/img/dot.png").write_bytes(PNG)
    chart, _ = one(root, "data: shipments\n" + HEAD +
                   "mark: {type: image, url: img/dot.png, width: 9, height: 9}\n"
                   "encoding:\n  x: period:O\n")
    assert any(p.startswith("charts/files/dot.") for p in chart.files)
    assert "data:image/png;base64," in chart.svg
    assert "@@sitegen-root@@/charts/files/dot." in chart.spec_json


def test_an_image_the_site_lacks_is_an_error_at_the_url_key(site):
    problem = error(site({"content/data/pictures.csv": PICTURES}), "data: pictures\n" + HEAD +
                    "mark: image\nencoding:\n  x: x:Q\n  url: {field: img, type: nominal}\n")
    assert problem.message == ("the image 'pics/dot.png' (in the dataset 'pictures') names no "
                               "file of the site")
    assert problem.line == 10 + 7 and "content/ or static/" in problem.hint


def test_a_changed_image_renders_the_chart_again(site):
    root = image_site(site)
    text = ("data: pictures\n" + HEAD + "mark: {type: image, width: 20, height: 20}\n"
            "encoding:\n  x: x:Q\n  url: {field: img, type: nominal}\n")
    first, _ = one(root, text)
    other = PNG[:-12] + PNG[-12:]  # same image, new bytes after a rewrite
    (root / "content/pics/dot.png").write_bytes(other + b"\0")
    second, _ = one(root, text)
    assert set(first.files) != set(second.files)


TOPO = {"type": "Topology", "arcs": [[[0, 0], [10, 0], [0, 10], [-10, 0], [0, -10]],
                                     [[20, 0], [10, 0], [0, 10], [-10, 0], [0, -10]]],
        "objects": {"shapes": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0]], "id": "a", "properties": {"name": "A", "v": 1}},
            {"type": "Polygon", "arcs": [[1]], "id": "b", "properties": {"name": "B", "v": 2}},
        ]}}}
GEO = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"v": 1},
     "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}},
    {"type": "Feature", "properties": {"v": 2},
     "geometry": {"type": "Polygon", "coordinates": [[[20, 0], [30, 0], [30, 10], [20, 0]]]}}]}


def shapes(svg: str) -> int:
    """Filled shapes drawn (the map's features; axes and legends are strokes)."""
    return len(re.findall(r'<path [^>]*fill="rgb', svg))


def test_a_topojson_file_draws_its_features(site):
    root = site({"content/maps/shapes.topojson": json.dumps(TOPO)})
    chart, _ = one(root, HEAD + "data:\n  url: maps/shapes.topojson\n  format: {type: topojson, "
                   "feature: shapes}\nmark: geoshape\nprojection: {type: identity}\n"
                   "encoding:\n  color: {field: properties.v, type: quantitative}\n")
    assert shapes(chart.svg) == 2
    vega = vega_of(chart)
    (source,) = [d for d in vega["data"] if "url" in d]
    assert source["format"]["type"] == "topojson" and source["format"]["feature"] == "shapes"
    assert source["url"].startswith("@@sitegen-root@@/charts/files/shapes.")


def test_a_geojson_file_draws_its_features(site):
    root = site({"content/maps/shapes.geojson": json.dumps(GEO)})
    chart, _ = one(root, HEAD + "data:\n  url: maps/shapes.geojson\n  format: {type: json, "
                   "property: features}\nmark: geoshape\nprojection: {type: identity}\n"
                   "encoding:\n  color: {field: properties.v, type: quantitative}\n")
    assert shapes(chart.svg) == 2
