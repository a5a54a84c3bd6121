"""Data files of any shape: mappings, nested mappings, lists of scalars, lists of rows; dotted
paths into them from prose and templates; the table rule at each use; typing per format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.build import BuildOptions, build_site
from sitegen.errors import SitegenError
from sitegen.inputs.data import load_dataset

META = "retrieved: 2025-08-14\nsources:\n  - Nvidia 10-K\n  - Reuters\nnote:\n  by: desk\n"
LIMITS = "[h20]\nshare_to_us = 0.15\ncap = 1_000\n\n[h800]\nshare_to_us = 0.4\n"


def _load(tmp_path: Path, name: str, text: str):
    path = tmp_path / "content" / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_dataset(path, f"content/data/{name}")


def _problem(tmp_path: Path, name: str, text: str):
    with pytest.raises(SitegenError) as caught:
        _load(tmp_path, name, text)
    return caught.value.first


# --- shapes ------------------------------------------------------------------------------


def test_a_yaml_mapping_is_a_value_dataset_typed_as_written(tmp_path):
    ds = _load(tmp_path, "meta.yaml", META)
    assert (ds.kind, ds.is_table, ds.rows) == ("value", False, ())
    assert ds.shape == "a mapping (keys: retrieved, sources, note)"
    assert ds.value["retrieved"] == dt.date(2025, 8, 14)
    assert ds.lookup(["sources", "1"]).value == "Reuters"
    assert ds.lookup(["note", "by"]).line == 6


def test_a_toml_mapping_of_mappings_is_a_table_whose_keys_are_the_ids(tmp_path):
    ds = _load(tmp_path, "limits.toml", LIMITS)
    assert ds.is_table and ds.shape == "a mapping of 2 mappings (a table of 2 rows)"
    assert ds.columns == ("id", "share_to_us", "cap")
    assert [(row.id, row.line) for row in ds.rows] == [("h20", 1), ("h800", 5)]
    assert ds.row("h800").share_to_us == 0.4 and ds.row("h800").cap is None
    assert ds.lookup(["h20", "cap"]).value == 1000


def test_a_list_of_scalars_and_a_single_scalar_are_values(tmp_path):
    assert _load(tmp_path, "years.json", "[2023, 2024, 2025]").shape == "a list of 3 numbers"
    assert _load(tmp_path, "one.yaml", "hello\n").shape == "a single text"


def test_nested_mappings_reach_any_depth_by_dotted_path(tmp_path):
    ds = _load(tmp_path, "deep.json",
               '{\n  "a": {\n    "b": {\n      "c": [1, {"d": "x"}]\n    }\n  }\n}\n')
    assert ds.lookup(["a", "b", "c", "1", "d"]).value == "x"
    assert ds.lines[("a", "b")] == 3


def test_json_rows_beside_other_keys_make_a_table_and_keep_the_keys(tmp_path):
    ds = _load(tmp_path, "sales.json",
               '{\n  "title": "Sales",\n  "rows": [\n    {"id": "q1", "v": 1},\n'
               '    {"id": "q2", "v": 2}\n  ]\n}\n')
    assert ds.is_table and [row.line for row in ds.rows] == [4, 5]
    assert ds.lookup(["q2", "v"]).value == 2
    assert ds.lookup(["title"]).value == "Sales"


def test_a_toml_array_of_tables_under_any_name_is_a_table(tmp_path):
    ds = _load(tmp_path, "t.toml", '[[costs]]\nid = "a"\nv = 1\n\n[[costs]]\nid = "b"\nv = 2\n')
    assert ds.is_table and [(r.id, r.line) for r in ds.rows] == [("a", 1), ("b", 5)]


def test_a_json_string_that_looks_like_a_number_stays_a_string(tmp_path):
    ds = _load(tmp_path, "bins.json", '[{"b": "12.50"}, {"b": "3"}, {"b": 4}]')
    assert [row["b"] for row in ds] == ["12.50", "3", 4]
    assert ds.column_types["b"] == "string"


def test_csv_cells_are_still_typed_from_their_text(tmp_path):
    ds = _load(tmp_path, "bins.csv", "b\n12.50\n3\n")
    assert [row["b"] for row in ds] == [12.5, 3]


def test_tsv_cells_are_typed_like_csv_ones(tmp_path):
    ds = _load(tmp_path, "rates.tsv", "id\trate\n1001\t.097\n1003\t0.091\n")
    assert [(row["id"], row["rate"], row.line) for row in ds.rows] == [(1001, 0.097, 2),
                                                                        (1003, 0.091, 3)]


def test_nested_values_in_rows_stay_nested(tmp_path):
    ds = _load(tmp_path, "w.json", '[{"o": {"v": 5}, "l": [1, 2]}, {"o": {"v": 7}, "l": []}]')
    assert [row["o"] for row in ds] == [{"v": 5}, {"v": 7}]
    assert ds.rows[0].l == [1, 2] and ds.column_types["o"] == "nested"


def test_a_repeated_id_loads_and_only_its_lookup_fails(tmp_path):
    ds = _load(tmp_path, "dup.yaml", "- id: a\n  v: 1\n- id: a\n  v: 2\n- id: b\n  v: 3\n")
    assert len(ds) == 3 and ds.lookup(["b", "v"]).value == 3
    with pytest.raises(SitegenError) as caught:
        ds.lookup(["a", "v"])
    assert "more than one row with id 'a' (content/data/dup.yaml lines 1 and 3)" in \
        caught.value.first.message


# --- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text", "line", "column"), [
    ("n.json", '[\n  {"v": 1},\n  {"v": NaN}\n]\n', 3, 9),
    ("n.json", '{"a": {"b": -Infinity}}', 1, 13),
    ("n.json", '{"a": "NaN is fine in a string", "b": Infinity}', 1, 39),
])
def test_nan_and_infinity_in_json_are_errors_at_their_place(tmp_path, name, text, line, column):
    problem = _problem(tmp_path, name, text)
    assert (problem.path, problem.line, problem.column) == (f"content/data/{name}", line, column)
    assert "is not a JSON value" in problem.message and "null" in problem.hint


@pytest.mark.parametrize("name", ["e.json", "e.yaml", "e.toml", "e.csv", "e.tsv"])
def test_an_empty_file_is_an_error_at_its_first_line(tmp_path, name):
    problem = _problem(tmp_path, name, "\n  \n")
    assert (problem.path, problem.line) == (f"content/data/{name}", 1)
    assert "empty" in problem.message


def test_a_number_too_large_for_a_double_is_an_error_at_its_line(tmp_path):
    problem = _problem(tmp_path, "big.yaml", "a: 1\nlimits:\n  x: 1.0e+999\n")
    assert problem.line == 3 and "too large" in problem.message


# --- dotted paths in prose and templates ---------------------------------------------------


SITE = {
    "content/data/meta.yaml": META,
    "content/data/limits.toml": LIMITS,
    "content/data/costs.csv": "id,value\nrun,5.5\n",
    "templates/page.html": (
        "{{ content }}|{% for s in data.meta.sources %}[{{ s }}]{% endfor %}"
        "|{{ data.limits.h20.share_to_us }}|{{ data.meta['note'].by }}"
        "|{{ data.costs.row('run').value }}|{{ data.limits.rows | length }}\n"),
}


def _build(make_site, page: str, **files: str):
    site = make_site({**SITE, **files, "content/index.md": page})
    build_site(site, site / "_site", BuildOptions())
    return (site / "_site" / "index.html").read_text(encoding="utf-8")


def test_prose_and_templates_reach_into_any_shape_by_dotted_path(make_site):
    html = _build(make_site, "Seen {{ meta.retrieved | date }}; {{ limits.h20.share_to_us | "
                  "percent }} of sales; first source {{ meta.sources.0 }}; "
                  "{{ costs.run.value }}.\n")
    assert ("Seen 14 August 2025; 15% of sales; first source Nvidia 10-K; 5.5." in html)
    assert html.rstrip().endswith("|[Nvidia 10-K][Reuters]|0.15|desk|5.5|2")


def test_a_json_date_written_as_text_still_formats_as_a_date(make_site):
    html = _build(make_site, "On {{ m.day | date:%B %Y }}.\n",
                  **{"content/data/m.json": '{"day": "2025-05-01"}'})
    assert "On May 2025." in html


@pytest.mark.parametrize(("expression", "message", "hint"), [
    ("meta.sources", "'meta.sources' is a list of 2 texts, not one value "
                     "(content/data/meta.yaml line 2)", "another .key"),
    ("meta.nope", "'meta' has no key 'nope'", "keys: retrieved, sources, note"),
    ("meta.sources.7", "'meta.sources' (content/data/meta.yaml line 2) is a list of 2 texts: "
                       "'7' is not one of its positions", "from 0 to 1"),
    ("meta.retrieved.day", "'meta.retrieved' (content/data/meta.yaml line 1) is a single date, "
                           "which has no 'day'", "a table is a list of rows"),
    ("limits.h30.cap", "dataset 'limits' has no row with id 'h30'", "h20, h800"),
])
def test_a_path_that_reaches_no_value_is_an_error_at_the_page_line(make_site, expression,
                                                                   message, hint):
    with pytest.raises(SitegenError) as caught:
        _build(make_site, f"One.\n\nIt is {{{{ {expression} }}}}.\n")
    problem = caught.value.first
    assert (problem.path, problem.line) == ("content/index.md", 3)
    assert message in problem.message and hint in problem.hint


def test_a_lookup_of_a_repeated_id_fails_at_the_page_naming_both_lines(make_site):
    with pytest.raises(SitegenError) as caught:
        _build(make_site, "Cost {{ d.a.v }}.\n",
               **{"content/data/d.csv": "id,v\na,1\nb,2\na,3\n"})
    problem = caught.value.first
    assert (problem.path, problem.line) == ("content/index.md", 1)
    assert "more than one row with id 'a' (content/data/d.csv lines 2 and 4)" in problem.message


def test_a_repeated_id_nobody_looks_up_builds(make_site):
    html = _build(make_site, "Cost {{ d.b.v }}.\n",
                  **{"content/data/d.csv": "id,v\na,1\nb,2\na,3\n"})
    assert "Cost 2." in html
