"""Chart blocks: a ```chart fence, its YAML read with the line of every key, its page keys.

A fence holds YAML; reading it keeps where each key sits, so every later problem -- a bad
`kind`, an unknown field, a spec Vega-Lite rejects -- comes back at the fence's line plus the
key's line inside the YAML. The keys the page shows (description, caption, source, kind, id)
are checked here for both kinds of block: YAML specs (chart_specs.py) and `python:` modules
(chart_modules.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.charts.schema import Path_, did_you_mean, kind_of
from sitegen.errors import ChartError, Problem, SitegenError
from sitegen.inputs import check_yaml

KINDS = ("reported", "estimate", "claim", "mixed")


PAGE_KEYS = ("caption", "source", "kind", "id", "python")


PYTHON_KEYS = {"python", "description", "caption", "source", "kind", "id"}


@dataclass(frozen=True)
class ChartBlock:
    """One ```chart fence: its page (site-root-relative source path), order, YAML body and line."""

    page: str
    index: int
    text: str
    line: int


# --- YAML with places ---------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Where each key of the YAML body sits: path -> 0-based line inside the body."""

    lines: Mapping[Path_, int]
    fence_line: int

    def line(self, path: Path_ = ()) -> int:
        """File line of the key at path (or of its nearest ancestor that has one)."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        if not path:
            return self.fence_line
        return self.fence_line + 1 + self.lines[path]


def read_block_yaml(block: ChartBlock) -> tuple[dict[str, Any], Places]:
    """The fence's YAML as a mapping, with the line of every key; a ChartError if it is not one."""
    import yaml

    loader_cls = _loader()
    try:
        check_yaml(block.text)
    except SitegenError as error:  # placed in the page: the YAML starts after the fence
        raise ChartError(problems=[p.at(block.page, block.line) for p in error.problems]) \
            from None
    try:
        node = yaml.compose(block.text, Loader=loader_cls)
        value = yaml.load(block.text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = block.line + 1 + mark.line if mark else block.line
        raise ChartError(
            f"the chart's YAML is invalid: {exc.problem}", block.page, line,
            mark.column + 1 if mark else None,
            "a chart block holds YAML: `key: value` lines, nested by indentation",
        ) from None
    if value is None:
        raise ChartError(
            "the chart block is empty", block.page, block.line, None,
            "write `data: NAME`, `mark:` and `encoding:`, or `python: MODULE`",
        )
    if not isinstance(value, dict):
        raise ChartError(
            f"a chart block must be a YAML mapping of keys, not a {kind_of(value)}",
            block.page, block.line + 1, None,
        )
    lines: dict[Path_, int] = {}
    _collect_lines(node, (), lines)
    return value, Places(lines, block.line)


_WORD_KEYS = ("on", "off", "yes", "no")


@functools.cache
def _loader() -> Any:
    """The safe YAML loader, but `on:`, `off:`, `yes:` and `no:` as keys stay words.

    YAML 1.1 reads them as true and false, so a regression's `on: x` or a selection's
    `on: click` would become the key True; Vega-Lite (and YAML 1.2) means the word.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:bool" and \
                        key_node.value.lower() in _WORD_KEYS:
                    key_node.tag = "tag:yaml.org,2002:str"
            return super().construct_mapping(node, deep)

    return Loader


def _collect_lines(node: Any, path: Path_, lines: dict[Path_, int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line
            _collect_lines(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line
            _collect_lines(item, path + (index,), lines)


# --- the keys the page shows -------------------------------------------------------------


def page_fields(block: ChartBlock, raw: Mapping[str, Any], places: Places) -> dict[str, Any]:
    """The keys the page shows, checked; missing alt text and kind are warnings."""
    warnings: list[Problem] = []
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise ChartError(
            "`description` must be text (the chart's alt text)", block.page,
            places.line(("description",)), None,
        )
    if not (description or "").strip():
        warnings.append(Problem(
            "the chart has no description (alt text for readers who cannot see it)",
            block.page, block.line, None,
            "add `description:` saying what the chart shows, e.g. its trend and extremes"
        ))
    kind = raw.get("kind")
    if kind is None:
        warnings.append(Problem(
            "the chart has no `kind:` (reported, estimate, claim or mixed)",
            block.page, block.line, None, "say what its numbers are: " + ", ".join(KINDS)
        ))
    elif kind not in KINDS:
        raise ChartError(
            f"`kind` is {kind!r}; use one of {', '.join(KINDS)}", block.page,
            places.line(("kind",)), None, did_you_mean(str(kind), KINDS),
        )
    caption = raw.get("caption", "")
    if not isinstance(caption, str):
        raise ChartError("`caption` must be text", block.page, places.line(("caption",)), None)
    figure_id = raw.get("id")
    if figure_id is not None and not (isinstance(figure_id, str)
                                      and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", figure_id)):
        raise ChartError(
            f"`id` {figure_id!r} is not a usable HTML id", block.page, places.line(("id",)),
            None, "start with a letter; use letters, digits, '-' and '_'",
        )
    return {
        "description": (description or "").strip(), "kind": kind,
        "caption": caption.strip(), "source": _source_text(raw, block, places),
        "id": figure_id, "warnings": tuple(warnings),
    }


def _source_text(raw: Mapping[str, Any], block: ChartBlock, places: Places) -> str | None:
    source = raw.get("source")
    if source is None:
        return None
    if isinstance(source, str | int | float):
        return str(source).strip()
    raise ChartError(
        "`source` must be text (it replaces the sources read from the data)", block.page,
        places.line(("source",)), None,
    )

