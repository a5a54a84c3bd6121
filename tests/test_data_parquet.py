"""Parquet and Arrow data files through pyarrow (the `parquet` extra), and the error that names
the extra when pyarrow is missing."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa  # in the test lock: the parquet extra is tested everywhere
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from test_data_charts import marks

from sitegen.build import BuildOptions, build_site
from sitegen.errors import SitegenError
from sitegen.inputs.data import load_dataset


def _table():
    return pa.table({
        "id": ["a", "b"],
        "units": pa.array([1_000, 2_500], pa.int64()),
        "share": [0.25, None],
        "day": pa.array([dt.date(2025, 1, 2), dt.date(2025, 2, 3)], pa.date32()),
        "at": pa.array([dt.datetime(2025, 1, 2, 9, 30), None], pa.timestamp("s")),
        "o": [{"v": 5}, {"v": 7}],
    })


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "content" / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".parquet"):
        pq.write_table(_table(), path)
    else:
        with ipc.new_file(path, _table().schema) as writer:
            writer.write_table(_table())
    return path


@pytest.mark.parametrize("name", ["sales.parquet", "sales.arrow"])
def test_parquet_and_arrow_files_are_tables_typed_by_their_schema(tmp_path, name):
    ds = load_dataset(_write(tmp_path, name), f"content/data/{name}")
    assert ds.is_table and ds.columns == ("id", "units", "share", "day", "at", "o")
    first, second = list(ds)
    assert first == {"id": "a", "units": 1000, "share": 0.25, "day": dt.date(2025, 1, 2),
                     "at": "2025-01-02T09:30:00", "o": {"v": 5}}
    assert second["share"] is None and second["at"] is None
    assert ds.column_types["units"] == "number" and ds.column_types["day"] == "date"


def test_an_arrow_stream_reads_too(tmp_path):
    path = tmp_path / "s.arrow"
    with pa.OSFile(str(path), "wb") as sink, ipc.new_stream(sink, _table().schema) as writer:
        writer.write_table(_table())
    assert len(load_dataset(path, "content/data/s.arrow")) == 2


def test_a_parquet_dataset_feeds_prose_and_charts(make_site, tmp_path):
    site = make_site({
        "content/index.md": "We shipped {{ sales.b.units }} units.\n\n```chart\ndata: sales\n"
                            "description: Units.\nkind: reported\nmark: bar\nencoding:\n"
                            "  x: id:N\n  y: {field: o.v, type: quantitative}\n```\n",
    })
    (site / "content/data").mkdir()
    pq.write_table(_table(), site / "content/data/sales.parquet")
    build_site(site, site / "_site", BuildOptions())
    html = (site / "_site/index.html").read_text(encoding="utf-8")
    assert "We shipped 2,500 units." in html
    svg = re.search(r'<div class="chart-static">(<svg .*?</svg>)</div>', html, re.S).group(1)
    assert marks(svg, "rect") == 2


def test_a_file_that_is_not_parquet_is_an_error_at_the_file(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(SitegenError) as caught:
        load_dataset(path, "content/data/bad.parquet")
    problem = caught.value.first
    assert problem.path == "content/data/bad.parquet" and "cannot read the parquet file" in \
        problem.message


def test_without_pyarrow_a_parquet_file_is_an_error_naming_the_extra(make_site):
    site = make_site({"content/index.md": "# Home\n"})
    (site / "content/data").mkdir()
    pq.write_table(_table(), site / "content/data/sales.parquet")
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "from sitegen.cli import main\n"
            "sys.exit(main(['build']))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "content/data/sales.parquet: error: reading .parquet files needs pyarrow, which is " \
        "not installed" in lines
    assert "  hint: install sitegen's parquet extra: pip install 'sitegen[parquet]'" in lines
