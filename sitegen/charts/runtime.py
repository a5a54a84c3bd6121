"""The chart runtime a page with charts loads: vega and vega-embed, the embed script, the styles.

Charts are compiled from Vega-Lite to Vega at build time, so the runtime is Vega itself and
vega-embed (with its tooltip handler and themes), without the Vega-Lite compiler: the two
builds published on npm, kept in `assets/vendor/` (its README names the versions), joined
into one content-hashed file that the embed script loads when a chart nears the viewport.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from sitegen.charts.cache import ChartCache
from sitegen.output import content_hashed

VENDOR = ("vega.min.js", "vega-embed.min.js")
"""The runtime's libraries in load order (vega-embed reads the `vega` global)."""


def _asset(name: str) -> bytes:
    return (resources.files("sitegen.charts") / "assets" / name).read_bytes()


@lru_cache(maxsize=1)
def runtime_bundle() -> bytes:
    """vega then vega-embed as one classic script (their source-map comments left out: the
    maps are not published, and a comment naming one would only ask for a missing file)."""
    parts = []
    for name in VENDOR:
        text = _asset(f"vendor/{name}").rstrip(b"\n")
        lines = text.split(b"\n")
        if lines[-1].startswith(b"//# sourceMappingURL="):
            lines = lines[:-1]
        parts.append(b"\n".join(lines))
    return b"\n;\n".join(parts) + b"\n"


def _bundle_site_path() -> str:
    return content_hashed("charts/vega.js", runtime_bundle())


def runtime_files(cache: ChartCache | None = None) -> Mapping[str, bytes]:
    """Site path -> bytes of the chart runtime: vega bundle, embed script and stylesheet, each
    under a content-hashed name. (`cache` is accepted for callers that have one; the runtime
    ships inside sitegen, so nothing needs making.)"""
    script, style = _asset("charts.js"), _asset("charts.css")
    return MappingProxyType({
        _bundle_site_path(): runtime_bundle(),
        content_hashed("charts/sitegen-charts.js", script): script,
        content_hashed("charts/sitegen-charts.css", style): style,
    })


def head_html(root_prefix: str) -> str:
    """The tags a page with charts puts in <head>: the stylesheet and the deferred embed script.

    The embed script loads the vega bundle itself, once a chart nears the viewport.
    """
    script, style = _asset("charts.js"), _asset("charts.css")
    css = html.escape(root_prefix + content_hashed("charts/sitegen-charts.css", style))
    js = html.escape(root_prefix + content_hashed("charts/sitegen-charts.js", script))
    bundle = html.escape(root_prefix + _bundle_site_path())
    return (f'<link rel="stylesheet" href="{css}">\n'
            f'<script defer src="{js}" data-vega-bundle="{bundle}"></script>')
