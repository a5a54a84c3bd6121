"""The check for figures typed by hand, over a whole site: `sitegen check`, and a build's
warnings (errors with `--strict`).

The parse notes every number-like word of a page (`prose.lint`); here each page's are held
against the page's and the site's `literals`, so a build and `sitegen check` agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sitegen.build.pages import LoadedPage, parse_page
from sitegen.cache import PageCache
from sitegen.config import Config, load_config
from sitegen.errors import Problem, ProblemCollector, ProseError
from sitegen.inputs import discover
from sitegen.prose import by_rule, figure_problems, literal_text


@dataclass(frozen=True)
class FigureCheck:
    """What `sitegen check` found: each hand-typed figure, and how the rest are accounted for."""

    problems: tuple[Problem, ...]
    pages: int
    words: int       # number-like words in the text
    by_rule: int     # names, periods, dates, scale words of a bound figure
    by_literal: int  # listed under `literals`
    inline: int      # marked in the text as {{ "…" }}


def page_literals(page: LoadedPage, config: Config) -> tuple[str, ...]:
    """The deliberate literals of a page: the site's, and its front matter's `literals`."""
    listed: Any = page.source.extra.get("literals", [])
    if not isinstance(listed, list) or not all(isinstance(w, (str, int, float)) for w in listed):
        raise ProseError("'literals' in the front matter must be a list of words",
                         page.source.source, 1, None,
                         'write it as literals: ["V3", "910B"]')
    return (*config.literals, *(str(word) for word in listed))


def hand_typed_problems(page: LoadedPage, config: Config) -> list[Problem]:
    """Each figure typed by hand in one page, placed at its line and column."""
    return figure_problems(page.source.source, page.source.body_line, page.parsed.figures,
                           page_literals(page, config))


def page_warnings(page: LoadedPage, config: Config) -> tuple[Problem, ...]:
    """What a build says of one page's hand-typed figures: one warning pointing to
    `sitegen check`, or, under --strict, every figure (they become errors)."""
    found = hand_typed_problems(page, config)
    if config.strict or not found:
        return tuple(found)
    first = found[0]
    more = f" ({len(found) - 1} more on this page)" if len(found) > 1 else ""
    return (Problem(f"{first.message}{more}", first.path, first.line, first.column,
                    "`sitegen check` lists every figure typed by hand; bind each to a data "
                    "row or mark it as a deliberate literal"),)


def warn_hand_typed(pages: Iterable[LoadedPage], config: Config,
                    problems: ProblemCollector) -> dict[str, tuple[Problem, ...]]:
    """Each page's warnings (see page_warnings) said to the build's collector, and kept by
    page source, so a rebuild of edited pages can replace just theirs."""
    kept: dict[str, tuple[Problem, ...]] = {}
    for page in pages:
        with problems.gather():
            kept[page.source.source] = found = page_warnings(page, config)
            for problem in found:
                problems.warn(problem)
    return kept


def check_site(root: Path) -> FigureCheck:
    """Every page of the site read, parsed and checked for figures typed by hand
    (SitegenError when the settings or a page cannot be read)."""
    config = load_config(root.resolve())
    problems = ProblemCollector()
    files = discover(config.paths, problems)
    cache = PageCache(config.paths.cache / "pages.pickle")
    parse = partial(parse_page, paths=config.paths, typographer=config.typographer)
    loaded = cache.load_pages(files.pages, config.paths.root, config.typographer, parse,
                              problems, None)
    problems.raise_if_any()
    return _summary(list(loaded.values()), config, problems)


def _summary(pages: Sequence[LoadedPage], config: Config,
             problems: ProblemCollector) -> FigureCheck:
    found: list[Problem] = []
    words = ruled = inline = 0
    for page in pages:
        inline += sum(literal_text(e.text) is not None for e in page.parsed.expressions)
        with problems.gather():
            found.extend(hand_typed_problems(page, config))
        words += len(page.parsed.figures)
        ruled += sum(by_rule(f) for f in page.parsed.figures)
    problems.raise_if_any()
    literal = words - ruled - len(found)
    ordered = sorted(found, key=lambda p: (p.path or "", p.line or 0, p.column or 0))
    return FigureCheck(tuple(ordered), len(pages), words, ruled, literal, inline)
