"""No input gives an internal error: Hypothesis builds sites from generated front matter,
data files (CSV, JSON, YAML, TOML), chart blocks and placeholders, and every build ends with
exit 0 or 1, no traceback, and a file and line in front of every error.

Builds run in this process (through `sitegen.cli.main`, as the command line does) to keep
the test at a size CI affords; `SITEGEN_FUZZ_EXAMPLES` runs more.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sitegen.cli import main

EXAMPLES = int(os.environ.get("SITEGEN_FUZZ_EXAMPLES", "25"))
ERROR_LINE = re.compile(r"^(?P<path>[^\s:<(][^:\n]*):(?P<line>\d+)(?::\d+)?: error: \S")

def _laughs(levels: int) -> str:
    """YAML whose aliases double and redouble: eight times more values at every level."""
    lines = ["k0: &k0 [x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"k{level}: &k{level} [" + ", ".join([f"*k{level - 1}"] * 8) + "]")
    return "\n".join(lines) + "\n"


NAMES = st.sampled_from(["id", "value", "group", "date", "title", "x", "y", "link", "ü", "a b"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.dates().map(str), st.sampled_from(["1e999", "-0", "NaN", "2025-02-30", "1" * 4400]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(NAMES, inner, max_size=3)), max_leaves=8)
RAW_YAML = st.one_of(
    st.text(alphabet=":-[]{}&*!|>'\"#%@`,?\n ab1.", max_size=80),
    st.integers(1, 12).map(_laughs),
    st.integers(1, 200).map(lambda n: "a: " + "[" * n + "]" * n),
    st.integers(1, 120).map(lambda n: "".join("  " * i + f"k{i}:\n" for i in range(n))),
)


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


FRONT = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(["title", "description", "date", "draft",
                                               "template", "weight", "social_chart"]), NAMES),
                    VALUES, max_size=5).map(_yaml),
    RAW_YAML,
)
ROWS = st.lists(st.dictionaries(NAMES, SCALARS, max_size=4), max_size=4)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '""'
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(value), repr(value))
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def _data(fmt: str, rows: list[dict[str, Any]]) -> str:
    if fmt == "csv":
        columns = list(dict.fromkeys(k for row in rows for k in row)) or ["id"]
        return "\n".join([",".join(columns)] + [",".join(
            str(row.get(c, "")).replace(",", ";").replace("\n", " ") for c in columns)
            for row in rows]) + "\n"
    if fmt == "json":
        return json.dumps(rows, default=str)
    if fmt == "yaml":
        return _yaml(rows)
    return "".join("[[rows]]\n" + "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in row.items())
                   for row in rows)


DATA = st.one_of(
    st.tuples(st.sampled_from(["csv", "json", "yaml", "toml"]), ROWS).map(
        lambda pair: (pair[0], _data(*pair))),
    st.tuples(st.sampled_from(["csv", "json", "yaml", "toml"]),
              st.one_of(RAW_YAML, st.text(alphabet='[]{}",=:\n ab1.', max_size=60))),
)
CHART_SPEC = st.fixed_dictionaries(
    {"data": st.sampled_from(["d", "missing", {"url": "x.csv"}])},
    optional={
        "mark": st.one_of(st.sampled_from(["bar", "line", "point", "image", "nope"]), VALUES),
        "encoding": st.dictionaries(st.sampled_from(["x", "y", "color", "href", "url", "text"]),
                                    st.one_of(st.fixed_dictionaries({"field": NAMES}, optional={
                                        "type": st.sampled_from(["quantitative", "nominal",
                                                                 "temporal", "bad"])}),
                                              VALUES), max_size=3),
        "transform": st.lists(st.one_of(
            st.fixed_dictionaries({"filter": st.text(max_size=20)}),
            st.fixed_dictionaries({"calculate": st.text(max_size=20), "as": NAMES})),
            max_size=2),
        "description": st.text(max_size=20), "kind": st.sampled_from(["reported", "bad"]),
        "title": st.text(max_size=20),
    })
CHART = st.one_of(CHART_SPEC.map(_yaml), RAW_YAML)
PLACEHOLDER = st.tuples(st.sampled_from(["d", "nope"]), st.text("abc1-", min_size=1, max_size=4),
                        NAMES, st.sampled_from(["", " | number", " | number:3", " | compact:1",
                                                " | percent:99999999999", " | date:%Y",
                                                " | currency:25", " | bogus"])).map(
    lambda p: f"{{{{ {p[0]}.{p[1]}.{p[2].replace(' ', '-')}{p[3]} }}}}")


def _page(front: str, chart: str, placeholder: str) -> str:
    return f"---\n{front}\n---\n# Page\n\nA figure: {placeholder}.\n\n```chart\n{chart}\n```\n"


def build(files: dict[str, str], cache: Path) -> tuple[int, str]:
    """Build a site made of files in a fresh folder, in this process; (status, stderr).

    Every site shares one cache (a link to cache), so the chart runtime is made once.
    """
    with tempfile.TemporaryDirectory(prefix="sitegen-fuzz-") as folder:
        root = Path(folder)
        (root / ".sitegen-cache").symlink_to(cache, target_is_directory=True)
        for relative, text in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8", errors="surrogatepass")
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            status = main(["build", "--root", str(root), "--quiet"])
        return status, errors.getvalue().replace(folder, "<tmp>")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-cache")


def assert_well_reported(status: int, stderr: str) -> None:
    assert status in (0, 1), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    for line in stderr.splitlines():
        if line.startswith("  hint: ") or re.fullmatch(r"\d+ problems; nothing was written",
                                                       line):
            continue
        if ": warning: " in line:
            continue
        assert ERROR_LINE.match(line), f"an error without its place: {line!r}\n{stderr}"
        assert "<tmp>" not in line, line


# Without shrinking: a site is slow to build, and a failure's raw example says enough.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front=FRONT, data=DATA, chart=CHART, placeholder=PLACEHOLDER)
def test_any_site_builds_or_fails_at_a_place(shared_cache, front, data, chart, placeholder):
    fmt, text = data
    status, stderr = build({
        "content/index.md": _page(front, chart, placeholder),
        f"content/data/d.{fmt}": text,
    }, shared_cache)
    assert_well_reported(status, stderr)
