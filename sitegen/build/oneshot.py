"""`sitegen build` once, to disk: nothing to do when nothing changed, else a Builder's build
swapped into the output folder.

The no-op check comes first and stays light: it reads the stamps of the inputs and of the
output and the last build's manifest, and imports neither the render machinery nor the
caches it would load, so a build with nothing to do costs little more than starting Python.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, overload

from sitegen.build.progress import Progress
from sitegen.build.result import BuildOptions, BuildResult
from sitegen.cache import stamps
from sitegen.config import SitePaths, load_config

if TYPE_CHECKING:
    from sitegen.prose import Page


def build_site(root: Path, out_dir: Path | None = None,
               options: BuildOptions = BuildOptions(),
               progress: Progress | None = None) -> BuildResult:
    """Build the site at root and swap it into out_dir (default: the config's output_dir).

    When every input and the output folder are as the last successful build left them, the
    build has nothing to do and returns at once (the files are then read from out_dir).
    progress, when given, is told of the work as it is done (a terminal shows it).
    """
    started = time.perf_counter()
    root = root.resolve()
    config = load_config(root)
    paths = config.paths
    target = config.output_folder(out_dir)
    manifest_file = stamps.manifest_file(paths.cache, target)
    inputs = _input_stamp(paths, options)
    manifest = stamps.load_manifest(manifest_file)
    if (manifest is not None and manifest.inputs == inputs and manifest.still_holds()
            and stamps.output_stamps(target) == manifest.outputs):
        count, pages, warnings, charts = manifest.summary
        return BuildResult(
            files=stamps.OutputFiles(target, manifest.outputs),
            pages=StoredPages(count, pages), warnings=warnings,
            inputs=MappingProxyType({}), seconds=time.perf_counter() - started, rendered=0,
            output=target, charts=charts,
        )
    progress = progress or Progress()
    result = _build_and_swap(root, target, options, progress)
    written = stamps.output_stamps(target)
    if written is not None:
        kept = tuple(replace(p, content="", toc=()) for p in result.pages)
        summary = (len(kept), pickle.dumps(kept, pickle.HIGHEST_PROTOCOL), result.warnings,
                   result.charts)
        loaders = result.loaders
        expires, outside = (loaders.expires, loaders.outside) if loaders else (None, ())
        watched = tuple((path, stamps.file_stamp(Path(path))) for path in outside)
        stamps.save_manifest(manifest_file,
                             stamps.Manifest(inputs, written, summary, expires, watched))
    return replace(result, seconds=time.perf_counter() - started, output=target,
                   phases=tuple(progress.phases))


def _build_and_swap(root: Path, target: Path, options: BuildOptions,
                    progress: Progress) -> BuildResult:
    """A Builder's build, written into target whole or not at all."""
    # Imported here, not above: a no-op build returns before it needs any of this.
    from sitegen.build.builder import Builder
    from sitegen.output import DiskWriter

    builder = Builder(root, options)
    # A cold build streams: the disk writes while the pages render. A warm one compares
    # at the end, so a small change rewrites and a no-op writes nothing.
    writer = DiskWriter(target, stream=builder.expects_full_render())
    try:
        writer.begin()
        result = builder.build(sink=writer.put if writer.stream else None, progress=progress)
    except BaseException:
        writer.abort()
        raise
    with progress.phase("write"):
        writer.commit(result.files)
    return result


class StoredPages(Sequence["Page"]):
    """The pages of the last build, as its manifest kept them: counted at once, unpickled
    (which imports the prose room) only when a caller looks at one."""

    def __init__(self, count: int, pickled: bytes) -> None:
        self._count = count
        self._pickled = pickled
        self._pages: tuple[Page, ...] | None = None

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | Sequence[Page]:
        return self._loaded()[index]

    def __iter__(self) -> Iterator[Page]:
        return iter(self._loaded())

    def _loaded(self) -> tuple[Page, ...]:
        if self._pages is None:
            self._pages = pickle.loads(self._pickled)  # written by this code: see stamps
        return self._pages


def _input_stamp(paths: SitePaths, options: BuildOptions) -> str:
    """Stamps of everything a build of the site can read, with the options and the versions
    of the libraries that shape the output."""
    from importlib.metadata import PackageNotFoundError, version

    versions: list[tuple[str, str | None]] = []
    for package in ("altair", "vl-convert-python", "jinja2", "markdown-it-py", "mdit-py-plugins",
                    "pygments", "pyyaml", "pagefind-bin"):
        try:
            versions.append((package, version(package)))
        except PackageNotFoundError:
            versions.append((package, None))
    settings = (options, os.environ.get("SOURCE_DATE_EPOCH"), versions)
    return stamps.input_stamp(list(paths.input_folders), [paths.config_file], settings)
