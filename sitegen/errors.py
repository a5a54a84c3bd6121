"""Errors that carry their place: every user-facing problem names a file, line and column.

One exception type, raised where the place is known, so the command line can print
`PATH:LINE:COL: error: MESSAGE` and a hint, and exit 1 without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem: what is wrong, where, and how to fix it."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    severity: str = "error"

    def location(self) -> str:
        """`path:line:col` with the parts that are known."""
        parts = [self.path or "<site>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """The line a user sees, plus an indented hint where there is one."""
        text = f"{self.location()}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def at(self, path: str | None = None, line_offset: int = 0) -> Problem:
        """The same problem placed in a file, or shifted by the lines that precede a fragment."""
        line = self.line + line_offset if self.line is not None else None
        return replace(self, path=path if path is not None else self.path, line=line)


class SitegenError(Exception):
    """A build problem (or several) with its place; printed without a traceback."""

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
        return SitegenError(problems=[p.at(path, line_offset) for p in self.problems])


_TOML_PLACE = re.compile(r"\s*\(?at line (\d+), column (\d+)\)?")


def toml_syntax_error(exc: Exception, path: str | None) -> SitegenError:
    """tomllib's error at its own line and column, its message without the place repeated."""
    match = _TOML_PLACE.search(str(exc))
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    message = _TOML_PLACE.sub("", str(exc))
    return SitegenError(f"invalid TOML: {message}", path, line, column,
                        "see https://toml.io for the syntax")


class ProblemCollector:
    """Gathers independent problems so one build reports all of them, not just the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, error: SitegenError) -> None:
        """Record every problem an error carries."""
        self.problems.extend(error.problems)

    def warn(self, problem: Problem) -> None:
        """Record a warning (promoted to an error by --strict at the end of the build)."""
        self.warnings.append(replace(problem, severity="warning"))

    def raise_if_any(self, strict: bool = False) -> None:
        """Raise one SitegenError holding everything gathered, if anything was."""
        problems = list(self.problems)
        if strict:
            problems += [replace(w, severity="error") for w in self.warnings]
        if problems:
            raise SitegenError(problems=sorted(_distinct(problems), key=_order))


def _distinct(problems: list[Problem]) -> list[Problem]:
    """One problem per place and message: a template error is met once per page using it."""
    seen: dict[tuple[object, ...], Problem] = {}
    for problem in problems:
        key = (problem.severity, problem.message, problem.path, problem.line, problem.column)
        seen.setdefault(key, problem)
    return list(seen.values())


def _order(problem: Problem) -> tuple[str, int, int]:
    return (problem.path or "", problem.line or 0, problem.column or 0)
