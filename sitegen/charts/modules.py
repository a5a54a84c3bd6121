"""Chart modules: `content/charts/NAME.py` defining `chart(data)` that returns an Altair chart.

A `python: NAME` block runs the module in a child interpreter with the site's time limit
(`inputs.run`), calls chart(data) with the datasets -- remembering which it read, for the
default source, the data table and the cache, and every file it opened, for the cache -- and
turns the chart into a checked spec. Anything that goes wrong (an exception, `sys.exit`, a
hang, a crash) is placed at the module's line and names the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sitegen.charts.blocks import PYTHON_KEYS, ChartBlock, Places, page_fields
from sitegen.charts.schema import SchemaChecker, did_you_mean, kind_of, schema_hint
from sitegen.charts.specs import ChartSpec, local_date, title_text
from sitegen.errors import ChartError, InputError
from sitegen.inputs import Dataset, Job, Returned, check_inside, run


class DataAccess(Mapping[str, Dataset]):
    """The datasets a chart module sees, remembering which ones it read."""

    def __init__(self, datasets: Mapping[str, Dataset]) -> None:
        self._datasets = datasets
        self.read: dict[str, Dataset] = {}

    def __getitem__(self, name: str) -> Dataset:
        if name not in self._datasets:
            known = ", ".join(sorted(self._datasets)) or "none"
            raise KeyError(f"no dataset named {name!r} (datasets: {known})")
        self.read[name] = self._datasets[name]
        return self._datasets[name]

    def __iter__(self) -> Iterator[str]:
        self.read.update(self._datasets)
        return iter(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets)


def module_path(name: str, charts_dir: Path, root: Path) -> str:
    """Site-root-relative path of chart module NAME."""
    return (charts_dir / f"{name}.py").relative_to(root).as_posix()


def build_python_chart(
    block: ChartBlock, raw: dict[str, Any], places: Places,
    datasets: Mapping[str, Dataset], root: Path, charts_dir: Path, checker: SchemaChecker,
    timeout: float = 300.0,
) -> ChartSpec:
    """A `python: NAME` block -> run the module's chart(data) in a child interpreter (at most
    timeout seconds) -> a checked ChartSpec."""
    page = page_fields(block, raw, places)
    _, path, relative = _module_file(block, raw, places, root, charts_dir)
    used_by = f"{block.page}:{block.line}"
    job = Job(path=path.resolve(), relative=relative, function="chart",
              argument=DataAccess(datasets), root=root, what="the chart module",
              used_by=used_by, finish=chart_spec)
    try:
        ran = run(job, timeout)
    except InputError as error:
        raise ChartError(problems=error.problems) from None
    read = {name: datasets[name] for name in ran.read if name in datasets}
    spec = _checked_spec(ran.value, relative, ran.def_line, used_by, checker)
    title_spec = spec.pop("title", None)
    title, subtitle = title_text(title_spec)
    description = page["description"] or str(spec.get("description") or "")
    warnings = tuple(w for w in page["warnings"]
                     if not (description and "description" in w.message))
    if page["description"]:
        spec["description"] = page["description"]
    used = tuple((ds, ds.rows) for ds in read.values() if ds.is_table)
    opened = tuple((_site_path(Path(p), root), _digest(Path(p))) for p in ran.opened)
    inputs = {relative} | {ds.path for ds in read.values()} | {
        p for p, _ in opened if not Path(p).is_absolute()}
    return ChartSpec(
        spec=spec, title=title, subtitle=subtitle, title_spec=title_spec,
        description=description, caption=page["caption"], source_override=page["source"],
        kind=page["kind"], figure_id=page["id"], used=used, data_files=(),
        inputs=frozenset(inputs), warnings=warnings, opened=opened,
    )


def _site_path(path: Path, root: Path) -> str:
    """A file the module opened, as the site names it (absolute when outside the site)."""
    for base in (root, root.resolve()):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def opened_unchanged(opened: Mapping[str, str | None], root: Path) -> bool:
    """Whether every file a chart module opened still has the digest it had."""
    return all(_digest(root / path) == digest for path, digest in opened.items())


def _module_file(block: ChartBlock, raw: dict[str, Any], places: Places, root: Path,
                 charts_dir: Path) -> tuple[str, Path, str]:
    """(name, path, site path) of the module a `python:` block names, checked."""
    extra = sorted(set(raw) - PYTHON_KEYS)
    if extra:
        raise ChartError(
            f"a `python:` chart block takes no `{extra[0]}` key", block.page,
            places.line((extra[0],)), None,
            "put the chart's spec in the module; the block keeps python, description, "
            "caption, source, kind and id",
        )
    name = raw["python"]
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ChartError(
            f"`python` must name a module in content/charts/, not {name!r}", block.page,
            places.line(("python",)), None,
        )
    path = charts_dir / f"{name}.py"
    relative = module_path(name, charts_dir, root)
    if not path.is_file():
        known = sorted(p.stem for p in charts_dir.glob("*.py")) if charts_dir.is_dir() else []
        raise ChartError(
            f"no chart module {relative} (modules: {', '.join(known) or 'none'})",
            block.page, places.line(("python",)), None,
            did_you_mean(name, known) or f"create {relative} defining chart(data)",
        )
    check_inside(path, root)
    return name, path, relative


def chart_spec(chart: Any) -> dict[str, Any]:
    """In the module's child: what chart(data) returned, as Vega-Lite JSON values."""
    import altair as alt

    if not isinstance(chart, alt.TopLevelMixin):
        raise Returned(f"chart(data) returned {kind_of(chart)}, not an Altair chart",
                       "return an alt.Chart (or a layered/concatenated one)")
    try:
        spec: dict[str, Any] = _json_ready(chart.to_dict(validate=False))
    except Exception as exc:
        raise Returned(f"Altair cannot build the chart: {_exception_text(exc)}", None) from exc
    return spec


def _checked_spec(spec: dict[str, Any], relative: str, def_line: int, used_by: str,
                  checker: SchemaChecker) -> dict[str, Any]:
    """A module's spec, if the schema accepts it."""
    try:
        found = checker.problem(spec)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a located problem
        raise ChartError(
            f"Altair cannot build the chart: {_exception_text(exc)} (used by {used_by})",
            relative, def_line, None,
        ) from None
    if found is not None:
        message, where = found
        raise ChartError(
            f"Vega-Lite rejects the chart: {message} (used by {used_by})",
            relative, def_line, None, schema_hint(where),
        )
    return spec


def _exception_text(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _json_ready(value: Any, in_data: bool = False, key: str = "") -> Any:
    """A spec from Altair as JSON values: dates (and Altair's date mappings in data) as text."""
    if isinstance(value, dict):
        if in_data and {"year", "month", "date"} <= set(value) <= {
                "year", "month", "date", "hours", "minutes", "seconds", "milliseconds"}:
            return local_date(dt.date(value["year"], value["month"], value["date"]))
        return {k: _json_ready(v, in_data or k == "datasets" or (key == "data" and k == "values"),
                               k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v, in_data, key) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return local_date(value) if in_data else value.isoformat()
    return value
