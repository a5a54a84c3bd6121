"""Charts evaluated at build time: the page ships only the rows a chart draws, and the chart
knows exactly which source rows those are (issue 11 §3, issue 15's shared datasets).

Real VegaFusion and real vl-convert; small data written here, plus generated rows past
render.BIG_ROWS for the big-data path (static image from evaluated data, PNG past MARK_LIMIT).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from sitegen.charts import ChartBlock, ChartCache, render_all
from sitegen.charts.render import BIG_ROWS
from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector
from sitegen.inputs.data import load_datasets

ROWS = "id,group,v,w,source_title\n" + "".join(
    f"r{i},{'abc'[i % 3]},{i * 7 % 100},{i},S{i % 4}\n" for i in range(12))
RECORDS = [{"id": f"r{i}", "group": "abc"[i % 3], "v": i * 7 % 100, "w": i} for i in range(12)]


def build(root: Path, *texts: str, files: dict[str, str] | None = None):
    for relative, text in {"content/data/d.csv": ROWS, **(files or {})}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    paths = SitePaths(root)
    problems = ProblemCollector()
    datasets = load_datasets(paths, problems)
    blocks = [ChartBlock("content/page.md", i, t, 10 + 10 * i) for i, t in enumerate(texts)]
    results = render_all(blocks, datasets, paths, ChartCache.for_site(paths.cache), problems)
    assert not problems.errors, [p.format("error") for p in problems.errors]
    return [results[("content/page.md", i)] for i in range(len(texts))]


def chart(body: str) -> str:
    return f"data: d\ndescription: d\nkind: reported\n{body}"


def ids(rows) -> tuple[str, ...]:
    return tuple(r["id"] for r in rows)


def test_drawn_rows_are_exact_through_or_one_of_range_and_layered_filters(tmp_path):
    either, ranged, layered = build(
        tmp_path,
        chart("transform:\n  - filter: \"datum.group == 'a' || datum.v > 90\"\nmark: bar\n"
              "encoding:\n  x: id:N\n  y: v:Q\n"),
        chart("transform:\n  - filter: {field: group, oneOf: [a, b]}\n"
              "  - filter: {field: v, range: [10, 60]}\nmark: point\nencoding:\n  x: v:Q\n"),
        chart("layer:\n  - transform: [{filter: \"datum.group == 'a'\"}]\n    mark: bar\n"
              "    encoding: {x: id:N, y: v:Q}\n  - transform: [{filter: \"datum.w == 5\"}]\n"
              "    mark: point\n    encoding: {x: id:N, y: v:Q}\n"),
    )
    assert either.drawn_row_ids["d"] == ids(
        r for r in RECORDS if r["group"] == "a" or r["v"] > 90)
    assert ranged.drawn_row_ids["d"] == ids(
        r for r in RECORDS if r["group"] in "ab" and 10 <= r["v"] <= 60)
    assert layered.drawn_row_ids["d"] == ids(
        r for r in RECORDS if r["group"] == "a" or r["w"] == 5)
    assert either.drawn_exact and ranged.drawn_exact and layered.drawn_exact
    assert "S1" not in ranged.source_html and "S0" in ranged.source_html  # drawn rows sources


def test_aggregates_facets_and_filters_on_aggregates_draw_exactly_their_rows(tmp_path):
    summed, top, faceted = build(
        tmp_path,
        chart("transform:\n  - filter: 'datum.v < 50'\nmark: bar\nencoding:\n  x: group:N\n"
              "  y: {aggregate: sum, field: v, type: quantitative}\n"),
        chart("transform:\n  - aggregate: [{op: sum, field: v, as: s}]\n    groupby: [group]\n"
              "  - filter: 'datum.s > 150'\nmark: bar\nencoding:\n  x: group:N\n  y: s:Q\n"),
        chart("transform:\n  - filter: \"datum.group != 'c'\"\nmark: bar\nencoding:\n"
              "  x: v:Q\n  y: id:N\n  row: group:N\n"),
    )
    assert summed.drawn_row_ids["d"] == ids(r for r in RECORDS if r["v"] < 50)
    sums = {g: sum(r["v"] for r in RECORDS if r["group"] == g) for g in "abc"}
    assert top.drawn_row_ids["d"] == ids(r for r in RECORDS if sums[r["group"]] > 150)
    assert faceted.drawn_row_ids["d"] == ids(r for r in RECORDS if r["group"] != "c")
    assert summed.drawn_exact and top.drawn_exact and faceted.drawn_exact


def test_a_transform_that_makes_rows_from_many_lists_every_row_reaching_it(tmp_path):
    (density,) = build(tmp_path, chart(
        "transform:\n  - filter: 'datum.w > 3'\n  - density: v\nmark: area\nencoding:\n"
        "  x: value:Q\n  y: density:Q\n"))
    assert not density.drawn_exact
    assert set(density.drawn_row_ids["d"]) >= set(ids(r for r in RECORDS if r["w"] > 3))


def test_the_page_carries_only_the_rows_drawn_and_the_csv_offers_them(tmp_path):
    (bars,) = build(tmp_path, chart(
        "transform:\n  - filter: \"datum.group == 'a'\"\nmark: bar\nencoding:\n"
        "  x: group:N\n  y: {aggregate: sum, field: v, type: quantitative}\n"))
    vega = json.loads(bars.spec_json)
    values = [d["values"] for d in vega["data"] if "values" in d]
    assert [{"group": "a", "sum_v": sum(r["v"] for r in RECORDS if r["group"] == "a")}] in values
    assert "r1" not in bars.spec_json and "url" not in bars.spec_json  # one bar, inline
    (shown, full) = bars.downloads
    assert shown.content.decode().count("\n") == 1 + 4  # header + the four rows of group a
    assert shown.label == "Download the rows shown (CSV)"
    assert re.fullmatch(r"charts/data/d\.[0-9a-f]{10}\.csv", full.site_path)
    assert full.content.decode() == ROWS.replace("source_title", "source_title")
    html = bars.figure_html("../")
    assert f'href="../{full.site_path}"' in html and "r11" not in html  # linked, not inlined


def test_a_dataset_many_charts_need_whole_is_published_once_and_shared(tmp_path):
    days = "id,day,v\n" + "".join(f"d{i},2025-05-{i + 1:02d},{i}\n" for i in range(20))
    line = "data: days\ndescription: d\nkind: reported\nmark: line\nencoding:\n  x: day:T\n"
    first, second = build(tmp_path, line + "  y: v:Q\n", line + "  y: {aggregate: sum, "
                          "field: v, type: quantitative}\n", files={"content/data/days.csv": days})
    assert first.data_files == second.data_files
    ((path, content),) = first.data_files
    assert re.fullmatch(r"charts/data/days\.[0-9a-f]{10}\.json", path)
    assert len(json.loads(content)) == 20
    for one in (first, second):
        assert "d19" not in one.spec_json and f'"url":"@@sitegen-root@@/{path}"' in one.spec_json


def test_a_big_histogram_ships_its_bins_and_a_small_svg(tmp_path):
    rows = "id,v\n" + "".join(f"r{i},{(i * 7919) % 1000 / 10}\n" for i in range(BIG_ROWS * 2))
    (histogram,) = build(tmp_path, "data: big\ndescription: d\nkind: estimate\nmark: bar\n"
                         "encoding:\n  x: {field: v, bin: true}\n  y: {aggregate: count}\n",
                         files={"content/data/big.csv": rows})
    page = histogram.figure_html("")
    assert len(histogram.spec_json) < 5_000 and "<svg" in histogram.svg
    assert len(gzip.compress(page.encode())) < 50_000
    assert len(histogram.drawn_row_ids["big"]) == BIG_ROWS * 2 and histogram.drawn_exact
    assert histogram.png()[:4] == b"\x89PNG"


def test_past_the_mark_limit_the_static_image_is_a_png(tmp_path):
    rows = "id,x,y\n" + "".join(f"p{i},{i % 97},{(i * 31) % 89}\n" for i in range(BIG_ROWS + 1))
    (scatter,) = build(tmp_path, "data: pts\ndescription: Points.\nkind: estimate\nmark: point\n"
                       "encoding:\n  x: x:Q\n  y: y:Q\n", files={"content/data/pts.csv": rows})
    assert scatter.svg.startswith('<img class="chart-raster"') and 'alt="Points."' in scatter.svg
    pngs = [p for p, _ in scatter.data_files if p.endswith(".png")]
    assert len(pngs) == 1 and f'src="../{pngs[0]}"' in scatter.figure_html("../")
    assert "p17" not in scatter.figure_html("")  # the rows live in a data file, not the page


def test_a_chart_module_draws_the_rows_it_passes_by_id(tmp_path):
    module = ("import altair as alt\n\n\ndef chart(data):\n"
              "    rows = [r for r in data['d'] if r['w'] % 2 == 0]\n"
              "    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(x='id:N', y='v:Q')"
              ".transform_filter('datum.v > 20')\n")
    (made,) = build(tmp_path, "python: evens\ndescription: d\nkind: reported\n",
                    files={"content/charts/evens.py": module})
    assert made.drawn_row_ids["d"] == ids(r for r in RECORDS if r["w"] % 2 == 0 and r["v"] > 20)
    assert made.drawn_exact
