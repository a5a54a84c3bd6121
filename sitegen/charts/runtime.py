"""The chart runtime a page with charts loads: the vega bundle, the embed script, the styles.

The bundle is a pure function of the vl-convert and Altair versions, so its name hashes them
and pages can name it before it is built; it is built once per version into the user-level
cache (sitegen.cache.UserCache), which every site, the dev server, CI and the tests share.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

from sitegen.charts.cache import ChartCache, package_version
from sitegen.output import content_hashed


def _asset(name: str) -> bytes:
    return (resources.files("sitegen.charts") / "assets" / name).read_bytes()


def bundle_name() -> str:
    """The bundle's cache name: it is a pure function of the vl-convert and Altair versions."""
    identity = f"{package_version('vl-convert-python')}|{package_version('altair')}"
    return f"runtime/vega-bundle-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.js"


def _bundle_site_path() -> str:
    return f"charts/{bundle_name().replace('runtime/vega-bundle-', 'vega.')}"


def runtime_files(cache: ChartCache | None = None) -> Mapping[str, bytes]:
    """Site path -> bytes of the chart runtime: vega bundle, embed script and stylesheet.

    Names carry a hash. The bundle's name hashes the versions that determine its bytes, so
    pages can name it without building it (that takes seconds; with a cache that has a user
    cache it is built once per version, for every site).
    """
    user = cache.user if cache is not None else None
    bundle = user.get(bundle_name(), _make_bundle) if user is not None else _make_bundle()
    script, style = _asset("charts.js"), _asset("charts.css")
    return MappingProxyType({
        _bundle_site_path(): bundle,
        content_hashed("charts/sitegen-charts.js", script): script,
        content_hashed("charts/sitegen-charts.css", style): style,
    })


def _make_bundle() -> bytes:
    from sitegen.charts.render import javascript_bundle, vegalite_version

    return javascript_bundle(vegalite_version()).encode()


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
