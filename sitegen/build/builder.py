"""The Builder: load a Site, render it, and keep what the next build can reuse.

A build is load (`site`: every input read, parsed and drawn into a frozen Site), render
(`render`: the Site to `{path: bytes}`, touching no file) and write (`sitegen.output`: only
writers touch the output). A `Builder` owns every memory kept between builds (the page and
render caches, each page step's last results, the last build's Snapshot), so the dev server
and a second `sitegen build` redo only what changed. When told exactly which paths changed,
pages edited in place are redone alone (`delta`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import replace
from functools import partial
from pathlib import Path

from sitegen.build.delta import Snapshot, edited_pages, rebuild_edited
from sitegen.build.pages import PageWork, parse_page
from sitegen.build.progress import Progress
from sitegen.build.render import Sink, render_site
from sitegen.build.result import BuildOptions, BuildResult
from sitegen.build.site import build_date, load_site
from sitegen.build.templates import Templates
from sitegen.cache import PageCache, RenderCache
from sitegen.config import Config, load_config
from sitegen.errors import InputError, ProblemCollector, SitegenError
from sitegen.inputs import (
    ContentFiles,
    TemplateSet,
    discover,
    read_templates,
    static_files,
)
from sitegen.output import OutputDelta
from sitegen.prose import Page


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
        cache = Config(self.root).paths.cache
        self.page_cache = PageCache(cache / "pages.pickle")
        self.render_cache = RenderCache(cache / "rendered.pickle")
        self.work = PageWork(self.render_cache)
        self._templates: tuple[str, Templates] | None = None
        self._files: tuple[Config, ContentFiles, frozenset[str]] | None = None
        self._last: Snapshot | None = None
        self._refresh = options.refresh  # --refresh reruns the loaders of the first build

    def build(self, sink: Sink | None = None, changed: Collection[str] | None = None,
              progress: Progress | None = None) -> BuildResult:
        """Build the whole site; raises BuildFailed with every problem found.

        sink, when given, is handed each output as soon as it exists (a streaming writer);
        the result still holds every file. changed, when given, lists every site-relative
        path that changed since this Builder's last build (the server's watcher knows): pages
        edited in place are then redone alone (`delta`), and other changes skip the walk and
        the stat of the rest. When unsure, pass None: everything is checked. progress, when
        given, is told of the work as it is done (a terminal shows it).
        """
        started = time.perf_counter()
        progress = progress or Progress()
        last, self._last = self._last, None  # a failed build leaves nothing to start from
        result = None
        if changed is not None and last is not None and sink is None:
            with progress.phase("render"):
                result = self._rebuild_edited(last, changed)
        if result is None:
            progress.phases.clear()
            result = self._full_build(changed, sink, progress)
        if self.persist_caches:
            with progress.phase("save caches"):
                self.save_caches()
        return replace(result, seconds=time.perf_counter() - started,
                       charts_rendered=progress.counts.get("charts rendered", 0),
                       phases=tuple(progress.phases))

    def _full_build(self, changed: Collection[str] | None, sink: Sink | None,
                    progress: Progress) -> BuildResult:
        problems = ProblemCollector()
        with progress.phase("load"):
            config = self._config()
            unchanged = self._vouched_unchanged(changed, config)
            site = load_site(config, self._discover(config, unchanged is not None, problems),
                             self.page_cache, unchanged, self.options.drafts, problems,
                             self._refresh, progress.tick)
            self._refresh = False
        with progress.phase("render"):
            rendered = render_site(site, self.work,
                                   self._templates_for(site.templates, config), problems,
                                   sink, progress)
        self.work.end_build()
        problems.raise_if_any(strict=bool(config.strict))
        self._last = rendered.snapshot
        return replace(_result(rendered.snapshot, rendered.pages, rendered.rendered, None),
                       loaders=site.loaders)

    def warm_up(self) -> None:
        """Parse again, in this process, a page for each code language the site highlights.

        A cold build parses in worker processes and a warm one reads the parse cache, so
        this process has not loaded a highlighter yet: the dev server's first edits would
        each pay for one. Runs on the last good build's pages; errors are ignored.
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
                parse_page(self.root / source, (self.root / source).read_bytes(),
                           paths=last.config.paths, typographer=last.config.typographer)
            except (SitegenError, OSError):
                continue

    def save_caches(self) -> None:
        """Write the parse and render caches (a failed write only costs speed next time)."""
        self.page_cache.save()
        self.render_cache.save()

    def expects_full_render(self) -> bool:
        """True when nothing rendered is cached: every page will be rendered anew."""
        return not self.render_cache.entries

    # ------------------------------------------------------------------ load

    def _config(self) -> Config:
        config = load_config(self.root).with_overrides(
            base_url=self.options.base_url, strict=self.options.strict,
            run_timeout=self.options.run_timeout,
        )
        if not config.paths.content.is_dir():
            raise InputError(
                "no content/ folder: this is not a sitegen site", "content", None, None,
                "run sitegen from the site's folder (or pass --root DIR), "
                "or create a site with: sitegen new DIR",
            )
        return config

    def _discover(self, config: Config, only_edits: bool,
                  problems: ProblemCollector) -> ContentFiles:
        """The pages and assets under content/, walked again unless only edits happened
        (a walk that found anything to say is never reused)."""
        if only_edits and self._files is not None:
            return self._files[1]
        walk = ProblemCollector()
        files = discover(config.paths, walk)
        for problem in walk.errors:
            problems.add(InputError(problems=[problem]))
        for problem in walk.warnings:
            problems.warn(problem)
        self._files = None if walk.errors or walk.warnings else (config, files, frozenset(
            config.paths.relative(path) for path in (*files.pages, *files.assets)))
        return files

    def _vouched_unchanged(
        self, changed: Collection[str] | None, config: Config
    ) -> Callable[[str], bool] | None:
        """A test for 'this source did not change', when the changes are only edits in place."""
        if changed is None or self._files is None or self._files[0] != config:
            return None
        known = self._files[2]
        content = config.paths.relative(config.paths.content)
        for path in changed:
            if path == content:
                return None  # content/ itself was deleted, made again or renamed: walk it
            if not path.startswith("content/") or path.startswith(("content/data/",
                                                                   "content/charts/")):
                continue  # read again by every build anyway
            here = self.root / path
            if path not in known or not here.is_file() or here.is_symlink():
                return None  # created, deleted, renamed, a folder or a link: walk again
        changed_set = frozenset(changed)
        return lambda relative: relative not in changed_set

    def _templates_for(self, templates: TemplateSet, config: Config) -> Templates:
        """One Jinja environment while the templates stay the same."""
        if self._templates is None or self._templates[0] != templates.key:
            self._templates = (templates.key, Templates(templates, config.root))
        return self._templates[1]

    # ------------------------------------------------------------------ pages edited in place

    def _rebuild_edited(self, last: Snapshot, changed: Collection[str]) -> BuildResult | None:
        """Redo only the edited pages and the renders that read them; None when unsure."""
        edited = edited_pages(changed, last)
        if edited is None or any(w.path in edited for w in last.other_warnings()):
            return None
        try:
            config = self._config()
        except (SitegenError, OSError):
            return None
        found = ProblemCollector()  # anything to say about these inputs: a full build says it
        templates = read_templates(config.paths, found)
        static = static_files(config.paths, found)
        if (found.errors or found.warnings
                or not last.same_site(config, build_date(), templates.key, static)):
            return None
        paths = config.paths
        parse = partial(parse_page, paths=paths, typographer=config.typographer)
        done = rebuild_edited(
            self.work, last, edited,
            lambda sources: self.page_cache.reparse([self.root / s for s in sources],
                                                    self.root, config.typographer, parse),
            self._templates_for(templates, config))
        if done is None:
            return None
        self._last = done.snapshot
        return _result(done.snapshot, tuple(done.snapshot.view.pages), done.rendered,
                       OutputDelta(last.files, done.touched))


def _result(snapshot: Snapshot, pages: tuple[Page, ...], rendered: int,
            changes: OutputDelta | None) -> BuildResult:
    return BuildResult(
        files=snapshot.files, pages=pages, warnings=snapshot.warnings,
        inputs=snapshot.inputs, seconds=0.0, rendered=rendered, changes=changes,
        charts=len(snapshot.charts),
    )
