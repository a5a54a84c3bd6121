"""Data files -> typed Datasets that remember the line of every row."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.config import SitePaths
from sitegen.errors import ProblemCollector, SitegenError
from sitegen.inputs.data import load_dataset, load_datasets


def _load(tmp_path, name, text):
    path = tmp_path / "content" / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_dataset(path, f"content/data/{name}")


def test_csv_values_are_typed_per_column(tmp_path):
    ds = _load(tmp_path, "costs.csv",
               "id,count,price,when,label\n"
               "a,2788000,5.576,2025-05-01,hello\n"
               "b,-3,,2024-12-31,\n")
    assert ds.name == "costs"
    assert ds.columns == ("id", "count", "price", "when", "label")
    first, second = list(ds)
    assert first == {"id": "a", "count": 2788000, "price": 5.576,
                     "when": dt.date(2025, 5, 1), "label": "hello"}
    assert isinstance(first["count"], int)
    assert second["price"] is None and second["label"] is None
    assert dict(ds.column_types) == {"id": "string", "count": "number", "price": "number",
                                     "when": "date", "label": "string"}


def test_a_column_mixing_numbers_and_text_stays_text(tmp_path):
    ds = _load(tmp_path, "mixed.csv", "id,v\na,1\nb,n/a\n")
    assert [row["v"] for row in ds] == ["1", "n/a"]


def test_csv_rows_remember_their_line_even_after_a_multiline_field(tmp_path):
    ds = _load(tmp_path, "notes.csv",
               'id,note\na,"two\nlines"\n\nb,plain\n')
    assert [(row.id, row.line) for row in ds.rows] == [("a", 2), ("b", 5)]
    assert ds.row("b").note == "plain"


@pytest.mark.parametrize(("name", "text", "lines", "day"), [
    ("s.json", '[\n  {"id": "a", "v": 1, "ok": true, "d": "2025-01-02"},\n'
               '  {"id": "b", "v": 2.5, "ok": false, "d": null}\n]\n', [2, 3], "2025-01-02"),
    ("s.yaml", "- id: a\n  v: 1\n  ok: true\n  d: 2025-01-02\n"
               "- id: b\n  v: 2.5\n  ok: false\n  d:\n", [1, 5], dt.date(2025, 1, 2)),
    ("s.toml", '[[rows]]\nid = "a"\nv = 1\nok = true\nd = 2025-01-02\n\n'
               '[[rows]]\nid = "b"\nv = 2.5\nok = false\n', [1, 7], dt.date(2025, 1, 2)),
])
def test_json_yaml_and_toml_are_typed_with_row_lines(tmp_path, name, text, lines, day):
    """Types come from the file: a JSON string stays a string (JSON has no dates), YAML and
    TOML dates are dates."""
    ds = _load(tmp_path, name, text)
    a, b = list(ds)
    assert (a["id"], a["v"], a["ok"], a["d"]) == ("a", 1, True, day)
    assert (b["v"], b["ok"], b["d"]) == (2.5, False, None)
    assert [row.line for row in ds.rows] == lines


def test_ragged_csv_row_is_an_error_at_its_line(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _load(tmp_path, "bad.csv", "id,v\na,1\nb,2,3\n")
    problem = caught.value.first
    assert (problem.path, problem.line) == ("content/data/bad.csv", 3)
    assert "3 fields" in problem.message and problem.hint


def test_a_repeated_id_loads_and_fails_only_the_lookup_naming_both_lines(tmp_path):
    ds = _load(tmp_path, "dup.csv", "id,v\na,1\nb,2\na,3\n")
    assert len(ds) == 3 and ds.lookup(["b", "v"]).value == 2
    with pytest.raises(SitegenError) as caught:
        ds.lookup(["a", "v"])
    assert "lines 2 and 4" in caught.value.first.message


def test_invalid_utf8_is_an_error_at_the_bad_byte(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _load(tmp_path, "latin.csv", b"id,name\na,caf\xe9\n")
    problem = caught.value.first
    assert (problem.path, problem.line, problem.column) == ("content/data/latin.csv", 2, 6)


def test_invalid_json_is_an_error_at_its_line(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _load(tmp_path, "bad.json", '[\n  {"id": "a"},\n  {"id": }\n]\n')
    assert (caught.value.first.path, caught.value.first.line) == ("content/data/bad.json", 3)


def test_invalid_yaml_is_an_error_at_its_line(tmp_path):
    with pytest.raises(SitegenError) as caught:
        _load(tmp_path, "bad.yaml", "- id: a\n- id: [b\n")
    assert caught.value.first.path == "content/data/bad.yaml"
    assert caught.value.first.line in (2, 3)


def test_datasets_are_named_by_stem_and_every_bad_file_is_reported(tmp_path):
    data = tmp_path / "content" / "data"
    data.mkdir(parents=True)
    (data / "good.csv").write_text("id,v\na,1\n")
    (data / "bad1.csv").write_text("id,v\na,1,2\n")
    (data / "bad2.json").write_text("{")
    (data / "twice.csv").write_text("id\na\n")
    (data / "twice.json").write_text('[{"id": "a"}]')
    (data / "notes.txt").write_text("not data")
    collector = ProblemCollector()
    datasets = load_datasets(SitePaths(tmp_path), collector)
    problems = collector.errors
    assert set(datasets) == {"good", "twice"}
    paths = sorted(p.path for p in problems)
    assert paths == ["content/data/bad1.csv", "content/data/bad2.json", "content/data/twice.json"]
    assert all(p.line is not None for p in problems)


def test_records_are_json_ready(tmp_path):
    ds = _load(tmp_path, "r.csv", "id,when\na,2025-05-01\n")
    assert ds.records() == [{"id": "a", "when": "2025-05-01"}]
    assert len(ds) == 1
