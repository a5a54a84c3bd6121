"""What a build is asked (`BuildOptions`) and what it gives back (`BuildResult`).

Kept apart from the Builder so that a caller (the command line, deploy) can name them
without importing the render machinery: a no-op `sitegen build` never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.errors import Problem

if TYPE_CHECKING:
    from sitegen.inputs import LoaderReport
    from sitegen.output import OutputDelta
    from sitegen.prose import Page


@dataclass(frozen=True)
class BuildOptions:
    """What the command line (or the server, or deploy) asks of a build."""

    base_url: str | None = None
    drafts: bool = False
    strict: bool | None = None
    refresh: bool = False  # rerun every data loader, cached or not
    run_timeout: float | None = None  # --run-timeout: sitegen.toml's run_timeout, overridden


@dataclass(frozen=True)
class BuildResult:
    """A finished build: the files, what each page read, and what was worth saying.

    changes, when known, names the only outputs that may differ from the files of this
    Builder's previous build (the dev server then compares just those); output is the
    folder build_site wrote. rendered counts the pages rendered anew (the others came from
    the render cache).
    """

    files: Mapping[str, bytes]
    pages: Sequence[Page]
    warnings: tuple[Problem, ...]
    inputs: Mapping[str, frozenset[str]]
    seconds: float
    rendered: int
    changes: OutputDelta | None = None
    output: Path | None = None  # the folder written, for builds that write one
    loaders: LoaderReport | None = None  # which data loaders ran, which came from the cache
    charts: int = 0             # charts on the pages
    charts_rendered: int = 0    # of which drawn anew (the rest came from the chart cache)
    phases: tuple[tuple[str, float], ...] = ()  # (load, render, search, write: seconds)
