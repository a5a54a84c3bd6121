"""Images a chart draws: relative `url`s resolved against the site, published, drawn offline.

An image mark's `url` (on the mark, as a channel value, or read from a field of the chart's
data) that is a relative path names a file of the site: a path from the site root, from
content/ or from static/ (`data/ffox.png` finds content/data/ffox.png). Each is published
content-hashed under `charts/files/`; the page's Vega maps the written path to the published
one (so the interactive chart asks the site for a file that is there), and the static SVG and
PNG carry the image as a `data:` URI (vl-convert fetches nothing). A path that names no file
is an error at the `url` key. Hosts are charts.offsite's business.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sitegen.charts.blocks import ChartBlock, Places
from sitegen.charts.schema import Path_
from sitegen.errors import ChartError
from sitegen.output import content_hashed

ROOT = "@@sitegen-root@@/"
"""specs.ROOT_TOKEN (the page's root prefix), repeated here: specs imports this module."""

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def site_file(url: str, root: Path) -> Path | None:
    """The file of the site a relative URL names: from the root, content/ or static/."""
    relative = url.split("?")[0].split("#")[0].lstrip("/")
    if not relative:
        return None
    for candidate in (root / relative, root / "content" / relative, root / "static" / relative):
        if candidate.is_file() and _inside(candidate, root):
            return candidate
    return None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def find_images(spec: Mapping[str, Any], rows: Mapping[str, Sequence[Mapping[str, Any]]],
                block: ChartBlock, places: Places, root: Path,
                ) -> dict[str, tuple[str, str, bytes]]:
    """Relative image URL as written -> (source path, site path, bytes), for every image the
    spec names; rows are the chart's named datasets' records. A ChartError for a missing file."""
    found: dict[str, tuple[str, str, bytes]] = {}
    for url, path, where in _image_urls(spec, rows):
        if url in found or _SCHEME.match(url) or not url.strip():
            continue
        file = site_file(url, root)
        if file is None:
            raise ChartError(
                f"the image {url!r}{where} names no file of the site", block.page,
                places.line(path), None,
                "put the image in content/ or static/ and give its path from there "
                "(or from the site root)",
            )
        content = file.read_bytes()
        found[url] = (file.relative_to(root).as_posix(),
                      content_hashed(f"charts/files/{file.name}", content), content)
    return found


def _image_urls(spec: Mapping[str, Any], rows: Mapping[str, Sequence[Mapping[str, Any]]],
                ) -> Iterator[tuple[str, Path_, str]]:
    """(url, key path, where it came from) of each image URL: mark `url`, `url` channel
    values, and the values of fields a `url` channel reads (named and inline data)."""
    fields: dict[str, Path_] = {}
    stack: list[tuple[Any, Path_]] = [(spec, ())]
    inline: list[list[Any]] = []
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        mark = node.get("mark")
        if isinstance(mark, dict) and isinstance(mark.get("url"), str):
            yield mark["url"], path + ("mark", "url"), ""
        encoding = node.get("encoding")
        channel = encoding.get("url") if isinstance(encoding, dict) else None
        for rule in _rules(channel):
            here = path + ("encoding", "url")
            if isinstance(rule.get("value"), str):
                yield rule["value"], here, ""
            if isinstance(rule.get("field"), str):
                fields.setdefault(rule["field"], here)
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            inline.append(data["values"])
        stack.extend((v, path + (k,)) for k, v in node.items()
                     if k not in ("datasets", "data") and isinstance(v, dict | list))
    sources = [(f" (in the dataset '{name}')", records) for name, records in rows.items()]
    sources += [(" (in the chart's inline data)", records) for records in inline]
    for where, records in sources:
        for record in records:
            if not isinstance(record, dict):
                continue
            for field, path in fields.items():
                value = record.get(field)
                if isinstance(value, str):
                    yield value, path, where


def _rules(channel: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(channel, dict):
        yield channel
        condition = channel.get("condition")
        for rule in condition if isinstance(condition, list) else [condition]:
            if isinstance(rule, dict):
                yield rule


def data_uri(content: bytes, name: str) -> str:
    """The bytes as a `data:` URI (the static SVG draws the image without fetching it)."""
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(content).decode()}"


def inline_images(node: Any, uris: Mapping[str, str]) -> Any:
    """The spec with each known image URL replaced by its `data:` URI (mark `url`, `url`
    values, and the records of datasets and inline data)."""
    if isinstance(node, str):
        return uris.get(node, node)
    if isinstance(node, list):
        return [inline_images(v, uris) for v in node]
    if isinstance(node, dict):
        return {k: v if k in ("description", "title") else inline_images(v, uris)
                for k, v in node.items()}
    return node


def site_images(vega: dict[str, Any], published: Mapping[str, str]) -> dict[str, Any]:
    """The page's Vega with each image mark's `url` mapped from the written path to the
    published one (ROOT-prefixed); paths not known are left as they were."""
    if not published:
        return vega
    table = json.dumps({url: ROOT + path for url, path in published.items()},
                       ensure_ascii=False)

    def visit(marks: Any) -> None:
        for mark in marks if isinstance(marks, list) else []:
            if not isinstance(mark, dict):
                continue
            if mark.get("type") == "image":
                for props in (mark.get("encode") or {}).values():
                    if isinstance(props, dict) and "url" in props:
                        props["url"] = _mapped(props["url"], table, published)
            visit(mark.get("marks"))
    visit(vega.get("marks"))
    return vega


def _mapped(rule: Any, table: str, published: Mapping[str, str]) -> Any:
    if isinstance(rule, list):
        return [_mapped(r, table, published) for r in rule]
    if not isinstance(rule, dict):
        return rule
    out = dict(rule)
    if isinstance(out.get("value"), str) and out["value"] in published:
        out["value"] = ROOT + published[out["value"]]
    elif isinstance(out.get("signal"), str):
        out["signal"] = f"({table})[{out['signal']}] || ({out['signal']})"
    elif isinstance(out.get("field"), str):
        field = json.dumps(out.pop("field"))
        out["signal"] = f"({table})[datum[{field}]] || datum[{field}]"
    return out
