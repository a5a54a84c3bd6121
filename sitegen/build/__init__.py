"""The build: load every input into a Site, render it to `{path: bytes}`, hand it to a writer.

`build_site` and the option and result types import light; the Builder and the figure check
(which bring the whole render machinery: Markdown, Jinja, Pygments, the chart pipeline) are
imported on first use, so a no-op `sitegen build` never pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sitegen.build.oneshot import build_site
from sitegen.build.progress import Progress, TerminalLine
from sitegen.build.result import BuildOptions, BuildResult

if TYPE_CHECKING:
    from sitegen.build.builder import Builder
    from sitegen.build.handtyped import FigureCheck, check_site

__all__ = ["BuildOptions", "BuildResult", "Builder", "FigureCheck", "Progress", "TerminalLine",
           "build_site", "check_site"]


def __getattr__(name: str) -> Any:
    """The heavy part of the face, imported when first asked for (PEP 562)."""
    if name == "Builder":
        from sitegen.build.builder import Builder
        return Builder
    if name in ("FigureCheck", "check_site"):
        from sitegen.build import handtyped
        return getattr(handtyped, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
