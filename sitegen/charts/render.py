"""Vega-Lite -> Vega, static SVG and PNG with vl-convert, in worker processes when that pays.

vl-convert runs Vega in one embedded JavaScript runtime per process: threads do not speed it
up and its first call costs most of a second, so many charts render in two worker processes
(`python -m sitegen.charts.render`, fresh interpreters: a fork would lose the runtime's thread,
and multiprocessing's spawn re-runs the caller's unguarded __main__). Workers take and return
plain JSON values.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
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

CONTAINER_WIDTH = 640
"""Width of a `width: container` chart drawn at build time: the default theme's text column
(the static SVG scales down to narrower screens; in the browser the chart fits its figure)."""
CONTAINER_HEIGHT = 300

POOL_MIN_CHARTS = 10
"""From this many charts to render, worker processes pay for their start-up
(benchmarks/results/design-notes.md)."""
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
        svg = vlc.vegalite_to_svg(fixed_size(json.loads(spec_json)), vl_version=version,
                                  config=STATIC_CONFIG, allowed_base_urls=[])  # fetch nothing
    except Exception as exc:  # noqa: BLE001 - returned to the main process, located there
        return None, render_error_text(str(exc))
    return normalise_svg(svg, description), None


def render_png(spec: dict[str, Any], version: str | None) -> bytes:
    """A PNG of the chart (title included) on white, at twice its size, for social cards."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(fixed_size(spec), vl_version=version, config=PNG_CONFIG,
                              allowed_base_urls=[])  # fetch nothing
    return png_of_svg(svg)


_ATTRIBUTES = r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*?"
_OFFSITE_IMAGE = re.compile(rf"<image\b{_ATTRIBUTES}\s(?:xlink:)?href=(?![\"']data:)"
                            rf"{_ATTRIBUTES}/?>(?:\s*</image>)?")


def png_of_svg(svg: str) -> bytes:
    """The PNG of a drawn SVG at twice its size, with every image that is not inline (a
    `data:` URL) left out: vl-convert's rasteriser fetches an image's URL whatever
    `allowed_base_urls` says, and a static image must fetch nothing."""
    import vl_convert as vlc

    return vlc.svg_to_png(_OFFSITE_IMAGE.sub("", svg), scale=2)


def fixed_size(spec: dict[str, Any]) -> dict[str, Any]:
    """A `width`/`height: container` spec at the size the page will most likely give it."""
    sized = {"width": CONTAINER_WIDTH, "height": CONTAINER_HEIGHT}
    changed = {k: v for k, v in sized.items() if spec.get(k) == "container"}
    if not changed:
        return spec
    autosize = spec.get("autosize")
    if autosize is None or isinstance(autosize, str):
        autosize = {"type": autosize or "fit", "contains": "padding"}
    return {**spec, **changed, "autosize": autosize}


INTERACTIVE_CONFIG: dict[str, Any] = {"background": "transparent"}
"""Compiled into the page's Vega spec: the chart sits on the page's own background (the
reader's theme is applied in the browser, as Vega config, by the embed script)."""


BIG_ROWS = 5_000
"""From this many source rows, the static image is drawn from the evaluated data (in this
process) rather than by handing every row to vl-convert."""

MARK_LIMIT = 3_000
"""A static SVG of more elements than this becomes a PNG: past a few thousand marks an inline
SVG weighs megabytes (8.3 MB for 50,000 points) and slows the page's layout, while the PNG of
the same chart at twice its size is tens of kilobytes; it reads on both themes (white)."""

_ELEMENT = re.compile(r"<(?:path|rect|circle|line|text|image)\b")


def render_static_evaluated(spec: dict[str, Any], values: dict[str, list[Any]],
                            description: str, version: str | None,
                            ) -> tuple[str | None, bytes | None, str | None]:
    """A big chart's static image from its evaluated Vega: (SVG or None past MARK_LIMIT
    elements, PNG on white at twice the size, None), or (None, None, error text). The PNG is
    the static image when there is no SVG, and the page's social image."""
    import vl_convert as vlc

    from sitegen.charts.evaluate import fill_data, pre_transformed, strip_data

    try:
        stripped, _ = strip_data(fixed_size(spec))
        vega = fill_data(vlc.vegalite_to_vega(stripped, vl_version=version,
                                              config=STATIC_CONFIG), values)
        vega = pre_transformed(vega)
        svg = vlc.vega_to_svg(vega, allowed_base_urls=[])  # fetch nothing
        png = png_of_svg(vlc.vega_to_svg({**vega, "background": "white"},
                                         allowed_base_urls=[]))
        if len(_ELEMENT.findall(svg)) <= MARK_LIMIT:
            return normalise_svg(svg, description), png, None
        return None, png, None
    except Exception as exc:  # noqa: BLE001 - located by the caller, like render_svg's
        return None, None, render_error_text(str(exc))


def compile_vega(job: Job) -> Result:
    """(Vega-Lite spec JSON, _, VL version) -> (Vega spec JSON, None) or (None, error text).

    The page's interactive chart is this Vega spec, so the reader's browser needs Vega but
    not the Vega-Lite compiler. Compact JSON with sorted keys, so the bytes are stable.
    """
    import vl_convert as vlc

    spec_json, _, version = job
    try:
        vega = vlc.vegalite_to_vega(json.loads(spec_json), vl_version=version,
                                    config=INTERACTIVE_CONFIG)
    except Exception as exc:  # noqa: BLE001 - returned to the main process, located there
        return None, render_error_text(str(exc))
    vega.pop("$schema", None)
    return json.dumps(vega, ensure_ascii=False, separators=(",", ":"), sort_keys=True), None


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


class RenderPool:
    """Worker processes that render while the caller keeps building specs.

    Each worker is `python -m sitegen.charts.render`, a fresh interpreter (multiprocessing's
    spawn would re-run a caller's unguarded __main__; a fork would lose vl-convert's thread).
    It warms vl-convert up as soon as it starts, then reads one JSON job per line and writes one
    result per line. A job goes to the worker with the fewest outstanding; if a worker dies,
    result() computes that job in this process instead. Use as a context manager.
    """

    def __init__(self, workers: int) -> None:
        package_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
        self._lock = threading.Lock()
        self._done: dict[int, Any] = {}
        self._events: dict[int, threading.Event] = {}
        self._owner: dict[int, int] = {}
        self._outstanding = [0] * workers
        self._dead: set[int] = set()
        self._queues: list[queue.Queue[bytes | None]] = []
        self._threads: list[threading.Thread] = []
        self._processes: list[subprocess.Popen[bytes]] = []
        self._next = 0
        for number in range(workers):
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", "sitegen.charts.render"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
            except OSError:
                self._dead.add(number)
                self._queues.append(queue.Queue())
                continue
            self._processes.append(process)
            lines: queue.Queue[bytes | None] = queue.Queue()
            self._queues.append(lines)
            for target in (self._write, self._read):
                thread = threading.Thread(target=target, args=(number, process), daemon=True)
                thread.start()
                self._threads.append(thread)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, kind: str, payload: Any) -> int:
        """Queue a job ("svg", "vega" or "png"); returns its ticket for result()."""
        with self._lock:
            ticket = self._next
            self._next += 1
            self._events[ticket] = threading.Event()
            alive = [n for n in range(len(self._queues)) if n not in self._dead]
            if not alive:
                self._events[ticket].set()
                return ticket
            worker = min(alive, key=lambda n: self._outstanding[n])
            self._owner[ticket] = worker
            self._outstanding[worker] += 1
        line = json.dumps({"ticket": ticket, "kind": kind, "payload": payload}) + "\n"
        self._queues[worker].put(line.encode())
        return ticket

    def result(self, ticket: int, fallback: Any) -> Any:
        """The job's result, waiting for it; fallback() if its worker could not give one."""
        self._events[ticket].wait()
        with self._lock:
            if ticket in self._done:
                return self._done.pop(ticket)
        return fallback()

    def close(self) -> None:
        for lines in self._queues:
            lines.put(None)
        for process in self._processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        for thread in self._threads:
            thread.join(timeout=5)

    def _write(self, number: int, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None
        while True:
            line = self._queues[number].get()
            try:
                if line is None:
                    process.stdin.close()
                    return
                process.stdin.write(line)
                process.stdin.flush()
            except OSError:
                return  # the reader sees the worker go and releases its jobs

    def _read(self, number: int, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                break
            ticket = message["ticket"]
            with self._lock:
                self._done[ticket] = message["value"]
                self._outstanding[number] -= 1
            self._events[ticket].set()
        with self._lock:  # the worker ended: every job it still held falls back
            self._dead.add(number)
            orphans = [t for t, owner in self._owner.items()
                       if owner == number and t not in self._done]
        for ticket in orphans:
            self._events[ticket].set()


def _worker_main() -> None:
    """Worker entry: warm vl-convert up, then answer one JSON job per stdin line."""
    render_svg((json.dumps({"mark": "point"}), "", None))
    for line in sys.stdin:
        message = json.loads(line)
        payload = message["payload"]
        if message["kind"] == "svg":
            value: Any = render_svg(tuple(payload))
        elif message["kind"] == "vega":
            value = compile_vega(tuple(payload))
        else:
            spec, version = payload
            value = base64.b64encode(render_png(json.loads(spec), version)).decode()
        sys.stdout.write(json.dumps({"ticket": message["ticket"], "value": value}) + "\n")
        sys.stdout.flush()


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
