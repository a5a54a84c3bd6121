"""No chart reaches another host: every URL a spec could fetch or link is checked.

A built page makes no request to another host and links nowhere a writer did not mean, so a
chart spec (a YAML block, or what a chart module returned) may not name another host: not a
data URL, not an image mark's `url`, not an `href` (as a mark property or a channel, given
as a value or read from a field of the chart's data), not a URL written into a transform, an
expression or a `lookup`. Each is an error at its line, unless its host is listed in the
site's `allowed_hosts` setting. `url` and `href` values must otherwise be relative (a path
inside the site, `#id`), or `data:` for images and data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sitegen.charts.blocks import ChartBlock, Places
from sitegen.charts.schema import Path_
from sitegen.errors import ChartError

_SCHEME = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\]{2})")
_IN_TEXT = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?<![\w.+-])//[^\s'\"`)]*|javascript:",
                      re.I)
_LINK_KEYS = ("url", "href")
_TEXT_ONLY = {"$schema", "usermeta", "title", "subtitle", "description", "datasets"}
"""Keys whose values are shown as text or are data, never fetched as they stand."""


def check_offsite(spec: Mapping[str, Any], block: ChartBlock, places: Places | None,
                  allowed: Sequence[str], module: str | None = None) -> None:
    """Raise a ChartError at the first place in spec that would reach another host.

    places maps paths to lines for a YAML block; a module's spec (module names it) is
    placed at the block that uses it.
    """
    link_fields: dict[str, Path_] = {}
    for path, value in _strings(spec, (), link_fields):
        keys = [k for k in path if isinstance(k, str)]
        link = keys[-1:] and (keys[-1] in _LINK_KEYS or (
            keys[-1] == "value" and any(k in _LINK_KEYS for k in keys)))
        if _reaches_out(value, next(k for k in reversed(keys) if k in _LINK_KEYS) if link
                        else "", allowed):
            raise _error(value, path, block, places, module)
    for name, rows in _data_rows(spec):
        for row in rows:
            for field in link_fields.keys() & row.keys():
                value = row[field]
                if isinstance(value, str) and _reaches_out(value, "href", allowed):
                    raise _error(value, link_fields[field], block, places, module,
                                 f"the field '{field}' of {name}")


def _strings(node: Any, path: Path_,
             link_fields: dict[str, Path_]) -> Iterator[tuple[Path_, str]]:
    """Every string of the spec with its path, but text-only keys and data values; the
    fields that url and href channels read are added to link_fields, with the channel."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings(item, path + (index,), link_fields)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _TEXT_ONLY or (key == "values" and path[-1:] == ("data",)):
                continue
            if key in _LINK_KEYS and isinstance(value, dict):
                for name in _fields(value):
                    link_fields.setdefault(name, path + (key,))
            yield from _strings(value, path + (key,), link_fields)


def _fields(channel: Mapping[str, Any]) -> Iterator[str]:
    if isinstance(channel.get("field"), str):
        yield channel["field"]
    conditions = channel.get("condition")
    for condition in conditions if isinstance(conditions, list) else [conditions]:
        if isinstance(condition, dict):
            yield from _fields(condition)


def _data_rows(spec: Mapping[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    """The rows a spec's marks can read: named datasets and inline `values`, anywhere."""
    datasets = spec.get("datasets")
    if isinstance(datasets, dict):
        for name, rows in datasets.items():
            if isinstance(rows, list):
                yield f"the dataset '{name}'", [r for r in rows if isinstance(r, dict)]
    stack: list[Any] = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                yield "the chart's inline data", [r for r in data["values"] if isinstance(r, dict)]
            stack.extend(v for k, v in node.items() if k not in ("datasets", "data"))
        elif isinstance(node, list):
            stack.extend(node)


def _reaches_out(value: str, key: str, allowed: Sequence[str]) -> bool:
    """True when value, as the string under key, would fetch or link off the site."""
    if key in _LINK_KEYS:
        if value.startswith("data:") and key == "url":
            return False
        return bool(_SCHEME.match(value)) and not _allowed(value, allowed)
    return any(not _allowed(found.group(0), allowed) for found in _IN_TEXT.finditer(value))


def _allowed(url: str, allowed: Sequence[str]) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and (parts.hostname or "") in allowed


def _error(value: str, path: Path_, block: ChartBlock, places: Places | None,
           module: str | None, source: str | None = None) -> ChartError:
    shown = repr(value if len(value) <= 60 else value[:57] + "...")
    where = f" in {source}" if source else ""
    what = f"the spec of {module}" if module else "the chart"
    line = places.line(path) if places is not None else block.line
    return ChartError(
        f"{what} reaches another host or leaves the site: {shown}{where}; a page fetches "
        "and links nothing outside the site", block.page, line, None,
        "put the file in the site and give its path, or list the host in `allowed_hosts` "
        "in sitegen.toml",
    )
