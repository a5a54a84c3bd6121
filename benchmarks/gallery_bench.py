#!/usr/bin/env python3
"""Gallery benchmark: Vega-Lite's own example specs pasted into sitegen chart blocks.

    python benchmarks/gallery_bench.py --specs DIR --datasets DIR [--route dataset,url]
        [--limit N] [--only NAME,...] [--work /tmp/sitegen-gallery] [--jobs 50]
        [--ref-workers 2] [--no-timing | --timing-only] [--out benchmarks/results/gallery.json]

A writer who pastes a spec from the Vega-Lite gallery into a chart block must get the chart
the editor shows, or a located error. This tries it as a Vega-Lite user would:

  * --specs is a folder of *.vl.json (vega/vega-lite's examples/specs, fetched at run time:
    nothing of it is kept in this repository); --datasets is the `data/` folder of the
    vega-datasets npm package. Both may also come from SITEGEN_GALLERY_SPECS and
    SITEGEN_GALLERY_DATASETS.
  * Each spec is classified: unusable when it names a data file vega-datasets lacks or a
    remote URL that is not a vega-datasets file (a vega-datasets CDN URL maps to the local
    file), or when vl-convert cannot render the original either. `data: {values}`,
    `sequence`, `graticule`, `sphere` and named data stay as they are. A spec that is not
    valid against the Vega-Lite schema sitegen checks (Altair's) is kept: its located build
    error is the expected answer, and is counted apart.
  * Every `data: {url: ...}` anywhere in the spec (layers, concats, `lookup.from.data`, ...)
    is rewritten for the route: `dataset` copies the file to content/data/ under a unique stem
    and writes `data: {name: STEM}` (keeping `format` when it says more than the type);
    `url` copies it to content/files/ and writes `data: {url: files/NAME}` (not under
    content/data/, where every file is also loaded as a dataset).
  * One page per spec, `--jobs` pages per site, each site built cold by the command line
    (`python -m sitegen build --root SITE`). A batch whose build fails is rebuilt without the
    specs its errors name (a data file's error names the specs that use it); an error that
    names no spec makes the batch build its specs one by one. So no failure hides another.
  * The static SVG in each page's <figure class="chart"> is compared with vl-convert's
    rendering of the original spec, its data files inlined as text (`values` + `format.type`:
    Vega parses them as it would the URL; nothing is fetched). Two references:
      - `vanilla`: vl_convert.vegalite_to_svg(original spec), nothing else;
      - `ref`: the same spec with sitegen's documented static choices (SITEGEN_CHOICES below:
        top-level `title` removed -- the page shows it as text --, Altair's default theme
        (continuous views 300x300) merged under the spec's config, `width/height: container`
        drawn at 640x300, STATIC_CONFIG's colours, transparent background and no view
        border, the Vega-Lite version Altair writes). `ref` differs from `vanilla` only by
        those choices, so a spec whose SVG matches `ref` has every difference from `vanilla`
        explained by them; where the size or labels differ, each choice applied alone says
        which (`ref_vs_vanilla_explained_by`). One that does not match `ref` is a data-route
        difference, reported with both counts. A spec whose `ref` comes out different when
        drawn twice (a `sample` transform, `random()`, bootstrapped `ci`) is left out as
        `random`.
  * Measures. Marks: the items of the data marks -- children of every `<g class="mark-TYPE
    role-mark ...">` (Vega's mark groups; the `role-mark` class survives sitegen's SVG
    normalisation, which strips the `role`/`aria-*` attributes, so it is counted the same way
    on both sides), by mark type; axis and legend labels are counted apart (`labels`). Size:
    the root <svg> width x height. `identical`: both SVGs equal after the normalisation
    sitegen applies (ids renumbered, role/aria attributes dropped).
  * Differing specs are diagnosed from the page's interactive spec (the
    `<script class="chart-spec">` JSON, datasets inline): which spec keys sitegen changed
    (types it inferred, shorthand) and which data values its dataset loading changed
    (nested values as JSON text, number-like text as numbers, numbers of a text column as
    text, dates as local datetimes); and two swaps decide between them (`decided_by`):
    sitegen's spec with the original data, and the original spec with sitegen's data, each
    compared byte for byte with sitegen's SVG and with `ref`.
  * Timing: all specs that built, in one site, cold (output and cache deleted), under GNU
    `/usr/bin/time -v` when present (wall, CPU, max RSS of the largest process), with the
    summed RSS and PSS of the build's process tree sampled every 50 ms.

Prints the counts, the differing and failing specs grouped by cause, and writes everything,
spec by spec, to benchmarks/results/gallery.json. Not run in CI (it needs the fetched specs).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import copy
import csv
import datetime as dt
import hashlib
import html
import io
import json
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "gallery.json"

# --- sitegen's documented static choices, copied (the benchmark uses only sitegen's CLI) ---
# From sitegen/chart_render.py (STATIC_CONFIG, CONTAINER_WIDTH/HEIGHT, fixed_size,
# vegalite_version) and sitegen/chart_specs.py (title popped, with_altair_defaults). The
# calibration page built with every batch checks that these still reproduce sitegen's SVG
# byte for byte; if not, the run says so and these need updating.

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
CONTAINER_WIDTH, CONTAINER_HEIGHT = 640, 300
ALTAIR_THEME_CONFIG_FALLBACK = {"view": {"continuousWidth": 300, "continuousHeight": 300}}

SITEGEN_CHOICES = {
    "title": "top-level `title` removed from the spec (the page shows it as text)",
    "theme": "Altair's default theme under the spec's config: continuous views 300x300 "
             "(Vega-Lite's default is 200x200)",
    "container": f"`width`/`height: container` drawn at {CONTAINER_WIDTH}x{CONTAINER_HEIGHT}",
    "static_config": "STATIC_CONFIG: ink `currentColor`, grid #8888, transparent background, "
                     "no view border (the SVG's bounds shrink by a few pixels)",
}

CALIBRATION = {
    "description": "Calibration: values, a title, container width and a config of its own.",
    "title": "Calibration",
    "width": "container",
    "data": {"values": [{"a": "x", "b": 3}, {"a": "y", "b": 5}, {"a": "z", "b": 2}]},
    "mark": "bar",
    "config": {"bar": {"color": "#4c78a8"}},
    "encoding": {"x": {"field": "a", "type": "nominal"},
                 "y": {"field": "b", "type": "quantitative"}},
}
CALIBRATION_NAME = "zz-sitegen-calibration"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
_DATASETS_URL = re.compile(r"vega-datasets(?:@[^/]*)?/(?:build/)?data/([^/?#]+)$")
_EXT_TYPE = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".topojson": "topojson",
             ".dsv": "dsv"}


# --- specs and their data ------------------------------------------------------------------


def data_nodes(node: Any, path: tuple = ()) -> list[tuple[tuple, dict]]:
    """Every `data` value that is a mapping with a string `url`, with its path."""
    found: list[tuple[tuple, dict]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict) and isinstance(value.get("url"), str):
                found.append((path + (key,), value))
            else:
                found += data_nodes(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += data_nodes(value, path + (index,))
    return found


def other_urls(node: Any, path: tuple = ()) -> list[str]:
    """String `url` values that are not data URLs (image marks), and relative image paths."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict) and isinstance(value.get("url"), str):
                continue
            if key == "url" and isinstance(value, str):
                found.append(value)
            found += other_urls(value, path + (key,))
    elif isinstance(node, list):
        for value in node:
            found += other_urls(value, path)
    elif isinstance(node, str) and re.fullmatch(r"[\w./-]+\.(png|jpe?g|gif|svg)", node):
        found.append(node)
    return found


def set_at(root: Any, path: tuple, value: Any) -> None:
    node = root
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def local_file(url: str, datasets: Path) -> tuple[Path | None, str | None]:
    """The vega-datasets file a data URL names, or (None, why the spec is unusable)."""
    if url.startswith("data:"):
        return None, None
    if _SCHEME.match(url):
        match = _DATASETS_URL.search(url.split("?")[0].split("#")[0])
        if not match:
            return None, "remote URL that is not a vega-datasets file"
        name = match.group(1)
    else:
        relative = url.split("?")[0].split("#")[0].lstrip("./")
        if not relative.startswith("data/"):
            return None, f"relative data URL outside data/: {url}"
        name = relative[len("data/"):]
    path = datasets / name
    if not path.is_file():
        return None, f"data/{name} is not in this vega-datasets"
    return path, None


def format_type(node: dict, path: Path) -> str:
    fmt = node.get("format") or {}
    return fmt.get("type") or _EXT_TYPE.get(path.suffix.lower(), "json")


def inline_spec(spec: dict, files: dict[tuple, Path]) -> dict:
    """The spec with each data URL replaced by the file's text (Vega parses it per format)."""
    out = copy.deepcopy(spec)
    for path, file in files.items():
        node = dict(_get(out, path))
        node.pop("url")
        node["values"] = file.read_text(encoding="utf-8-sig")
        node["format"] = {**(node.get("format") or {}), "type": format_type(node, file)}
        set_at(out, path, node)
    return out


def _get(root: Any, path: tuple) -> Any:
    for key in path:
        root = root[key]
    return root


def dataset_route(spec: dict, files: dict[tuple, Path], stems: dict[Path, str]) -> dict:
    out = copy.deepcopy(spec)
    for path, file in files.items():
        node = _get(out, path)
        new: dict[str, Any] = {"name": stems[file]}
        fmt = node.get("format")
        if isinstance(fmt, dict) and set(fmt) - {"type"}:
            new["format"] = fmt
        set_at(out, path, new)
    return out


def url_route(spec: dict, files: dict[tuple, Path]) -> dict:
    out = copy.deepcopy(spec)
    for path, file in files.items():
        node = dict(_get(out, path))
        node["url"] = f"files/{file.name}"
        set_at(out, path, node)
    return out


# --- the references (vl-convert, in worker processes) --------------------------------------


def sitegen_static_spec(spec: dict, theme_config: dict) -> dict:
    """The spec as sitegen renders it, less what sitegen does to fields and data."""
    out = {k: v for k, v in spec.items() if k != "title"}
    if theme_config:
        out["config"] = _merged(theme_config, spec.get("config") or {})
    return fixed_size(out)


def fixed_size(spec: dict) -> dict:
    sized = {"width": CONTAINER_WIDTH, "height": CONTAINER_HEIGHT}
    changed = {k: v for k, v in sized.items() if spec.get(k) == "container"}
    if not changed:
        return spec
    autosize = spec.get("autosize")
    if autosize is None or isinstance(autosize, str):
        autosize = {"type": autosize or "fit", "contains": "padding"}
    return {**spec, **changed, "autosize": autosize}


def _merged(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


_WORKER: dict[str, Any] = {}


def _worker_setup() -> dict[str, Any]:
    if not _WORKER:
        import vl_convert as vlc

        theme, version = ALTAIR_THEME_CONFIG_FALLBACK, None
        try:
            import altair as alt

            active = alt.theme.get()
            theme = (active() if active is not None else {}).get("config") or {}
            wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
            version = wanted if wanted in vlc.get_vegalite_versions() else None
        except Exception as exc:
            print(f"altair unavailable ({exc}); using the copied theme", file=sys.stderr)
        _WORKER.update(vlc=vlc, theme=theme, version=version)
    return _WORKER


def render(kind: str, spec_json: str) -> tuple[str | None, str | None]:
    """(kind, spec JSON) -> (SVG, None) or (None, error). Kinds: `vanilla` (the spec alone),
    `ref`/`ref2` (with sitegen's static choices; `ref2` is a second, uncached draw that shows
    whether the spec draws random numbers), `asis` (a spec sitegen already gave its config:
    its interactive spec), `only-CHOICE` (vanilla plus one of SITEGEN_CHOICES).
    """
    w = _worker_setup()
    spec = json.loads(spec_json)
    options: dict[str, Any] = {"allowed_base_urls": []}
    if kind in ("ref", "ref2", "asis"):
        spec = sitegen_static_spec(spec, w["theme"]) if kind != "asis" else fixed_size(spec)
        options.update(vl_version=w["version"], config=STATIC_CONFIG)
    elif kind == "only-title":
        spec = {k: v for k, v in spec.items() if k != "title"}
    elif kind == "only-theme":
        spec = {**spec, "config": _merged(w["theme"], spec.get("config") or {})}
    elif kind == "only-container":
        spec = fixed_size(spec)
    elif kind == "only-static_config":
        options["config"] = STATIC_CONFIG
    try:
        svg = w["vlc"].vegalite_to_svg(spec, **options)
    except Exception as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        text = next((ln for ln in lines if ln.startswith("Error:")), lines[-1] if lines else "")
        return None, text
    return svg, None


def worker_info() -> dict[str, Any]:
    w = _worker_setup()
    import vl_convert as vlc

    return {"theme_config": w["theme"], "vl_version": w["version"],
            "vl_convert": getattr(vlc, "__version__", None)}


class Renderer:
    """vl-convert renders in spawned processes, cached on disk by spec and versions."""

    def __init__(self, workers: int, cache_dir: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
        self.info = self.pool.submit(worker_info).result()
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.salt = json.dumps(self.info, sort_keys=True) + json.dumps(STATIC_CONFIG)

    def submit(self, kind: str, spec: dict) -> concurrent.futures.Future:
        spec_json = json.dumps(spec, sort_keys=True)
        key = hashlib.sha256(f"{self.salt}|{kind}|{spec_json}".encode()).hexdigest()[:32]
        path = self.cache_dir / f"{key}.json"
        if path.is_file():
            done: concurrent.futures.Future = concurrent.futures.Future()
            done.set_result(tuple(json.loads(path.read_text())))
            return done
        future = self.pool.submit(render, kind, spec_json)
        future.add_done_callback(
            lambda f: f.exception() is None and path.write_text(json.dumps(f.result())))
        return future

    def close(self) -> None:
        self.pool.shutdown()


# --- SVG measures -------------------------------------------------------------------------

_ID = re.compile(r'\bid="([^"]+)"')
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_NOISE = re.compile(r'\s(?:role|aria-roledescription|aria-label|focusable)="[^"]*"')


def normalise(svg: str) -> str:
    """Ids renumbered in order, role/aria attributes dropped: what sitegen's SVG keeps."""
    ids = {old: f"id{n}" for n, old in enumerate(dict.fromkeys(_ID.findall(svg)), 1)}
    if ids:
        pattern = re.compile(r'(id="|url\(#|href="#)(' + "|".join(map(re.escape, ids)) +
                             r')(?=[")])')
        svg = pattern.sub(lambda m: m.group(1) + ids[m.group(2)], svg)
    return _TAG.sub(lambda m: _NOISE.sub("", m.group(0)), svg)


def measure(svg: str) -> dict[str, Any]:
    """Mark items by type, guide labels, size (and a parse error, if any)."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        return {"marks": None, "error": f"SVG does not parse: {exc}"}
    marks: collections.Counter[str] = collections.Counter()
    labels = 0
    for g in root.iter():
        if not g.tag.endswith("}g") and g.tag != "g":
            continue
        classes = (g.get("class") or "").split()
        if not classes or not classes[0].startswith("mark-"):
            continue
        if "role-mark" in classes:
            marks[classes[0][len("mark-"):]] += len(list(g))
        elif "role-axis-label" in classes or "role-legend-label" in classes:
            labels += len(list(g))
    return {"marks": dict(sorted(marks.items())), "total": sum(marks.values()),
            "labels": labels, "size": [_num(root.get("width")), _num(root.get("height"))],
            "bytes": len(svg)}


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


_FIGURE_SVG = re.compile(r'<div class="chart-static">(<svg\b.*?</svg>)</div>', re.DOTALL)
_FIGURE_SPEC = re.compile(r'<script type="application/json" class="chart-spec">(.*?)</script>',
                          re.DOTALL)


# --- building sites -----------------------------------------------------------------------

_PROBLEM = re.compile(r"^(?P<path>[^\s:][^:\n]*?):(?:(?P<line>\d+):)?(?:(?P<col>\d+):)? "
                      r"(?P<sev>error|warning): (?P<msg>.*)$")


def page_text(name: str, spec: dict) -> str:
    body = json.dumps(spec, indent=1, ensure_ascii=False)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"---\ntitle: {name}\n---\n\n{fence}chart\n{body}\n{fence}\n"


def parse_problems(stderr: str) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        match = _PROBLEM.match(line)
        if match:
            problems.append({"path": match["path"], "line": match["line"],
                             "severity": match["sev"], "message": match["msg"], "hint": None})
        elif line.startswith("  hint: ") and problems:
            problems[-1]["hint"] = line[len("  hint: "):]
        elif line.strip() and not problems:
            problems.append({"path": None, "line": None, "severity": "error",
                             "message": line.strip(), "hint": None})
    return [p for p in problems if p["severity"] == "error"]


class Site:
    """One site of many pages, one spec a page, built by the command line."""

    def __init__(self, root: Path, route: str, python: str) -> None:
        self.root, self.route, self.python = root, route, python

    def write(self, items: list[dict[str, Any]]) -> dict[str, list[str]]:
        """Pages and data files for these specs; returns data file -> spec names."""
        if self.root.exists():
            shutil.rmtree(self.root)
        pages = self.root / "content" / "g"
        pages.mkdir(parents=True)
        (self.root / "sitegen.toml").write_text('title = "Vega-Lite gallery"\n')
        users: dict[str, list[str]] = collections.defaultdict(list)
        stems: dict[Path, str] = {}
        taken: set[str] = set()
        for item in items:
            for file in item["files"].values():
                if file in stems:
                    continue
                stem = file.stem
                while stem in taken:
                    stem += "-" + file.suffix.lstrip(".")
                taken.add(stem)
                stems[file] = stem
        for item in items:
            if self.route == "dataset":
                spec = dataset_route(item["spec"], item["files"], stems)
                folder = self.root / "content" / "data"
                for file in set(item["files"].values()):
                    folder.mkdir(exist_ok=True)
                    target = folder / (stems[file] + file.suffix)
                    if not target.exists():
                        shutil.copyfile(file, target)
                    users[f"content/data/{target.name}"].append(item["name"])
            else:
                spec = url_route(item["spec"], item["files"])
                folder = self.root / "content" / "files"
                for file in set(item["files"].values()):
                    folder.mkdir(exist_ok=True)
                    if not (folder / file.name).exists():
                        shutil.copyfile(file, folder / file.name)
                    users[f"content/files/{file.name}"].append(item["name"])
            item["page_spec"] = spec
            (pages / f"{item['name']}.md").write_text(page_text(item["name"], spec),
                                                       encoding="utf-8")
        return users

    def build(self) -> tuple[int, str, float]:
        shutil.rmtree(self.root / "_site", ignore_errors=True)
        shutil.rmtree(self.root / ".sitegen-cache", ignore_errors=True)
        start = time.perf_counter()
        done = subprocess.run([self.python, "-m", "sitegen", "build", "--root", str(self.root)],
                              check=False, capture_output=True, text=True, cwd=self.root)
        return done.returncode, done.stderr + done.stdout, time.perf_counter() - start

    def figure(self, name: str) -> tuple[str | None, dict | None]:
        page = self.root / "_site" / "g" / name / "index.html"
        if not page.is_file():
            return None, None
        text = page.read_text(encoding="utf-8")
        svg = _FIGURE_SVG.search(text)
        spec = _FIGURE_SPEC.search(text)
        parsed = None
        if spec:
            try:
                parsed = json.loads(spec.group(1))
            except ValueError:
                parsed = json.loads(html.unescape(spec.group(1)))
        return (svg.group(1) if svg else None), parsed


def build_batches(items: list[dict[str, Any]], route: str, work: Path, jobs: int,
                  python: str, log: Any) -> list[dict[str, Any]]:
    """Build every item; each gets `build` = {ok, errors, svg, page_spec_json, batch}."""
    builds: list[dict[str, Any]] = []
    queue = [items[i:i + jobs] for i in range(0, len(items), jobs)]
    number = 0
    while queue:
        batch = queue.pop(0)
        number += 1
        site = Site(work / route / f"site-{number:03d}", route, python)
        calibration = {"name": CALIBRATION_NAME, "spec": CALIBRATION, "files": {}}
        users = site.write(batch + [calibration])
        code, output, seconds = site.build()
        builds.append({"site": site.root.name, "specs": len(batch), "seconds": round(seconds, 2),
                       "ok": code == 0})
        log(f"  {route} {site.root.name}: {len(batch)} specs, exit {code}, {seconds:.1f} s")
        if code == 0:
            for item in batch + [calibration]:
                svg, spec = site.figure(item["name"])
                item.setdefault("build", {}).update(ok=svg is not None, errors=[], svg=svg,
                                                    site_spec=spec, site=site.root.name)
            if calibration.get("build"):
                builds[-1]["calibration"] = calibration["build"]
            continue
        problems = parse_problems(output)
        blamed: dict[str, list[dict]] = collections.defaultdict(list)
        unplaced = []
        names = {item["name"] for item in batch}
        for problem in problems:
            path = problem["path"] or ""
            match = re.fullmatch(r"content/g/(.+)\.md", path)
            if match and match.group(1) in names:
                blamed[match.group(1)].append(problem)
            elif path in users and any(n in names for n in users[path]):
                for name in users[path]:
                    if name in names:
                        blamed[name].append(problem)
            else:
                unplaced.append(problem)
        if unplaced or not blamed:
            if len(batch) == 1:
                item = batch[0]
                item["build"] = {"ok": False, "errors": problems or [
                    {"path": None, "message": output.strip()[-300:] or f"exit {code}"}],
                    "svg": None, "site_spec": None, "site": site.root.name}
                continue
            log(f"    {len(unplaced)} error(s) name no spec: building these one by one")
            queue[:0] = [[item] for item in batch]
            continue
        rest = []
        for item in batch:
            if item["name"] in blamed:
                item["build"] = {"ok": False, "errors": blamed[item["name"]], "svg": None,
                                 "site_spec": None, "site": site.root.name}
            else:
                rest.append(item)
        log(f"    {len(blamed)} spec(s) failed; rebuilding the other {len(rest)}")
        if rest:
            queue.insert(0, rest)
    return builds


# --- comparing and diagnosing -------------------------------------------------------------


def error_class(message: str) -> str:
    """A build error's message with its particulars (names, numbers, lists) taken out."""
    text = re.sub(r"\(columns: [^)]*\)", "(columns: …)", message)
    text = re.sub(r"\(datasets: [^)]*\)", "(datasets: …)", text)
    text = re.sub(r"; use one of: .*", "; use one of: …", text)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "'…'", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    return text[:160]


def spec_changes(original: dict, site_spec: dict) -> list[str]:
    """Where sitegen's interactive spec differs from the pasted one (data and config aside)."""
    changes: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if len(changes) >= 20:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key in ("data", "datasets", "config", "$schema") or (not path and
                                                                         key == "title"):
                    continue
                here = f"{path}.{key}" if path else str(key)
                if key not in a:
                    changes.append(f"{here}: added {json.dumps(b[key])[:60]}")
                elif key not in b:
                    changes.append(f"{here}: removed")
                else:
                    walk(a[key], b[key], here)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for index, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{path}[{index}]")
        elif a != b:
            changes.append(f"{path}: {json.dumps(a)[:40]} -> {json.dumps(b)[:40]}")

    walk(original, site_spec, "")
    return changes


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (dict, list)):
        return "nested"
    if re.fullmatch(r"\s*[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?\s*", value):
        return "numeric string"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", value):
        return "local datetime"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "ISO date"
    return "string"


def original_records(file: Path) -> list[dict] | None:
    text = file.read_text(encoding="utf-8-sig")
    if file.suffix == ".json":
        value = json.loads(text)
        return value if isinstance(value, list) and all(isinstance(r, dict) for r in value) \
            else None
    if file.suffix in (".csv", ".tsv"):
        return list(csv.DictReader(io.StringIO(text),
                                   delimiter="\t" if file.suffix == ".tsv" else ","))
    return None


def data_changes(file: Path, records: list[dict]) -> list[str]:
    """Columns whose values sitegen's dataset loading changed: `file:col: kind -> kind`.

    JSON values are compared as they are. CSV text is what Vega reads too, and Vega-Lite
    parses a field by its encoding, so text -> number is reported only where the number
    loses the text's form (leading zeros: zip codes, ids)."""
    original = original_records(file)
    if original is None:
        return []
    changed: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    example: dict[str, str] = {}
    is_csv = file.suffix != ".json"
    for before, after in zip(original, records, strict=False):
        for column in set(before) | set(after):
            a, b = before.get(column), after.get(column)
            if is_csv and a == "":
                a = None
            if a == b:
                continue
            if is_csv and isinstance(a, str):
                if isinstance(b, (int, float)) and not isinstance(b, bool):
                    if not re.match(r"^\s*[+-]?0\d", a):
                        continue  # Vega-Lite reads the text as this number too
                    ka = "number-like text"
                elif isinstance(b, str) and a.strip() == b:
                    continue
                else:
                    ka = "csv text"
            else:
                ka = "missing" if column not in before else _kind(a)
            changed[column][f"{ka} -> {_kind(b)}"] += 1
            example.setdefault(column, f"{json.dumps(a)[:30]} -> {json.dumps(b)[:30]}")
    return [f"{file.name}:{col}: {', '.join(k for k, _ in c.most_common(2))} (e.g. {example[col]})"
            for col, c in sorted(changed.items())]


def _fields(node: Any, want: Any) -> set[str]:
    """Fields of every channel definition for which want(definition) holds."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("field"), str) and want(node):
            found.add(node["field"])
        for key, value in node.items():
            if key not in ("datasets", "data"):
                found |= _fields(value, want)
    elif isinstance(node, list):
        for value in node:
            found |= _fields(value, want)
    return found


def _named_with_file_type(node: Any) -> bool:
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and "name" in data and "url" not in data and \
                (data.get("format") or {}).get("type") in ("csv", "tsv", "json"):
            return True
        return any(_named_with_file_type(v) for k, v in node.items() if k != "datasets")
    if isinstance(node, list):
        return any(_named_with_file_type(v) for v in node)
    return False


def cause_tags(spec_diffs: list[str], data_diffs: list[str], item: dict,
               site_spec: dict) -> list[str]:
    """Likely causes, from what sitegen changed (most specific first)."""
    tags = []
    kinds = [d.split(": ", 1)[-1].split(" (e.g.")[0] for d in data_diffs]
    if any("nested -> string" in k for k in kinds):
        tags.append("nested values turned to JSON text")
    if _named_with_file_type(site_spec):
        tags.append("format.type of the file kept on a named dataset (Vega re-parses the rows)")
    temporal = _fields(site_spec, lambda d: d.get("type") == "temporal" or "timeUnit" in d)
    numeric_dates = sorted(
        field for field in temporal for rows in (site_spec.get("datasets") or {}).values()
        if isinstance(rows, list) and any(isinstance(r.get(field), (int, float))
                                          and not isinstance(r.get(field), bool) for r in rows))
    if numeric_dates:
        tags.append("numbers used as dates (years) typed as numbers: read as milliseconds")
    if any("numeric string -> number" in k or "number-like text -> number" in k for k in kinds):
        tags.append("strings that look like numbers read as numbers")
    if any("number -> numeric string" in k for k in kinds):
        tags.append("numbers in a text column turned to text")
    if any(re.search(r"\.type: added", d) for d in spec_diffs):
        tags.append("type inferred for a field without type (Vega-Lite's default is nominal)")
    if any(not re.search(r"\.type: added", d) for d in spec_diffs):
        tags.append("other spec rewrite")
    if item.get("image_urls"):
        tags.append("relative image URLs")
    if any("-> local datetime" in k for k in kinds):
        tags.append("ISO dates as local datetimes (same in UTC)")
    return tags


def inline_site_urls(site_spec: dict, datasets: Path) -> dict:
    """sitegen's interactive spec with its published data URLs read back from the files."""
    files = {}
    for where, node in data_nodes(site_spec):
        match = re.search(r"charts/files/(.+)\.[0-9a-f]{10}(\.[^./]+)$", node["url"])
        if match and (datasets / (match.group(1) + match.group(2))).is_file():
            files[where] = datasets / (match.group(1) + match.group(2))
    return inline_spec(site_spec, files) if files else site_spec


# --- timing one site ----------------------------------------------------------------------


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _memory(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def timed_build(root: Path, python: str) -> dict[str, Any]:
    """One cold build under GNU time (if present) with the process tree's memory sampled."""
    shutil.rmtree(root / "_site", ignore_errors=True)
    shutil.rmtree(root / ".sitegen-cache", ignore_errors=True)
    os.sync()
    time.sleep(1)
    gnu_time = Path("/usr/bin/time")
    report = root.parent / f"{root.name}-time.txt"
    command = [python, "-m", "sitegen", "build", "--root", str(root)]
    if gnu_time.exists():
        command = [str(gnu_time), "-v", "-o", str(report)] + command
    peak = {"rss": 0, "pss": 0}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)

    def sample() -> None:
        while process.poll() is None:
            rss = pss = 0
            for pid in _tree(process.pid):
                r, p = _memory(pid)
                rss, pss = rss + r, pss + p
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    result: dict[str, Any] = {"exit": process.returncode, "wall_s": round(wall, 2),
                              "tree_rss_peak_mb": round(peak["rss"] / 2**20),
                              "tree_pss_peak_mb": round(peak["pss"] / 2**20),
                              "summary": next((ln for ln in (out + err).splitlines()
                                               if ln.startswith("built ")), None)}
    if report.is_file():
        text = report.read_text()
        values = dict(re.findall(r"^\s*(.+?): (.+)$", text, re.MULTILINE))
        user = float(values.get("User time (seconds)", 0))
        system = float(values.get("System time (seconds)", 0))
        result.update(cpu_s=round(user + system, 2),
                      max_rss_largest_process_mb=round(
                          int(values.get("Maximum resident set size (kbytes)", 0)) / 1024))
    return result


# --- the run ------------------------------------------------------------------------------


def schema_validator() -> Any:
    """A validator for the Vega-Lite schema sitegen checks against (Altair's), if present."""
    try:
        import altair as alt
        import jsonschema
    except ImportError:
        return None
    path = Path(alt.__file__).parent / "vegalite" / "v6" / "schema" / "vega-lite-schema.json"
    if not path.is_file():
        return None
    return jsonschema.Draft7Validator(json.loads(path.read_text()))


def load_items(specs_dir: Path, datasets: Path, only: set[str] | None,
               limit: int | None) -> list[dict[str, Any]]:
    items = []
    validator = schema_validator()
    for path in sorted(specs_dir.glob("*.vl.json")):
        name = path.name[: -len(".vl.json")]
        if only and name not in only:
            continue
        item: dict[str, Any] = {"name": name, "unusable": None, "files": {}, "image_urls": [],
                                "schema_invalid": None}
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            item["unusable"] = f"not JSON: {exc}"
            items.append(item)
            continue
        item["spec"] = spec
        for where, node in data_nodes(spec):
            file, why = local_file(node["url"], datasets)
            if why:
                item["unusable"] = why
                item["unusable_url"] = node["url"]
                break
            if file is not None:
                item["files"][where] = file
        item["image_urls"] = sorted({u for u in other_urls(spec) if not _SCHEME.match(u)})
        if validator is not None:
            import jsonschema

            error = jsonschema.exceptions.best_match(validator.iter_errors(spec))
            if error is not None:
                where = ".".join(map(str, error.absolute_path)) or "(top level)"
                item["schema_invalid"] = f"{where}: {error.message[:120]}"
        items.append(item)
    return items[:limit] if limit else items


def reference_pass(items: list[dict[str, Any]], renderer: Renderer, log: Any) -> None:
    """vanilla and ref SVGs of every usable spec; a spec vl-convert cannot draw is unusable.
    Where ref and vanilla differ in size or labels, each choice alone says which explain it."""
    pending = []
    for item in items:
        if item["unusable"]:
            continue
        spec = inline_spec(item["spec"], item["files"])
        item["inline"] = spec
        pending.append((item, renderer.submit("vanilla", spec), renderer.submit("ref", spec)))
    singles = []
    for n, (item, vanilla, ref) in enumerate(pending, 1):
        v_svg, v_err = vanilla.result()
        r_svg, r_err = ref.result()
        if v_svg is None:
            item["unusable"] = f"vl-convert cannot render the original: {v_err}"
            continue
        if r_svg is None:
            item["unusable"] = f"vl-convert cannot render it with sitegen's settings: {r_err}"
            continue
        item["vanilla_m"], item["ref_m"] = measure(v_svg), measure(r_svg)
        item["ref_norm"] = normalise(r_svg)
        key = ("size", "labels")
        if [item["vanilla_m"].get(k) for k in key] != [item["ref_m"].get(k) for k in key]:
            singles.append((item, {c: renderer.submit(f"only-{c}", item["inline"])
                                   for c in SITEGEN_CHOICES}))
        if n % 100 == 0:
            log(f"  references: {n}/{len(pending)}")
    for item, futures in singles:
        vanilla = [item["vanilla_m"].get(k) for k in ("size", "labels")]
        reasons = []
        for choice, future in futures.items():
            svg, _ = future.result()
            if svg is not None and [measure(svg).get(k) for k in ("size", "labels")] != vanilla:
                reasons.append(choice)
        item["explained_by"] = reasons or ["combination"]


def run_route(route: str, items: list[dict[str, Any]], args: argparse.Namespace,
              renderer: Renderer, log: Any) -> dict[str, Any]:
    usable = [item for item in items if not item["unusable"]]
    for item in usable:
        item.pop("build", None)
    builds = build_batches(usable, route, args.work, args.jobs, args.python, log)
    # a second draw of the reference for every spec that is not identical: random or not?
    again = {}
    for item in usable:
        b = item["build"]
        if b["ok"] and normalise(b["svg"]) != item["ref_norm"]:
            again[item["name"]] = renderer.submit("ref2", item["inline"])
    futures = {}
    for item in usable:
        if item["name"] in again:
            svg, _ = again[item["name"]].result()
            item["random"] = svg is None or normalise(svg) != item["ref_norm"]
            if not item["random"] and item["build"].get("site_spec") is not None:
                futures[item["name"]] = diag_futures(item, route, args.datasets, renderer)
    rows = []
    for item in items:
        row: dict[str, Any] = {"name": item["name"]}
        if item["unusable"]:
            row.update(status="unusable", reason=item["unusable"])
            rows.append(row)
            continue
        b = item["build"]
        row["data_files"] = sorted({f.name for f in item["files"].values()})
        if item.get("schema_invalid"):
            row["schema_invalid"] = item["schema_invalid"]
        if item.get("explained_by"):
            row["ref_vs_vanilla_explained_by"] = item["explained_by"]
        if not b["ok"]:
            row.update(status="build error",
                       errors=[{k: p.get(k) for k in ("path", "line", "message", "hint")}
                               for p in b["errors"]],
                       error_class=error_class(b["errors"][0]["message"]) if b["errors"]
                       else "no figure in the page")
            rows.append(row)
            continue
        site_m = measure(b["svg"])
        ref_m = item["ref_m"]
        identical = normalise(b["svg"]) == item["ref_norm"]
        same = (site_m.get("marks"), site_m.get("size")) == (ref_m.get("marks"),
                                                              ref_m.get("size"))
        row.update(site=site_m, ref=ref_m, vanilla=item["vanilla_m"], identical=identical,
                   drew=bool(site_m.get("total")))
        if identical:
            row["status"] = "identical"
        elif item.get("random"):
            row["status"] = "random"
            row["same_marks_and_size"] = same
        else:
            row["status"] = "same marks and size" if same else "differ"
        if item["name"] in futures:
            row.update(diagnose(item, futures[item["name"]], b["svg"]))
        rows.append(row)
    counts = summarise(rows)
    calibrations = [b.get("calibration") for b in builds if b.get("calibration")]
    calibrated = None
    if calibrations and calibrations[0].get("svg"):
        cal_svg, _ = renderer.submit("ref", CALIBRATION).result()
        calibrated = all(normalise(c["svg"]) == normalise(cal_svg) for c in calibrations)
        for batch in builds:
            if batch.get("calibration"):
                batch["calibration"] = normalise(batch["calibration"]["svg"] or "") == \
                    normalise(cal_svg)
    return {"route": route, "counts": counts, "calibration_identical": calibrated,
            "batches": builds, "specs": rows}


def diag_futures(item: dict, route: str, datasets: Path, renderer: Renderer) -> dict[str, Any]:
    """Renders that split a difference between sitegen's spec rewrite and its data: its
    interactive spec as is; that spec with the original data; the original spec with
    sitegen's data (dataset route)."""
    site_spec = item["build"]["site_spec"]
    futures: dict[str, Any] = {"asis": renderer.submit("asis", inline_site_urls(site_spec,
                                                                                 datasets))}
    named: dict[str, tuple[tuple, Path]] = {}
    for where, file in item["files"].items():
        node = _get(item["page_spec"], where)
        if isinstance(node, dict) and "name" in node:
            named[node["name"]] = (where, file)
    futures["files_by_name"] = {name: file for name, (_, file) in named.items()}
    if route != "dataset" or not named or "datasets" not in site_spec:
        return futures
    swapped = copy.deepcopy(site_spec)
    swapped.pop("datasets", None)
    try:
        for name, (where, _file) in named.items():
            node = _get(swapped, where)
            if not (isinstance(node, dict) and node.get("name") == name):
                raise KeyError(name)
            set_at(swapped, where, _get(item["inline"], where))
    except (KeyError, IndexError, TypeError):
        swapped = None
    if swapped is not None:
        futures["site_spec_original_data"] = renderer.submit("asis", swapped)
    mixed = copy.deepcopy(item["spec"])
    for where, _file in named.values():
        set_at(mixed, where, _get(item["page_spec"], where))
    mixed["datasets"] = site_spec["datasets"]
    futures["original_spec_site_data"] = renderer.submit("ref", mixed)
    return futures


def diagnose(item: dict, futures: dict, site_svg: str) -> dict[str, Any]:
    site_spec = item["build"]["site_spec"]
    site_norm = normalise(site_svg)
    out: dict[str, Any] = {"spec_changes": spec_changes(item["spec"], site_spec)}
    data_diffs: list[str] = []
    for name, file in futures.get("files_by_name", {}).items():
        records = (site_spec.get("datasets") or {}).get(name)
        if isinstance(records, list):
            data_diffs += data_changes(file, records)
    out["data_changes"] = data_diffs[:20]
    checks = {}
    for key in ("asis", "site_spec_original_data", "original_spec_site_data"):
        if key in futures:
            svg, error = futures[key].result()
            norm = normalise(svg) if svg else None
            checks[key] = ("sitegen's SVG" if norm == site_norm else
                           "ref" if norm == item["ref_norm"] else
                           f"neither: {error}" if error else "neither")
    out["checks"] = checks
    data_alone = checks.get("original_spec_site_data") == "sitegen's SVG"
    spec_alone = checks.get("site_spec_original_data") == "sitegen's SVG" if \
        "site_spec_original_data" in checks else checks.get("asis") == "sitegen's SVG"
    if "original_spec_site_data" not in checks:
        out["decided_by"] = "spec" if spec_alone and out["spec_changes"] else "undecided"
    else:
        out["decided_by"] = ("data" if data_alone and not spec_alone else
                             "spec" if spec_alone and not data_alone else
                             "data or spec" if data_alone else "data and spec together")
    out["causes"] = cause_tags(out["spec_changes"], data_diffs, item, site_spec)
    return out


def cause_of(row: dict[str, Any]) -> str:
    """One group for the report: the first cause that fits what decided the difference."""
    causes = row.get("causes") or []
    decided = row.get("decided_by")
    data_causes = [c for c in causes if not c.startswith(("type inferred", "other spec"))]
    spec_causes = [c for c in causes if c.startswith(("type inferred", "other spec"))]
    if decided == "data" and data_causes:
        return data_causes[0]
    if decided == "spec" and spec_causes:
        return spec_causes[0]
    return (causes[0] if causes else "undiagnosed") + f" [{decided}]"


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    status = collections.Counter(r["status"] for r in rows)
    usable = [r for r in rows if r["status"] != "unusable"]
    built = [r for r in usable if r["status"] != "build error"]
    failed = [r for r in usable if r["status"] == "build error"]
    invalid = [r for r in failed if r.get("schema_invalid")]
    refused = [r for r in failed if not r.get("schema_invalid")]
    explained = collections.Counter(c for r in usable
                                    for c in r.get("ref_vs_vanilla_explained_by") or [])
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for r in built:
        if r["status"] in ("differ", "same marks and size"):
            groups[cause_of(r)].append(r["name"])
    return {
        "specs": len(rows), "unusable": len(rows) - len(usable), "usable": len(usable),
        "usable_schema_invalid": sum(1 for r in usable if r.get("schema_invalid")),
        "built": len(built), "build_errors": len(failed),
        "build_errors_schema_invalid": len(invalid), "build_errors_valid_spec": len(refused),
        "drew": sum(1 for r in built if r.get("drew")),
        "identical": status["identical"], "same_marks_and_size": status["same marks and size"],
        "differ": status["differ"], "random": status["random"],
        "random_same_marks_and_size": sum(1 for r in built if r["status"] == "random"
                                          and r.get("same_marks_and_size")),
        "same_marks_and_size_total": status["identical"] + status["same marks and size"],
        "ref_vs_vanilla_differs": sum(1 for r in usable if r.get("ref_vs_vanilla_explained_by")),
        "ref_vs_vanilla_explained_by": dict(explained.most_common()),
        "unusable_reasons": dict(collections.Counter(
            r["reason"] for r in rows if r["status"] == "unusable").most_common()),
        "build_error_classes_valid_spec": dict(collections.Counter(
            r["error_class"] for r in refused).most_common()),
        "build_error_classes_schema_invalid": dict(collections.Counter(
            r["error_class"] for r in invalid).most_common()),
        "drawn_differently_by_cause": dict(sorted(groups.items(), key=lambda kv: -len(kv[1]))),
    }


def print_report(result: dict[str, Any], timing: dict | None) -> None:
    print()
    for route in result["routes"]:
        c = route["counts"]
        print(f"== route: {route['route']} ==")

        def line(label: str, value: Any) -> None:
            print(f"{label:<58}{value:>6}")
        line("specs", c["specs"])
        line("unusable", c["unusable"])
        for reason, n in c["unusable_reasons"].items():
            print(f"    {reason[:80]:<80} {n}")
        line("usable", c["usable"])
        line("built", c["built"])
        line("build errors", c["build_errors"])
        line("  of specs not valid against the schema (expected)", c["build_errors_schema_invalid"])
        for cls, n in c["build_error_classes_schema_invalid"].items():
            print(f"      {cls[:90]:<90} {n}")
        line("  of valid specs", c["build_errors_valid_spec"])
        for cls, n in c["build_error_classes_valid_spec"].items():
            print(f"      {cls[:90]:<90} {n}")
        line("drew (any mark)", c["drew"])
        line("SVG identical to ref", c["identical"])
        line("same marks and size as ref, drawn differently", c["same_marks_and_size"])
        line("differ from ref (marks or size)", c["differ"])
        line("left out: draws random numbers (ref != ref drawn again)", c["random"])
        line("ref != vanilla (size or labels), explained", c["ref_vs_vanilla_differs"])
        print(f"    by: {c['ref_vs_vanilla_explained_by']}")
        print(f"calibration page identical to ref: {route['calibration_identical']}")
        if c["drawn_differently_by_cause"]:
            print("drawn differently, by cause:")
        for cause, names in c["drawn_differently_by_cause"].items():
            print(f"  {cause} ({len(names)}): {', '.join(names)}")
        rows = [r for r in route["specs"] if r["status"] in ("differ", "random")]
        if rows:
            print("differ / random (sitegen marks size | ref marks size):")
        for r in rows:
            print(f"  {r['status']:<7}{r['name']}: {r['site'].get('marks')} {r['site'].get('size')}"
                  f" | {r['ref'].get('marks')} {r['ref'].get('size')}")
        failed = [r for r in route["specs"] if r["status"] == "build error"]
        if failed:
            print("build errors:")
        for r in failed:
            first = r["errors"][0] if r["errors"] else {}
            print(f"  {r['name']}{' (schema-invalid)' if r.get('schema_invalid') else ''}: "
                  f"{first.get('path')}:{first.get('line')}: {(first.get('message') or '')[:100]}")
        print()
    if timing:
        print(f"one site, {timing['charts']} charts ({timing['route']} route), cold: "
              f"{timing['wall_s']} s wall"
              + (f", {timing.get('cpu_s')} s CPU" if "cpu_s" in timing else "")
              + f", tree RSS peak {timing['tree_rss_peak_mb']} MB, tree PSS peak "
              f"{timing['tree_pss_peak_mb']} MB"
              + (f", largest process {timing['max_rss_largest_process_mb']} MB"
                 if "max_rss_largest_process_mb" in timing else "")
              + f" (exit {timing['exit']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=Path, default=os.environ.get("SITEGEN_GALLERY_SPECS"),
                        help="folder of *.vl.json (vega-lite's examples/specs)")
    parser.add_argument("--datasets", type=Path,
                        default=os.environ.get("SITEGEN_GALLERY_DATASETS"),
                        help="the vega-datasets package's data/ folder")
    parser.add_argument("--route", default="dataset",
                        help="dataset, url, or both comma-separated (default dataset)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--only", default=None, help="spec names, comma-separated")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-gallery"))
    parser.add_argument("--jobs", type=int, default=50, help="pages (specs) per site")
    parser.add_argument("--ref-workers", type=int, default=2, help="vl-convert processes")
    parser.add_argument("--python", default=sys.executable,
                        help="the Python whose sitegen builds (default: this one)")
    parser.add_argument("--timing-only", action="store_true",
                        help="only redo the one-site timing, for the specs that built in --out "
                        "(e.g. on a quieter machine); updates its `timing`")
    parser.add_argument("--timing-runs", type=int, default=1,
                        help="cold builds timed; the fastest is reported, all are kept")
    parser.add_argument("--no-timing", action="store_true",
                        help="skip the one-site cold build of every spec that built")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--specs-rev", default=os.environ.get("SITEGEN_GALLERY_SPECS_REV"),
                        help="where the specs came from (recorded), e.g. a vega-lite commit")
    args = parser.parse_args(argv)
    if not args.specs or not args.specs.is_dir() or not args.datasets \
            or not args.datasets.is_dir():
        parser.error("--specs DIR and --datasets DIR are required (see benchmarks/README.md)")
    routes = [r.strip() for r in args.route.split(",") if r.strip()]
    if not routes or set(routes) - {"dataset", "url"}:
        parser.error("--route is dataset, url or dataset,url")
    args.work.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    only = set(args.only.split(",")) if args.only else None
    items = load_items(args.specs, args.datasets, only, args.limit)
    if args.timing_only:
        previous = json.loads(args.out.read_text())
        first = previous["routes"][0]
        timing = time_site(first, items, args, log)
        previous["timing"] = timing
        print_report({"routes": []}, timing)
        args.out.write_text(json.dumps(previous, indent=1, ensure_ascii=False, default=str)
                            + "\n")
        log(f"updated the timing in {args.out}")
        return 0
    log(f"{len(items)} specs from {args.specs}")
    renderer = Renderer(args.ref_workers, args.work / "ref-cache")
    try:
        reference_pass(items, renderer, log)
        results = []
        for route in routes:
            log(f"building ({route} route), {args.jobs} specs a site")
            results.append(run_route(route, items, args, renderer, log))
    finally:
        renderer.close()
    timing = None if args.no_timing else time_site(results[0], items, args, log)
    datasets_version = None
    package = args.datasets.parent / "package.json"
    if package.is_file():
        datasets_version = json.loads(package.read_text()).get("version")
    result = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/gallery_bench.py " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:])),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg": os.getloadavg()},
        "sitegen_commit": _git_head(),
        "specs": {"dir": str(args.specs), "rev": args.specs_rev,
                  "count": len(list(args.specs.glob("*.vl.json")))},
        "vega_datasets": {"dir": str(args.datasets), "version": datasets_version},
        "reference": renderer.info, "sitegen_choices": SITEGEN_CHOICES,
        "jobs": args.jobs, "seconds": round(time.perf_counter() - started, 1),
        "routes": results, "timing": timing,
    }
    print_report(result, timing)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n")
    log(f"wrote {args.out}")
    return 0


def time_site(route: dict[str, Any], items: list[dict[str, Any]], args: argparse.Namespace,
              log: Any) -> dict[str, Any]:
    """Every spec that built by this route, in one site, built cold and measured."""
    built = {r["name"] for r in route["specs"] if r["status"] not in ("unusable", "build error")}
    chosen = [item for item in items if item["name"] in built]
    site = Site(args.work / "timing" / f"{route['route']}-all", route["route"], args.python)
    site.write(chosen)
    runs = []
    for run in range(1, args.timing_runs + 1):
        log(f"timing: one site with {len(chosen)} charts, cold (run {run}/{args.timing_runs})")
        before = os.getloadavg()
        measured = timed_build(site.root, args.python)
        runs.append({**measured, "load_avg_before": before, "load_avg_after": os.getloadavg()})
    best = min(runs, key=lambda r: r["wall_s"])
    return {"route": route["route"], "charts": len(chosen), **best,
            "runs": runs if len(runs) > 1 else None}


def _git_head() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
