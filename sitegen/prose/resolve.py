"""A parsed page made whole: values from data, links and chart figures in its placeholders.

Parsing leaves placeholders for what needs the whole site; here they are filled, every
problem placed at the page's own line, and the page gets what templates see of it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from sitegen.errors import Problem, ProseError
from sitegen.inputs import (
    Dataset,
    SourcePage,
    content_path,
    root_prefix,
    title_from_name,
)
from sitegen.prose.cards import Marked, mark_values
from sitegen.prose.headings import Headings, fill_headings
from sitegen.prose.links import LinkTarget, figure_label, resolve_link
from sitegen.prose.markdown import PLACEHOLDER, ParsedMarkdown, Reference, placeholder
from sitegen.prose.page import DEFAULT_TEMPLATE, HOME_TEMPLATE, Page
from sitegen.prose.references import (
    SourceRef,
    expression_row,
    page_references,
    page_rows,
    value_source,
)
from sitegen.prose.values import resolve_expression, resolve_in_text, split_bare


@dataclass(frozen=True)
class SiteIndex:
    """What resolving a page needs to know of the whole site."""

    datasets: Mapping[str, Dataset]
    targets: Mapping[str, LinkTarget]
    assets: Collection[str]
    broken: Collection[str]


def resolve_page(
    source: SourcePage,
    parsed: ParsedMarkdown,
    site: SiteIndex,
    figures: Sequence[str],
    chart_inputs: Sequence[frozenset[str] | None],
    chart_sources: Sequence[Sequence[SourceRef]] = (),
    chart_rows: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
) -> tuple[Page, frozenset[str]]:
    """The finished page and every input it read; ProseError with all of its problems.

    figures holds each chart's HTML ("" for a chart that failed: its error is reported
    elsewhere), chart_inputs the files each chart read (None for a failed one) and
    chart_sources the sources of the rows each chart draws (for the page's references),
    chart_rows each chart's figure id and the (dataset, row id) it draws.
    """
    found = _Found(source)
    values = _values(parsed.expressions, site, found)
    title = _front(source, "title", source.title, site, found)
    description = _front(source, "description", source.description, site, found) or ""
    links = _links(parsed.links, source, site, found)
    labels = _labels(parsed, source, site, found)
    for inputs in chart_inputs:
        if inputs is not None:
            found.read.update(inputs)
    if found.errors:
        raise ProseError(problems=found.errors)
    headings = _headings(parsed, values)
    order = [(m.group(1), int(m.group(2))) for m in PLACEHOLDER.finditer(parsed.html)]
    references = page_references(
        order, [value_source(e.text, site.datasets) for e in parsed.expressions], chart_sources)
    marked = _marked(parsed, order, values, site, found, references)
    lookup: dict[str, Mapping[int, str] | Sequence[str]] = {
        "E": [_escape(v) for v in values], "V": marked.values, "L": links, "C": figures,
        "R": labels, "H": [anchor for _, anchor, _ in headings.flat] if headings else []}
    content = PLACEHOLDER.sub(lambda m: lookup[m.group(1)][int(m.group(2))], parsed.html)
    rows = page_rows(order, [_row_of(e.text, site.datasets) for e in parsed.expressions],
                     chart_rows)
    page = replace(_page(source, parsed, content + marked.cards, chart_inputs, headings),
                   references=references, rows_used=rows)
    return replace(page, title=title or page.title, description=description), \
        frozenset(found.read)


def _marked(parsed: ParsedMarkdown, order: Sequence[tuple[str, int]], values: Sequence[str],
            site: SiteIndex, found: _Found, references: Sequence[SourceRef]) -> Marked:
    """The page's values in running text marked up with their sources (prose.cards)."""
    marked = mark_values([index for kind, index in order if kind == "V"],
                         [e.text for e in parsed.expressions], values, site.datasets, references)
    found.read.update(marked.read)
    return marked


def _row_of(expression: str, datasets: Mapping[str, Dataset]) -> tuple[str, str] | None:
    found = expression_row(split_bare(expression)[0], datasets)
    return (found[0].name, str(found[1].values.get("id"))) if found else None


def heading_ids(parsed: ParsedMarkdown, datasets: Mapping[str, Dataset]) -> frozenset[str]:
    """A page's heading ids, values from data filled into the headings that show them."""
    if not parsed.waiting_headings:
        return parsed.heading_ids
    values: list[str] = []
    for ref in parsed.expressions:
        literal = literal_text(ref.text)
        try:
            values.append(literal if literal is not None
                          else resolve_expression(ref.text, datasets))
        except ProseError:
            values.append("")  # resolving the page reports it at its line
    return fill_headings(parsed.waiting_headings, lambda index: values[index]).ids


def _headings(parsed: ParsedMarkdown, values: Sequence[str]) -> Headings | None:
    """The filled headings of a page where a heading shows a value (None elsewhere)."""
    if not parsed.waiting_headings:
        return None
    return fill_headings(parsed.waiting_headings, lambda index: values[index])


class _Found:
    """What resolving one page finds: the inputs it read, its problems at the page's lines."""

    def __init__(self, source: SourcePage) -> None:
        self.source = source
        self.read: set[str] = {source.source}
        self.errors: list[Problem] = []

    def place(self, error: ProseError, ref: Reference) -> None:
        line = ref.line + self.source.body_line - 1
        self.errors.extend(replace(p, path=self.source.source, line=line, column=ref.column)
                           for p in error.problems)


_LITERAL = re.compile(r"""\s*(["'])(.*)\1\s*\Z""", re.S)


def literal_text(expression: str) -> str | None:
    """The text of a deliberate literal `{{ "V3" }}` (written as it is), or None for an
    expression that reads data."""
    literal = _LITERAL.match(expression)
    return literal.group(2) if literal else None


def _values(expressions: Sequence[Reference], site: SiteIndex, found: _Found) -> list[str]:
    """Each `{{ dataset.row.column }}` formatted (not yet escaped); "" where it fails."""
    values: list[str] = []
    for ref in expressions:
        literal = literal_text(ref.text)
        if literal is not None:  # {{ "V3" }}: written as it is (see prose.lint)
            values.append(literal)
            continue
        name = ref.text.split(".", 1)[0].strip()
        try:
            values.append(resolve_expression(ref.text, site.datasets))
            found.read.add(site.datasets[name].path)
        except ProseError as error:
            if f"data:{name}" not in site.broken:  # a broken data file reports itself
                found.place(error, ref)
            values.append("")
    return values


def _front(source: SourcePage, key: str, text: str | None, site: SiteIndex,
           found: _Found) -> str | None:
    """A front matter value with its `{{ ... }}` filled; problems at the key's line."""
    if not text or "{{" not in text:
        return text
    try:
        return resolve_in_text(text, site.datasets)
    except ProseError as error:
        line = source.key_lines.get(key, 1)
        found.errors.extend(replace(p, path=source.source, line=line, column=None)
                            for p in error.problems)
        return ""


def _links(refs: Sequence[Reference], source: SourcePage, site: SiteIndex,
           found: _Found) -> list[str]:
    """Each link to a source file as the URL of what it names, relative to the page."""
    prefix = root_prefix(source.url)
    here = content_path(source.source)
    links: list[str] = []
    for ref in refs:
        try:
            url, depends_on = resolve_link(ref.text, here, prefix, site.targets, site.assets,
                                           site.broken)
        except ProseError as error:
            found.place(error, ref)
            url, depends_on = "", None
        links.append(_escape(url))
        if depends_on:
            found.read.add(depends_on)
    return links


def _labels(parsed: ParsedMarkdown, source: SourcePage, site: SiteIndex,
            found: _Found) -> list[str]:
    """"Figure N" for each link written without text (the others get "")."""
    here = content_path(source.source)
    labels = []
    for index, ref in enumerate(parsed.links):
        label = ""
        if placeholder("R", index) in parsed.html:
            try:
                label = figure_label(ref.text, here, site.targets)
            except ProseError as error:
                found.place(error, ref)
        labels.append(_escape(label))
    return labels


def _page(source: SourcePage, parsed: ParsedMarkdown, content: str,
          chart_inputs: Sequence[frozenset[str] | None], headings: Headings | None) -> Page:
    social_index = int(source.extra.get("social_chart", 1)) - 1
    has_social = 0 <= social_index < len(chart_inputs) and chart_inputs[social_index] is not None
    return Page(
        source=source.source,
        url=source.url,
        output_path=source.output_path,
        title=(source.title or (headings.first_title if headings else parsed.first_heading)
               or title_from_name(source.source)),
        description=source.description,
        date=source.date,
        template=source.template or (HOME_TEMPLATE if source.url == "" else DEFAULT_TEMPLATE),
        weight=source.weight,
        content=content,
        toc=headings.toc() if headings else parsed.toc,
        has_charts=bool(parsed.fences),
        social_image=source.url + "social.png" if has_social else None,
        extra=source.extra,
    )


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
