"""Provenance through data loaders (issue 11 §2): `derive` makes a row computed from other
rows name them and carry their sources; a row that names no source is a warning at its file
and line (an error with --strict); a loader's child is sent only the datasets it asks for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_sitegen

from sitegen import derive
from sitegen.build import BuildOptions, build_site
from sitegen.inputs.data import load_dataset

FACTS = (
    "id,series,value,unit,kind,source_title,source_url,source_date\n"
    "a,Alpha,2,units,reported,Report A,https://example.org/a,2025-01-02\n"
    "b,Beta,3,units,reported,Report B,https://example.org/b,2025-02\n"
    "c,Gamma,4,units,estimate,Report C,https://example.org/c,2024\n"
)
SUMS = (
    "from sitegen import derive\n\n\n"
    "def load(data):\n"
    "    facts = data['facts']\n"
    "    a, b = facts.row('a'), facts.row('b')\n"
    "    return [*facts, derive(a, b, id='total', series='Sum', value=a.value + b.value,\n"
    "                           unit='units')]\n"
)
PAGE = "---\ntitle: Home\ndate: 2025-03-01\n---\nThe total is {{ sums.total.value }}.\n"


def _facts(tmp_path: Path, text: str = FACTS):
    path = tmp_path / "facts.csv"
    path.write_text(text, encoding="utf-8")
    return load_dataset(path, "content/data/facts.csv")


def test_a_derived_row_names_its_rows_and_joins_their_sources_latest_first(tmp_path):
    facts = _facts(tmp_path)
    row = derive(facts.row("a"), facts.row("b"), facts.row("a"), id="t", value=5)
    assert row["derived_from"] == "facts.a facts.b facts.a"
    assert row["kind"] == "reported (derived)"
    # each source once; the later (2025-02) first, and its URL and date are the row's
    assert row["source_title"] == "Report B; Report A"
    assert (row["source_url"], row["source_date"]) == ("https://example.org/b", "2025-02")
    # a year is read as its last day: 2024 is earlier than 2025-01-02
    mixed = derive(facts.row("c"), facts.row("a"), id="m", value=1, kind="estimate")
    assert mixed["source_title"] == "Report A; Report C"
    assert mixed["kind"] == "estimate (derived)"


def test_derive_refuses_what_would_lose_or_fake_provenance(tmp_path):
    facts = _facts(tmp_path)
    with pytest.raises(TypeError, match="different kinds"):
        derive(facts.row("a"), facts.row("c"), id="x", value=1)
    with pytest.raises(TypeError, match="not a dict"):
        derive({"id": "a", "value": 2}, id="x", value=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source_title"):
        derive(facts.row("a"), id="x", value=1, source_title="Mine")
    with pytest.raises(TypeError, match="id="):
        derive(facts.row("a"), value=1)


def _site(make_site, **files: str) -> Path:
    base = {"content/index.md": PAGE, "content/data/facts.csv": FACTS,
            "content/data/sums.py": SUMS}
    base.update({k.replace("__", "/").replace("_py", ".py").replace("_csv", ".csv"): v
                 for k, v in files.items()})
    return make_site(base)


def _html(site: Path) -> str:
    return (site / "_site" / "index.html").read_text(encoding="utf-8")


def test_a_loaders_derived_row_is_shown_with_both_sources_on_its_card(make_site):
    site = _site(make_site)
    result = build_site(site, site / "_site", BuildOptions())
    html = _html(site)
    assert "The total is" in html and ">5</data>" in html
    # the card lists the rows it came from, each with its source
    assert "From: Alpha: 2 units (Report A); Beta: 3 units (Report B)." in html
    # the value's reference is the joined source, dated by the later one
    assert ('<a href="https://example.org/b">Report B; Report A</a>, 2025-02' in html)
    assert "reported (derived)" in html
    assert not result.warnings, result.warnings


def test_rows_passed_through_are_named_by_id_others_by_dataset_and_id(make_site):
    other = ("from sitegen import derive\n\n\ndef load(data):\n"
             "    a = data['facts'].row('a')\n"
             "    return [derive(a, id='double', series='Double', value=2 * a.value)]\n")
    site = _site(make_site, content__data__other_py=other)
    page = PAGE + "\nDouble {{ other.double.value }}; {{ other.double.derived_from }}; " \
        "{{ sums.total.derived_from }}.\n"
    (site / "content" / "index.md").write_text(page, encoding="utf-8")
    build_site(site, site / "_site", BuildOptions())
    assert "Double 4; facts.a; a b." in re.sub(r"<[^>]+>", "", _html(site))


def test_a_corrected_input_changes_the_figure_built_on_it(make_site):
    site = _site(make_site)
    build_site(site, site / "_site", BuildOptions())
    assert ">5</data>" in _html(site)
    fixed = FACTS.replace("a,Alpha,2,", "a,Alpha,20,")
    (site / "content" / "data" / "facts.csv").write_text(fixed, encoding="utf-8")
    again = build_site(site, site / "_site", BuildOptions())
    assert again.loaders is not None and again.loaders.ran == ("content/data/sums.py",)
    assert ">23</data>" in _html(site) and "Alpha: 20 units" in _html(site)


def test_a_row_naming_no_source_is_a_warning_at_its_line_and_an_error_with_strict(make_site):
    unsourced = FACTS + "d,Delta,9,units,reported,,,\n"
    site = _site(make_site, content__data__facts_csv=unsourced)
    built = run_sitegen("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert "content/data/facts.csv:5: warning: the row 'd' names no source" in built.stderr
    strict = run_sitegen("build", "--strict", cwd=site)
    assert strict.returncode == 1
    assert "content/data/facts.csv:5: error: the row 'd' names no source" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_a_loaders_row_without_a_source_is_placed_at_the_loader_line_that_made_it(make_site):
    lookup = "id,series,value\nx,Ex,1\ny,Why,2\n"  # a lookup table: no source columns
    loader = ("from sitegen import derive\n\n\ndef load(data):\n"
              "    rows = list(data['facts'])\n"
              "    x = data['lookup'].row('x')\n"
              "    rows.append(derive(x, id='from-x', value=x.value))\n"
              "    rows.append({'id': 'typed', 'value': 1})\n"
              "    return rows\n")
    site = _site(make_site, content__data__lookup_csv=lookup, content__data__mixed_py=loader)
    result = build_site(site, site / "_site", BuildOptions())
    said = sorted(p.format("warning").splitlines()[0] for p in result.warnings)
    assert said == [
        "content/data/mixed.py:4: warning: the row 'typed' names no source",
        "content/data/mixed.py:7: warning: the row 'from-x' names no source",
    ], said  # and the lookup table itself, which names no source at all, is not a warning


def test_a_loader_dropping_the_source_columns_of_what_it_read_is_one_warning(make_site):
    loader = ("def load(data):\n"
              "    return [{'id': r['id'], 'v': r['value']} for r in data['facts']]\n")
    site = _site(make_site, content__data__bare_py=loader)
    result = build_site(site, site / "_site", BuildOptions())
    assert [p.format("warning").splitlines()[0] for p in result.warnings] == [
        "content/data/bare.py:1: warning: the loader's 3 rows name no source, though the rows "
        "it read (facts) do"]


def test_a_flood_of_unsourced_rows_is_said_a_few_times_and_counted(make_site):
    rows = "".join(f"r{n},S,{n},units,reported,,,\n" for n in range(40))
    site = _site(make_site, content__data__facts_csv=FACTS + rows)
    result = build_site(site, site / "_site", BuildOptions())
    said = [p.message for p in result.warnings]
    assert len(said) == 6 and said[-1] == "35 more rows of 'facts' name no source"


SENT = ("def load(data):\n"
        "    small = data[NAME]\n"
        "    return [{'id': 'n', 'sent': ' '.join(sorted(data._datasets)), 'rows': len(small)}]\n")


@pytest.mark.parametrize("name", ["'small'", "''.join(['sma', 'll'])"],
                         ids=["named", "computed name"])
def test_a_loader_is_sent_only_the_datasets_it_asks_for(make_site, name):
    big = "id,value\n" + "".join(f"r{n},{n}\n" for n in range(2000))
    page = "---\ntitle: H\n---\nSent {{ pick.n.sent }}, {{ pick.n.rows }} rows.\n"
    site = make_site({"content/index.md": page, "content/data/big.csv": big,
                      "content/data/small.csv": "id,value\na,1\n",
                      "content/data/pick.py": f"NAME = {name}\n\n" + SENT})
    build_site(site, site / "_site", BuildOptions())
    # a name the code does not spell out is asked for, sent, and the loader run again
    assert "Sent small, 1 rows." in _html(site)


def test_a_loader_iterating_the_datasets_is_sent_them_all(make_site):
    loader = ("def load(data):\n"
              "    return [{'id': 'n', 'names': ' '.join(sorted(data))}]\n")
    page = "---\ntitle: H\n---\nAll: {{ every.n.names }}.\n"
    site = make_site({"content/index.md": page, "content/data/b.csv": "id,v\na,1\n",
                      "content/data/a.py": "def load(data):\n    return [{'id': 'x'}]\n",
                      "content/data/every.py": loader})
    build_site(site, site / "_site", BuildOptions())
    assert "All: a b." in _html(site)
