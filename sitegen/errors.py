"""Errors that carry their place: the one exception tree, and the one collector of a build.

Every user-facing problem is a `Problem` (what is wrong, where, how to fix it) inside a
`SitegenError`, raised where its place is known. A build gathers independent problems in one
`ProblemCollector`, so it reports all of them at once; the command line prints each as
`PATH:LINE:COL: error: MESSAGE` and an indented hint, and exits 1 without a traceback. Anything
else that escapes is a bug in sitegen, and only that is called an "internal error".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem: what is wrong, where (relative to the site), and how to fix it."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def location(self) -> str:
        """`path:line:col` with the parts that are known."""
        parts = [self.path or "<site>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self, severity: str = "error") -> str:
        """The line a user sees, plus an indented hint where there is one: one line each,
        whatever the input put in them (a newline shows as `\\n`)."""
        text = f"{self.location()}: {severity}: {_one_line(self.message)}"
        if self.hint:
            text += f"\n  hint: {_one_line(self.hint)}"
        return text

    def at(self, path: str | None = None, line_offset: int = 0) -> Problem:
        """The same problem placed in a file, or shifted by the lines that precede a fragment."""
        line = self.line + line_offset if self.line is not None else None
        return replace(self, path=path if path is not None else self.path, line=line)


def _one_line(text: str) -> str:
    return text.strip().replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


class SitegenError(Exception):
    """A user-facing problem (or several) with its place; printed without a traceback.

    Subclasses say which room found it; every one carries the same located problems.
    """

    def __init__(
        self,
        message: str = "",
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        *,
        problems: Iterable[Problem] = (),
    ) -> None:
        collected = list(problems)
        if message:
            collected.insert(
                0,
                Problem(message, str(path) if path is not None else None, line, column, hint),
            )
        self.problems: tuple[Problem, ...] = tuple(collected)
        super().__init__(self.format())

    @property
    def first(self) -> Problem:
        """The first problem, for code that reports just one."""
        return self.problems[0]

    def format(self) -> str:
        """Every problem, one block each, in the order found."""
        return "\n".join(problem.format() for problem in self.problems)

    def placed(self, path: str, line_offset: int = 0) -> SitegenError:
        """This error with the file name added (the one place that knows the file does this)."""
        return type(self)(problems=[p.at(path, line_offset) for p in self.problems])


class ConfigError(SitegenError):
    """`sitegen.toml` or a command-line setting is wrong."""


class InputError(SitegenError):
    """A page, its front matter, a data file or another input cannot be read as it is."""


class ProseError(SitegenError):
    """A placeholder or a link in a page's text cannot be resolved."""


class ChartError(SitegenError):
    """A chart block or chart module cannot become a chart."""


class TemplateError(SitegenError):
    """A template fails to compile or to render."""


class OutputError(SitegenError):
    """The output cannot be written as asked (two sources for one path, a bad folder)."""


class SearchError(SitegenError):
    """The search index cannot be made (the Pagefind binary is missing or fails)."""


class ServeError(SitegenError):
    """The dev server cannot start as asked."""


class DeployError(SitegenError):
    """Publishing cannot go ahead (git, the remote, the branch)."""


class BuildFailed(SitegenError):
    """Everything a build found, raised once at its end."""


_TOML_PLACE = re.compile(r"\s*\(?at line (\d+), column (\d+)\)?")
_TOML_END = re.compile(r"\s*\(?at end of document\)?")


def toml_syntax_error(exc: Exception, path: str | None, text: str = "") -> InputError:
    """tomllib's error at its own line and column (the end of text for an error "at end of
    document"), its message without the place repeated."""
    match = _TOML_PLACE.search(str(exc))
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    if match is None and _TOML_END.search(str(exc)):
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
    message = _TOML_END.sub("", _TOML_PLACE.sub("", str(exc)))
    return InputError(f"invalid TOML: {message}", path, line, column,
                      "see https://toml.io for the syntax")


class ProblemCollector:
    """Gathers a build's independent problems and warnings, so one build reports them all.

    The one way problems travel: code raises a SitegenError where it knows the place, and the
    step that can carry on without that part catches it here (`add`, or `gather()` around
    the part). Warnings are Problems said with `warn`; `--strict` makes them errors at the end.
    """

    def __init__(self) -> None:
        self._errors: list[Problem] = []
        self._warnings: list[Problem] = []

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The errors gathered so far, in the order found."""
        return tuple(self._errors)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The warnings gathered so far, each once, in the order of their places."""
        return sort_problems(self._warnings)

    def add(self, error: SitegenError) -> None:
        """Record every problem an error carries."""
        self._errors.extend(error.problems)

    @contextmanager
    def gather(self) -> Iterator[None]:
        """Run a part of the build; a SitegenError it raises is recorded, and the build goes on."""
        try:
            yield
        except SitegenError as error:
            self.add(error)

    def warn(self, problem: Problem) -> None:
        """Record a warning (an error under --strict, at the end of the build)."""
        self._warnings.append(problem)

    def paths_with_errors(self) -> frozenset[str]:
        """The files some error is placed in."""
        return frozenset(p.path for p in self._errors if p.path)

    def raise_if_any(self, strict: bool = False) -> None:
        """Raise one BuildFailed holding everything gathered, if anything was."""
        problems = list(self._errors)
        if strict:
            problems += self._warnings
        if problems:
            raise BuildFailed(problems=sorted(_distinct(problems), key=_order))


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Each problem once, ordered by file, line and column (the order a reader scans)."""
    return tuple(sorted(_distinct(list(problems)), key=_order))


def _distinct(problems: list[Problem]) -> list[Problem]:
    """One problem per place and message: a template error is met once per page using it."""
    seen: dict[tuple[object, ...], Problem] = {}
    for problem in problems:
        key = (problem.message, problem.path, problem.line, problem.column)
        seen.setdefault(key, problem)
    return list(seen.values())


def _order(problem: Problem) -> tuple[str, int, int]:
    return (problem.path or "", problem.line or 0, problem.column or 0)
