"""The build: load every input, render the site to `{path: bytes}`, hand it to a writer.

Loading reads and parses (cached by content hash); rendering is pure; only the writer touches the
output. A `Builder` keeps its caches between builds, so the dev server and a second
`sitegen build` redo only what changed, and it records which inputs each output read.
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
from sitegen.content import ContentFiles, SourcePage, discover, read_page
from sitegen.data import Dataset, load_datasets
from sitegen.errors import Problem, ProblemCollector, SitegenError
from sitegen.links import LinkTarget, link_target
from sitegen.markdown import ParsedMarkdown, parse_markdown
from sitegen.feeds import FeedEntry, atom_feed, newest_first, sitemap_xml
from sitegen.output import OutputSet
from sitegen.pagecache import PageCache
from sitegen.rendercache import RenderCache, fingerprint, tree_fingerprint
from sitegen.render import Page, SiteView, Templates
from sitegen.render import root_prefix, theme_root
from sitegen.resolve import SiteIndex, content_path, resolve_page
from sitegen.static import check_inside, hashed_name, static_files
from sitegen.values import resolve_in_text

@dataclass(frozen=True)
class BuildOptions:
    """What the command line (or the server, or deploy) asks of a build."""

    base_url: str | None = None
    drafts: bool = False
    strict: bool | None = None


@dataclass(frozen=True)
class LoadedPage:
    """A page read and parsed: the cacheable half of its work."""

    source: SourcePage
    parsed: ParsedMarkdown


@dataclass(frozen=True)
class BuildResult:
    """A finished build: the files, what each page read, and what was worth saying."""

    files: Mapping[str, bytes]
    pages: tuple[Page, ...]
    warnings: tuple[Problem, ...]
    inputs: Mapping[str, frozenset[str]]
    seconds: float
    rendered: int


@dataclass
class _Loaded:
    config: Config
    pages: list[LoadedPage] = field(default_factory=list)
    assets: dict[str, Path] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Finished:
    """A page with its placeholders resolved, and the key it was resolved under."""

    key: tuple[str, str, str, tuple[str, ...]]
    page: Page
    read: frozenset[str]
    fingerprint: str


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
        self._finished: dict[str, _Finished] = {}
        self._targets: dict[tuple[str, str], LinkTarget] = {}
        self._templates: tuple[str, Templates] | None = None
        self._files: tuple[Config, ContentFiles, frozenset[str]] | None = None
        self._render_keys: dict[tuple[str, str, str], str] = {}
        self._memos: dict[str, tuple[tuple[Any, ...], Any]] = {}

    def build(self, sink: Callable[[str, bytes], None] | None = None,
              changed: Collection[str] | None = None) -> BuildResult:
        """Build the whole site; raises SitegenError with every problem found.

        sink, when given, is handed each output as soon as it exists (a streaming writer);
        the result still holds every file. changed, when given, lists every site-relative
        path that changed since this Builder's last build (the server's watcher knows): a
        build that only modified existing files then skips the walk and the stat of the
        rest. When unsure, pass None: everything is checked.
        """
        started = time.perf_counter()
        problems = ProblemCollector()
        loaded = self._load(problems, changed)
        result = self._render(loaded, problems, sink)
        self.render_cache.end_build()
        problems.raise_if_any(strict=bool(loaded.config.strict))
        if self.persist_caches:
            self.save_caches()
        return replace(result, seconds=time.perf_counter() - started)

    def save_caches(self) -> None:
        """Write the parse and render caches (a failed write only costs speed next time)."""
        self.page_cache.save()
        self.render_cache.save()

    # ------------------------------------------------------------------ load

    def _load(self, problems: ProblemCollector, changed: Collection[str] | None) -> _Loaded:
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
            files.pages, self.root, config.typographer, _read_and_parse, unchanged,
        ):
            if isinstance(parsed_or_error, SitegenError):
                problems.add(parsed_or_error)
                loaded.broken.add(source_page.relative_to(config.content_dir).as_posix())
                continue
            page = parsed_or_error
            if page.source.draft and not self.options.drafts:
                continue
            loaded.pages.append(page)
        return loaded

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
        changed_set = frozenset(changed)
        return lambda relative: relative not in changed_set

    # ------------------------------------------------------------------ render

    def expects_full_render(self) -> bool:
        """True when nothing rendered is cached: every page will be rendered anew."""
        return not self.render_cache.entries

    def _render(
        self, loaded: _Loaded, problems: ProblemCollector,
        sink: Callable[[str, bytes], None] | None,
    ) -> BuildResult:
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

        finished = self._finish_all(loaded, charts, problems)
        nav = tuple(sorted((f.page for f in finished),
                           key=lambda p: (p.url != "", p.weight, p.title.lower(), p.url)))
        fingerprints = {f.page.source: f.fingerprint for f in finished}
        build_date = _build_date()
        view = SiteView(config, nav, MappingProxyType(loaded.datasets), asset_names, build_date)
        templates = self._templates_for(config)
        site_key = self._hash("render", (
            self._templates[0] if self._templates else "", config, asset_names, build_date,
            sorted((name, d.digest) for name, d in loaded.datasets.items()),
            [(p.source, p.title, p.url, p.date, p.description, p.weight, p.extra) for p in nav],
        ))
        rendered = 0
        render_keys: dict[tuple[str, str, str], str] = {}
        for page in nav:
            head = self._head_extra(page, charts)
            inputs = (site_key, fingerprints[page.source], head)
            key = self._render_keys.get(inputs) or fingerprint(*inputs)
            render_keys[inputs] = key
            html_bytes = self.render_cache.get(page.output_path, key)
            if html_bytes is None:
                try:
                    html = templates.render(page.template, view.context(page, head), page.source)
                except SitegenError as error:
                    problems.add(error)
                    continue
                html_bytes = html.encode("utf-8")
                self.render_cache.put(page.output_path, key, html_bytes)
                rendered += 1
            outputs.add(page.output_path, html_bytes, page.source)
            if page.social_image:
                chart = charts[(page.source, int(page.extra.get("social_chart", 1)) - 1)]
                outputs.add(page.social_image, chart.png(), page.source)
        self._render_keys = render_keys  # the next build looks its keys up, not hashes them
        self._special_pages(view, templates, outputs, problems, site_key)
        problems.problems.extend(outputs.problems)
        return BuildResult(
            files=MappingProxyType(outputs.files), pages=nav,
            warnings=tuple(problems.warnings),
            inputs=MappingProxyType({f.page.output_path: f.read for f in finished}),
            seconds=0.0, rendered=rendered,
        )

    def _hash(self, name: str, value: tuple[Any, ...]) -> str:
        """fingerprint(*value), reused while value equals last build's (comparing is cheaper)."""
        return self._memo(name, value, lambda: fingerprint(*value))

    def _memo(self, name: str, value: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """compute(), reused while value (all that compute reads) equals last build's."""
        last = self._memos.get(name)
        if last is not None and last[0] == value:
            return last[1]
        result = compute()
        self._memos[name] = (value, result)
        return result

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
    ) -> list[_Finished]:
        """Every page resolved, reusing last build's result when nothing it reads changed."""
        targets = {content_path(p.source.source): self._target(p) for p in loaded.pages}
        link_targets = [(path, target.url, target.signature)
                        for path, target in sorted(targets.items())]
        site_key = self._hash("resolve", (
            loaded.config, link_targets, sorted(loaded.assets), sorted(loaded.broken),
            sorted((name, d.digest) for name, d in loaded.datasets.items()),
        ))
        index = SiteIndex(loaded.datasets, targets, frozenset(loaded.assets),
                          frozenset(loaded.broken))
        finished: list[_Finished] = []
        fresh: dict[str, _Finished] = {}
        for page in loaded.pages:
            page_charts = [charts.get((page.source.source, i))
                           for i in range(len(page.parsed.fences))]
            prefix = root_prefix(page.source.url)
            figures = [c.figure_html(prefix) if c is not None else "" for c in page_charts]
            key = (site_key, page.source.source, page.source.digest, tuple(figures))
            done = self._finished.get(page.source.source)
            if done is None or done.key != key:
                chart_inputs = [c.inputs if c is not None else None for c in page_charts]
                try:
                    finished_page, read = resolve_page(page.source, page.parsed, index,
                                                       figures, chart_inputs)
                except SitegenError as error:
                    problems.add(error)
                    continue
                # The page is a function of its key (and of the code, which every hash covers).
                done = _Finished(key, finished_page, read, fingerprint(key))
            fresh[page.source.source] = done
            finished.append(done)
        self._finished = fresh
        return finished

    def _target(self, page: LoadedPage) -> LinkTarget:
        key = (page.source.source, page.source.digest)
        target = self._targets.get(key)
        if target is None:
            parsed = page.parsed
            target = link_target(page.source.source, page.source.url, parsed.element_ids,
                                 parsed.heading_ids, len(parsed.fences))
            self._targets[key] = target
        return target

    def _head_extra(self, page: Page, charts: Mapping[tuple[str, int], Any]) -> str:
        parts = []
        if page.has_charts and charts:
            from sitegen import charts as chart_room

            parts.append(chart_room.head_html(root_prefix(page.url)))
        return "\n".join(parts)

    def _special_pages(
        self, view: SiteView, templates: Templates, outputs: OutputSet,
        problems: ProblemCollector, site_key: str,
    ) -> None:
        config = view.config
        listed = tuple(FeedEntry(p.title, p.url, p.date, "", "") for p in view.pages)
        outputs.add("sitemap.xml", self._memo(
            "sitemap", (config.base_url, listed),
            lambda: sitemap_xml(config.base_url, listed)), "(sitemap)")
        entries = tuple(FeedEntry(p.title, p.url, p.date, p.description, p.content)
                        for p in newest_first(view.pages, config.feed_limit))
        outputs.add("feed.xml", self._memo(
            "feed", (config.title, config.base_url, config.author, config.feed_limit, entries),
            lambda: atom_feed(config.title, config.base_url, config.author, entries,
                              config.feed_limit)), "(feed)")
        try:
            missing_page = self._memo("404", (site_key,), lambda: _render_404(view, templates))
        except SitegenError as error:  # not remembered: the next build tries again
            problems.add(error)
            return
        if missing_page is not None:
            outputs.add("404.html", missing_page, "templates/404.html")


def _render_404(view: SiteView, templates: Templates) -> bytes | None:
    """404.html from the template of that name, if the site or the theme has one."""
    if not templates.exists("404.html"):
        return None
    missing = Page(
        source="templates/404.html", url="404.html", output_path="404.html",
        title="Page not found", description="", date=None, template="404.html",
        weight=0, content="", toc=(), has_charts=False, social_image=None,
    )
    return templates.render("404.html", view.context(missing, ""), "404.html").encode("utf-8")


def build_site(root: Path, out_dir: Path | None = None,
               options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build the site at root and swap it into out_dir (default: the config's output_dir).

    When every input and the output folder are as the last successful build left them, the
    build has nothing to do and returns at once (the files are then read from out_dir).
    """
    from sitegen import stamps
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

    from sitegen import stamps

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

def _read_and_parse(path: Path, root: Path, typographer: bool) -> LoadedPage:
    source = read_page(path, root)
    try:
        parsed = parse_markdown(source.body, typographer)
    except SitegenError as error:
        raise error.placed(source.source, source.body_line - 1) from None
    # The body is parsed: keeping it would double what crosses processes and sits in the cache.
    return LoadedPage(replace(source, body=""), parsed)


def _build_date() -> dt.datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch or not epoch.strip().isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
