"""The build: load every input, render the site to `{path: bytes}`, hand it to a writer.

Loading reads and parses (cached by content hash); rendering is pure; only the writer touches the
output. A `Builder` keeps its caches between builds, so the dev server and a second
`sitegen build` redo only what changed, and it records which inputs each output read. Each
page's steps and their memory are in `pagework`; redoing only pages edited in place is `delta`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sitegen.config import Config, load_config
from sitegen.inputs.content import ContentFiles, discover
from sitegen.inputs.data import Dataset, load_datasets
from sitegen.build.delta import OutputDelta, Snapshot, edited_pages, rebuild_edited
from sitegen.errors import Problem, ProblemCollector, SitegenError
from sitegen.build.feeds import FeedEntry, newest_first, sitemap_xml
from sitegen.output import OutputSet
from sitegen.cache.pages import PageCache
from sitegen.build.pages import MISSING_PAGE, FinishedPage, LoadedPage, PageWork, head_extra
from sitegen.build.pages import read_and_parse
from sitegen.build.pageview import site_fields
from sitegen.build.templates import Page, SiteView, Templates, theme_root
from sitegen.cache.renders import RenderCache, fingerprint, tree_fingerprint
from sitegen.prose.resolve import SiteIndex, content_path
from sitegen.build.static import check_inside, hashed_name, static_files
from sitegen.prose.values import resolve_in_text


@dataclass(frozen=True)
class BuildOptions:
    """What the command line (or the server, or deploy) asks of a build."""

    base_url: str | None = None
    drafts: bool = False
    strict: bool | None = None


@dataclass(frozen=True)
class BuildResult:
    """A finished build: the files, what each page read, and what was worth saying.

    changes, when known, names the only outputs that may differ from the files of this
    Builder's previous build (the dev server then compares just those).
    """

    files: Mapping[str, bytes]
    pages: tuple[Page, ...]
    warnings: tuple[Problem, ...]
    inputs: Mapping[str, frozenset[str]]
    seconds: float
    rendered: int
    changes: OutputDelta | None = None


@dataclass
class _Loaded:
    config: Config
    pages: list[LoadedPage] = field(default_factory=list)
    assets: dict[str, Path] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)


class Builder:
    """Builds one site again and again, reusing what has not changed.

    Parsed pages and rendered HTML are cached on disk (so a second `sitegen build` is cheap);
    resolved pages, link targets and compiled templates are kept in memory (so the dev server's
    rebuild after one edit touches one page). persist_caches=False leaves the disk alone until
    save_caches() is called (the server saves when it stops).
    """

    def __init__(self, root: Path, options: BuildOptions = BuildOptions(),
                 persist_caches: bool = True) -> None:
        self.root = root.resolve()
        self.options = options
        self.persist_caches = persist_caches
        self.page_cache = PageCache(self.root / ".sitegen-cache" / "pages.pickle")
        self.render_cache = RenderCache(self.root / ".sitegen-cache" / "rendered.pickle")
        self.work = PageWork(self.render_cache)
        self._templates: tuple[str, Templates] | None = None
        self._files: tuple[Config, ContentFiles, frozenset[str]] | None = None
        self._last: Snapshot | None = None
        self._parsed_aside: set[str] = set()  # parsed by delta: page_cache has not seen them

    def build(self, sink: Callable[[str, bytes], None] | None = None,
              changed: Collection[str] | None = None) -> BuildResult:
        """Build the whole site; raises SitegenError with every problem found.

        sink, when given, is handed each output as soon as it exists (a streaming writer);
        the result still holds every file. changed, when given, lists every site-relative
        path that changed since this Builder's last build (the server's watcher knows): pages
        edited in place are then redone alone (`delta`), and other changes skip the walk and
        the stat of the rest. When unsure, pass None: everything is checked.
        """
        started = time.perf_counter()
        last, self._last = self._last, None  # a failed build leaves nothing to start from
        quick = None
        if changed is not None and last is not None and sink is None:
            quick = self._rebuild_edited(last, changed)
        if quick is not None:
            result, snapshot = quick
        else:
            problems = ProblemCollector()
            loaded = self._load(problems, changed)
            result, snapshot = self._render(loaded, problems, sink)
            self.work.end_build()
            problems.raise_if_any(strict=bool(loaded.config.strict))
        self._last = snapshot
        if self.persist_caches:
            self.save_caches()
        return replace(result, seconds=time.perf_counter() - started)

    def warm_up(self) -> None:
        """Parse again, in this process, a page for each code language the site highlights.

        A cold build parses in worker processes and a warm one reads the parse cache, so
        this process has not loaded a highlighter yet: the dev server's first edits would
        each pay 10-30 ms for one. Runs on the last good build's pages; errors are ignored.
        """
        last = self._last
        if last is None:
            return
        seen: set[str] = set()
        for source, page in last.loaded.items():
            languages = page.parsed.languages
            if seen and languages <= seen:
                continue
            seen.update(languages or ("",))
            try:
                read_and_parse(self.root / source, self.root, last.config.typographer)
            except (SitegenError, OSError):
                continue

    def save_caches(self) -> None:
        """Write the parse and render caches (a failed write only costs speed next time).

        Pages that `delta` parsed are not in the parse cache; their stamps no longer match
        it, so the next build parses them again.
        """
        self.page_cache.save()
        self.render_cache.save()

    # ------------------------------------------------------------------ load

    def _load(self, problems: ProblemCollector, changed: Collection[str] | None) -> _Loaded:
        config = self._config()
        loaded = _Loaded(config)
        unchanged = self._vouched_unchanged(changed, config)
        if unchanged is not None and self._files is not None:
            files = self._files[1]
        else:
            files = discover(config.content_dir)
            self._files = (config, files, frozenset(
                path.relative_to(self.root).as_posix() for path in (*files.pages, *files.assets)))
        for path in files.assets:
            try:
                check_inside(path, self.root)
            except SitegenError as error:
                problems.add(error)
                continue
            loaded.assets[path.relative_to(config.content_dir).as_posix()] = path
        datasets, data_problems = load_datasets(config.data_dir, self.root)
        loaded.datasets = datasets
        problems.problems.extend(data_problems)
        loaded.broken.update(f"data:{Path(p.path).stem}" for p in data_problems if p.path)
        for source_page, parsed_or_error in self.page_cache.load_pages(
            files.pages, self.root, config.typographer, read_and_parse, unchanged,
        ):
            if isinstance(parsed_or_error, SitegenError):
                problems.add(parsed_or_error)
                loaded.broken.add(source_page.relative_to(config.content_dir).as_posix())
                continue
            page = parsed_or_error
            if page.source.draft and not self.options.drafts:
                continue
            loaded.pages.append(page)
        self._parsed_aside.clear()  # the page cache has looked at every one of them again
        return loaded

    def _config(self) -> Config:
        config = load_config(self.root).with_overrides(
            base_url=self.options.base_url, strict=self.options.strict,
        )
        if not config.content_dir.is_dir():
            raise SitegenError(
                f"no content/ folder in {self.root}: this is not a sitegen site",
                "content", None, None,
                "run sitegen from the site's folder (or pass --root DIR), "
                "or create a site with: sitegen new DIR",
            )
        return config

    def _vouched_unchanged(
        self, changed: Collection[str] | None, config: Config
    ) -> Callable[[str], bool] | None:
        """A test for 'this source did not change', when the changes are only edits in place."""
        if changed is None or self._files is None or self._files[0] != config:
            return None
        known = self._files[2]
        for path in changed:
            if not path.startswith("content/") or path.startswith(("content/data/",
                                                                   "content/charts/")):
                continue  # read again by every build anyway
            if path not in known or not (self.root / path).is_file():
                return None  # created, deleted, renamed or a folder: walk again
        changed_set = frozenset(changed) | frozenset(self._parsed_aside)
        return lambda relative: relative not in changed_set

    # ------------------------------------------------------------------ render

    def expects_full_render(self) -> bool:
        """True when nothing rendered is cached: every page will be rendered anew."""
        return not self.render_cache.entries

    def _render(
        self, loaded: _Loaded, problems: ProblemCollector,
        sink: Callable[[str, bytes], None] | None,
    ) -> tuple[BuildResult, Snapshot]:
        config = loaded.config
        outputs = OutputSet(sink)
        charts, chart_files, chart_warnings = self._charts(loaded, problems)
        for problem in chart_warnings:
            problems.warn(problem)

        static = static_files(config.root, problems)
        asset_names = {rel: hashed_name(rel, data) for rel, (data, _) in static.items()}
        for rel, (data, source) in static.items():
            outputs.add(asset_names[rel], data, source)
        for rel, path in loaded.assets.items():
            outputs.add(rel, path.read_bytes(), f"content/{rel}")
        if charts:
            from sitegen import charts as chart_room

            runtime = chart_room.runtime_files(chart_room.ChartCache(config.cache_dir))
            for path, data in runtime.items():
                outputs.add(path, data, "(chart runtime)")
        for path, (data, source) in chart_files.items():
            outputs.add(path, data, source)

        finished, index, resolve_key = self._finish_all(loaded, charts, problems)
        nav = tuple(sorted((f.page for f in finished),
                           key=lambda p: (p.url != "", p.weight, p.title.lower(), p.url)))
        fingerprints = {f.page.source: f.fingerprint for f in finished}
        build_date = _build_date()
        view = SiteView(config, nav, MappingProxyType(loaded.datasets), asset_names, build_date)
        templates = self._templates_for(config)
        templates_key = self._templates[0] if self._templates else ""
        site_key = self.work.hash("render", (
            templates_key, config, asset_names, build_date,
            sorted((name, d.digest) for name, d in loaded.datasets.items()),
            [site_fields(p) for p in nav],
        ))
        reads: dict[str, tuple[str, ...]] = {}
        rendered = 0
        for page in nav:
            head = head_extra(page, charts)
            try:
                data, read, fresh = self.work.render(page, view, templates, site_key,
                                                     fingerprints, head)
            except SitegenError as error:
                problems.add(error)
                continue
            rendered += fresh
            if read:
                reads[page.source] = tuple(source for source, _ in read)
            outputs.add(page.output_path, data, page.source)
            if page.social_image:
                chart = charts[(page.source, int(page.extra.get("social_chart", 1)) - 1)]
                outputs.add(page.social_image, chart.png(), page.source)
        feed = self._special_pages(view, templates, outputs, problems, site_key, fingerprints,
                                   reads)
        problems.problems.extend(outputs.problems)
        inputs = {f.page.output_path: f.read for f in finished}
        result = BuildResult(
            files=MappingProxyType(outputs.files), pages=nav, warnings=tuple(problems.warnings),
            inputs=MappingProxyType(inputs), seconds=0.0, rendered=rendered,
        )
        snapshot = Snapshot(
            config=config, build_date=build_date, templates_key=templates_key, static=static,
            loaded={p.source.source: p for p in loaded.pages}, index=index,
            resolve_key=resolve_key, charts=charts, view=view, site_key=site_key,
            fingerprints=fingerprints, files=outputs.files, result_files=result.files,
            inputs=inputs, feed=feed, warnings=result.warnings,
        )
        for reader, sources in reads.items():
            snapshot.note_reads(reader, sources)
        return result, snapshot

    def _templates_for(self, config: Config) -> Templates:
        """One Jinja environment while the templates and settings stay the same."""
        folders = [config.root / "templates", theme_root() / "templates"]
        key = fingerprint(tree_fingerprint(folders), config)
        if self._templates is None or self._templates[0] != key:
            self._templates = (key, Templates(config))
        return self._templates[1]

    def _charts(
        self, loaded: _Loaded, problems: ProblemCollector
    ) -> tuple[dict[tuple[str, int], Any], dict[str, tuple[bytes, str]], list[Problem]]:
        blocks = [
            (page, index, fence)
            for page in loaded.pages
            for index, fence in enumerate(page.parsed.fences)
        ]
        if not blocks:
            return {}, {}, []
        from sitegen import charts as chart_room

        chart_blocks = []
        for page, index, fence in blocks:
            line = fence.line + page.source.body_line - 1
            try:
                text = resolve_in_text(fence.text, loaded.datasets)
            except SitegenError as error:
                problems.problems.extend(
                    replace(p, path=page.source.source, line=line + (p.line or 1))
                    for p in error.problems)
                continue
            chart_blocks.append(chart_room.ChartBlock(page.source.source, index, text, line))
        cache = chart_room.ChartCache(loaded.config.cache_dir)
        results, chart_problems = chart_room.render_all(
            chart_blocks, loaded.datasets, loaded.config, cache,
        )
        files: dict[str, tuple[bytes, str]] = {}
        for (page, _), chart in results.items():
            for path, data in chart.files.items():
                files[path] = (data, page)
        errors = [p for p in chart_problems if p.severity != "warning"]
        problems.problems.extend(errors)
        return dict(results), files, [p for p in chart_problems if p.severity == "warning"]

    def _finish_all(
        self, loaded: _Loaded, charts: Mapping[tuple[str, int], Any],
        problems: ProblemCollector,
    ) -> tuple[list[FinishedPage], SiteIndex, str]:
        """Every page resolved, reusing last build's result when nothing it reads changed."""
        targets = {content_path(p.source.source): self.work.target(p) for p in loaded.pages}
        link_targets = [(path, target.url, target.signature)
                        for path, target in sorted(targets.items())]
        site_key = self.work.hash("resolve", (
            loaded.config, link_targets, sorted(loaded.assets), sorted(loaded.broken),
            sorted((name, d.digest) for name, d in loaded.datasets.items()),
        ))
        index = SiteIndex(loaded.datasets, targets, frozenset(loaded.assets),
                          frozenset(loaded.broken))
        finished: list[FinishedPage] = []
        fresh: dict[str, FinishedPage] = {}
        for page in loaded.pages:
            try:
                done = self.work.finish(page, index, site_key, charts)
            except SitegenError as error:
                problems.add(error)
                continue
            fresh[page.source.source] = done
            finished.append(done)
        self.work.finished = fresh
        return finished, index, site_key

    def _special_pages(
        self, view: SiteView, templates: Templates, outputs: OutputSet,
        problems: ProblemCollector, site_key: str, fingerprints: Mapping[str, str],
        reads: dict[str, tuple[str, ...]],
    ) -> tuple[str, ...]:
        """sitemap.xml, feed.xml and 404.html; returns the sources of the pages in the feed."""
        config = view.config
        listed = tuple(FeedEntry(p.title, p.url, p.date, "", "") for p in view.pages)
        outputs.add("sitemap.xml", self.work.memo(
            "sitemap", (config.base_url, listed),
            lambda: sitemap_xml(config.base_url, listed)), "(sitemap)")
        in_feed = newest_first(view.pages, config.feed_limit)
        outputs.add("feed.xml", self.work.feed(config, in_feed), "(feed)")
        try:
            data, read = self.work.missing_page(view, templates, site_key, fingerprints)
        except SitegenError as error:
            problems.add(error)
        else:
            if data is not None:
                outputs.add("404.html", data, MISSING_PAGE)
            if read:
                reads[MISSING_PAGE] = tuple(source for source, _ in read)
        return tuple(p.source for p in in_feed)

    # ------------------------------------------------------------------ pages edited in place

    def _rebuild_edited(self, last: Snapshot,
                        changed: Collection[str]) -> tuple[BuildResult, Snapshot] | None:
        """Redo only the edited pages and the renders that read them; None when unsure."""
        edited = edited_pages(changed, last)
        if edited is None or any(w.path in edited for w in last.warnings):
            return None
        try:
            config = self._config()
        except SitegenError:
            return None
        templates = self._templates_for(config)
        static_problems = ProblemCollector()
        static = static_files(config.root, static_problems)
        templates_key = self._templates[0] if self._templates else ""
        if (static_problems.problems
                or not last.same_site(config, _build_date(), templates_key, static)):
            return None
        self._parsed_aside.update(edited)
        done = rebuild_edited(self.work, last, edited, self.root, templates)
        if done is None:
            return None
        result = BuildResult(
            files=MappingProxyType(done.files), pages=tuple(done.view.pages),
            warnings=last.warnings, inputs=MappingProxyType(done.inputs), seconds=0.0,
            rendered=done.rendered, changes=OutputDelta(last.result_files, done.touched),
        )
        last.view, last.files, last.inputs = done.view, done.files, done.inputs
        last.result_files = result.files
        return result, last


def build_site(root: Path, out_dir: Path | None = None,
               options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build the site at root and swap it into out_dir (default: the config's output_dir).

    When every input and the output folder are as the last successful build left them, the
    build has nothing to do and returns at once (the files are then read from out_dir).
    """
    from sitegen.cache import stamps
    from sitegen.output import DiskWriter

    started = time.perf_counter()
    builder = Builder(root, options)
    target = (out_dir or (builder.root / load_config(builder.root).output_dir)).resolve()
    manifest_file = stamps.manifest_file(builder.root / ".sitegen-cache", target)
    inputs = _input_stamp(builder.root, options)
    manifest = stamps.load_manifest(manifest_file)
    if (manifest is not None and manifest.inputs == inputs
            and stamps.output_stamps(target) == manifest.outputs):
        pages, warnings = manifest.summary
        return BuildResult(
            files=stamps.OutputFiles(target, manifest.outputs), pages=pages, warnings=warnings,
            inputs=MappingProxyType({}), seconds=time.perf_counter() - started, rendered=0,
        )
    writer = DiskWriter(target)
    if not builder.expects_full_render():
        result = builder.build()
        writer.write(result.files)  # compares first: a small change rewrites, a no-op does not
    else:
        staged = writer.stage()  # a cold build: the disk writes while the pages render
        try:
            staged.open()
            result = builder.build(sink=staged.put)
        except BaseException:
            staged.abort()
            raise
        staged.commit(result.files)
    written = stamps.output_stamps(target)
    if written is not None:
        summary = (tuple(replace(p, content="", toc=()) for p in result.pages), result.warnings)
        stamps.save_manifest(manifest_file, stamps.Manifest(inputs, written, summary))
    return replace(result, seconds=time.perf_counter() - started)


def _input_stamp(root: Path, options: BuildOptions) -> str:
    """Stamps of everything a build of root can read, with the options and library versions."""
    from importlib.metadata import PackageNotFoundError, version

    from sitegen.cache import stamps

    versions = []
    for package in ("altair", "vl-convert-python", "jinja2", "markdown-it-py", "mdit-py-plugins",
                    "pygments", "pyyaml"):
        try:
            versions.append((package, version(package)))
        except PackageNotFoundError:
            versions.append((package, None))
    theme = theme_root()
    folders = [root / "content", root / "templates", root / "static",
               theme / "templates", theme / "static"]
    settings = (options, os.environ.get("SOURCE_DATE_EPOCH"), versions)
    return stamps.input_stamp(folders, [root / "sitegen.toml"], settings)


# ---------------------------------------------------------------------- helpers of the build

def _build_date() -> dt.datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.strip().isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
