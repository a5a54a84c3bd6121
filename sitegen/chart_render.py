"""Vega-Lite -> static SVG and PNG with vl-convert, in worker processes when that pays.

vl-convert runs Vega in one embedded JavaScript runtime per process: threads do not speed it
up and its first call costs most of a second, so many charts render in two worker processes
(`python -m sitegen.chart_render`, fresh interpreters: a fork would lose the runtime's thread,
and multiprocessing's spawn re-runs the caller's unguarded __main__). Workers take and return
plain JSON values.
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

Job = tuple[str, str, str | None]
"""(spec JSON, description, Vega-Lite version) of one chart to render."""
Result = tuple[str | None, str | None]
"""(normalised SVG, None) or (None, error text)."""

ID_TOKEN = "sitegen-chart-id"
"""Stands for the figure's id in a rendered SVG's ids until the page places it."""

STATIC_CONFIG: dict[str, Any] = {
    "background": None,
    "view": {"stroke": None},
    "axis": {"labelColor": "currentColor", "titleColor": "currentColor",
             "domainColor": "currentColor", "tickColor": "currentColor",
             "gridColor": "#8888", "domainOpacity": 0.6, "tickOpacity": 0.6},
    "legend": {"labelColor": "currentColor", "titleColor": "currentColor"},
    "header": {"labelColor": "currentColor", "titleColor": "currentColor"},
    "title": {"color": "currentColor", "subtitleColor": "currentColor"},
    "text": {"color": "currentColor"},
}
"""The static SVG sits on either theme: ink is the page's text colour, grid a neutral grey."""

PNG_CONFIG: dict[str, Any] = {"background": "white"}

POOL_MIN_CHARTS = 24
"""Below this many charts to render, one process is faster than starting workers (measured)."""
POOL_WORKERS = 2


def vegalite_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, if vl-convert has it (else its latest)."""
    import altair as alt
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def render_svg(job: Job) -> Result:
    """(spec JSON, description, VL version) -> (normalised SVG, None) or (None, error text)."""
    import vl_convert as vlc

    spec_json, description, version = job
    try:
        svg = vlc.vegalite_to_svg(json.loads(spec_json), vl_version=version,
                                  config=STATIC_CONFIG)
    except Exception as exc:  # noqa: BLE001 - returned to the main process, located there
        return None, render_error_text(str(exc))
    return normalise_svg(svg, description), None


def render_png(spec: dict[str, Any], version: str | None) -> bytes:
    """A PNG of the chart (title included) on white, at twice its size, for social cards."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, vl_version=version, scale=2, config=PNG_CONFIG)


def javascript_bundle(version: str | None) -> str:
    """vega, vega-lite and vega-embed in one script that sets window.vegaEmbed."""
    import vl_convert as vlc

    return vlc.javascript_bundle(vl_version=version)


def render_error_text(message: str) -> str:
    """vl-convert's error without its JavaScript stack: `Unrecognized function: foo`."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Error:"):
            return line[len("Error:"):].strip()
    useful = [line for line in lines if not line.startswith("at ")]
    return (useful[-1] if useful else message).removeprefix("Vega-Lite to SVG conversion failed:")


_ID = re.compile(r'\bid="([^"]+)"')
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_NOISE = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')


def normalise_svg(svg: str, description: str) -> str:
    """Byte-stable SVG: ids renumbered under ID_TOKEN, one accessible name on the root.

    Vega numbers clip paths from a process-wide counter, so the raw ids change from build to
    build and collide between charts on one page; the page swaps ID_TOKEN for the figure id.
    Inner roles and labels go: the root is `role="img"` named by the description.
    """
    ids = {old: f"{ID_TOKEN}-{n}" for n, old in enumerate(dict.fromkeys(_ID.findall(svg)), 1)}
    if ids:
        pattern = re.compile(r'(id="|url\(#|href="#)(' + "|".join(map(re.escape, ids)) +
                             r')(?=[")])')
        svg = pattern.sub(lambda m: m.group(1) + ids[m.group(2)], svg)
    svg = _TAG.sub(lambda m: _NOISE.sub("", m.group(0)), svg)
    label = _attr(description or "Chart")
    return re.sub(r"^<svg\b", f'<svg role="img" aria-label="{label}" focusable="false"', svg,
                  count=1)


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def render_svgs(jobs: Sequence[Job], bundle: tuple[str | None] | None = None,
                pool_min: int = POOL_MIN_CHARTS) -> tuple[list[Result], str | None]:
    """Render every job (in worker processes when there are many) and, if asked, the bundle.

    The bundle takes about as long as thirty charts, so when it is missing a worker makes it
    while the charts render. Results keep the jobs' order.
    """
    many = len(jobs) >= pool_min
    if not many and bundle is None:
        return [render_svg(job) for job in jobs], None
    shares: list[dict[str, Any]] = [{"jobs": [], "bundle": None} for _ in range(
        POOL_WORKERS if many else 1)]
    if bundle is not None:
        shares[0]["bundle"] = bundle[0]
        shares[0]["want_bundle"] = True
    order: list[tuple[int, int]] = []
    local: list[int] = []
    for index, job in enumerate(jobs):
        if not many:
            local.append(index)
            continue
        # The worker making the bundle takes fewer charts.
        share = index % len(shares) if bundle is None or index % 3 else len(shares) - 1
        order.append((index, share))
        shares[share]["jobs"].append(list(job))
    with ThreadPoolExecutor(len(shares)) as threads:
        outcomes = list(threads.map(_run_worker, shares))
        results: list[Result | None] = [None] * len(jobs)
        for index in local:
            results[index] = render_svg(jobs[index])
    taken = [0] * len(shares)
    for index, share in order:
        done = outcomes[share]
        results[index] = (tuple(done["results"][taken[share]]) if done  # type: ignore[assignment]
                          else render_svg(jobs[index]))
        taken[share] += 1
    text = None
    if bundle is not None:
        text = outcomes[0]["bundle"] if outcomes[0] else javascript_bundle(bundle[0])
    return [r for r in results if r is not None], text


def _run_worker(share: Mapping[str, Any]) -> dict[str, Any] | None:
    """One `python -m sitegen.chart_render` process: jobs in on stdin, results out on stdout.

    A fresh interpreter (not multiprocessing) so no caller's __main__ is re-run in it; None if
    it fails, and the caller renders those jobs itself.
    """
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sitegen.chart_render"], input=json.dumps(share).encode(),
            capture_output=True, env=env, check=False, timeout=1800,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


def _worker_main() -> None:
    """Worker entry: render the jobs on stdin (and the bundle if asked), print the results."""
    share = json.load(sys.stdin)
    out: dict[str, Any] = {"results": [render_svg(tuple(job)) for job in share["jobs"]]}
    out["bundle"] = javascript_bundle(share["bundle"]) if share.get("want_bundle") else None
    json.dump(out, sys.stdout)


def expressions(spec: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, str]]:
    """Every expression string in a spec (filters, calculations, `expr`, conditions' tests)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("datasets", "data"):
                continue
            if key in ("filter", "calculate", "expr", "test") and isinstance(value, str):
                yield path + (key,), value
            else:
                yield from expressions(value, path + (key,))
    elif isinstance(spec, list):
        for index, value in enumerate(spec):
            yield from expressions(value, path + (index,))


def locate_render_error(spec: dict[str, Any], error: str, version: str | None,
                        ) -> tuple[str | int, ...] | None:
    """Which expression makes Vega fail with this error: each is tried alone (errors only)."""
    for path, expression in expressions(spec):
        probe = {"data": {"values": [{}]}, "mark": "point",
                 "transform": [{"calculate": expression, "as": "sitegen_probe"}]}
        _, probe_error = render_svg((json.dumps(probe), "", version))
        if probe_error == error:
            return path
    return None


if __name__ == "__main__":
    _worker_main()
