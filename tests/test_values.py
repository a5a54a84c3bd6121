"""Numbers in prose: `{{ dataset.row.column | format }}` (formats as in the spec)."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.errors import SitegenError
from sitegen.inputs.data import load_dataset
from sitegen.prose.values import format_value, resolve_expression


@pytest.mark.parametrize(("value", "fmt", "argument", "expected"), [
    (2788000, "", None, "2,788,000"),
    (5.576, "", None, "5.576"),
    (2788000, "number", None, "2,788,000"),
    (5.576, "number", None, "5.576"),
    (4.5, "number", "1", "4.5"),
    (2788000, "number", "1", "2,788,000.0"),
    (1234, "currency", None, "$1,234"),
    (1234.5, "currency", "2", "$1,234.50"),
    (-1234, "currency", None, "-$1,234"),
    (1600000, "compact", None, "1.6M"),
    (50000, "compact", None, "50k"),
    (1.6e9, "compact", None, "1.6B"),
    (2.5e12, "compact", None, "2.5T"),
    (999, "compact", None, "999"),
    (1600000, "compact", "2", "1.60M"),
    (0.15, "percent", None, "15%"),
    (0.155, "percent", "1", "15.5%"),
    (0.29, "percent", None, "29%"),
    (dt.date(2025, 1, 20), "date", None, "20 January 2025"),
    (dt.date(2025, 5, 1), "date", "%B %Y", "May 2025"),
    (dt.date(2025, 5, 1), "", None, "1 May 2025"),
    ("Huawei", "", None, "Huawei"),
])
def test_formats_match_the_spec(value, fmt, argument, expected):
    assert format_value(value, fmt, argument) == expected


@pytest.mark.parametrize(("value", "argument", "expected"), [
    (999_999, None, "1M"),
    (999_500_000, None, "1B"),
    (999_999, "1", "1.0M"),
])
def test_compact_rounding_up_moves_to_the_next_unit(value, argument, expected):
    # regression: 999,999 used to print as "1e+03k"
    assert format_value(value, "compact", argument) == expected


def test_unknown_format_is_an_error_listing_the_formats():
    with pytest.raises(SitegenError) as caught:
        format_value(1, "money", None)
    assert "unknown format 'money'" in caught.value.first.message
    assert "currency" in (caught.value.first.hint or "")


def test_number_format_on_text_is_an_error():
    with pytest.raises(SitegenError, match="needs a number"):
        format_value("abc", "number", None)


@pytest.fixture
def datasets(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("id,value,when,empty\nv3-run-cost,5.576,2025-05-01,\nus-share,0.15,,\n")
    return {"costs": load_dataset(path, "content/data/costs.csv")}


def test_expression_resolves_a_row_by_id(datasets):
    assert resolve_expression("costs.v3-run-cost.value", datasets) == "5.576"
    assert resolve_expression("costs.us-share.value | percent", datasets) == "15%"
    assert resolve_expression("costs.v3-run-cost.when | date:%B %Y", datasets) == "May 2025"


@pytest.mark.parametrize(("expression", "message"), [
    ("nope.v3-run-cost.value", "unknown dataset 'nope'"),
    ("costs.v4.value", "no row with id 'v4'"),
    ("costs.v3-run-cost.price", "no column 'price'"),
    ("costs.v3-run-cost.empty", "is empty"),
    ("costs.v3-run-cost", "is a row (content/data/costs.csv line 2), not one value"),
    ("costs", "cannot read"),
])
def test_unknown_dataset_row_column_or_empty_value_is_an_error(datasets, expression, message):
    with pytest.raises(SitegenError) as caught:
        resolve_expression(expression, datasets)
    assert message in caught.value.first.message
    assert caught.value.first.hint


def test_dataset_without_id_column_cannot_be_used_in_prose(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("name,value\na,1\n")
    datasets = {"plain": load_dataset(path, "content/data/plain.csv")}
    with pytest.raises(SitegenError, match="no 'id' column"):
        resolve_expression("plain.a.value", datasets)
