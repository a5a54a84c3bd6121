"""A parsed page made whole: values from data, links and chart figures in its placeholders.

Parsing leaves placeholders for what needs the whole site; here they are filled, every
problem placed at the page's own line, and the page gets what templates see of it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from sitegen.inputs.content import SourcePage, content_path, root_prefix, title_from_name
from sitegen.inputs.data import Dataset
from sitegen.errors import Problem, ProseError
from sitegen.prose.links import LinkTarget, resolve_link
from sitegen.prose.markdown import PLACEHOLDER, ParsedMarkdown, Reference
from sitegen.prose.page import DEFAULT_TEMPLATE, HOME_TEMPLATE, Page
from sitegen.prose.values import resolve_expression


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
) -> tuple[Page, frozenset[str]]:
    """The finished page and every input it read; ProseError with all of its problems.

    figures holds each chart's HTML ("" for a chart that failed: its error is reported
    elsewhere) and chart_inputs the files each chart read (None for a failed one).
    """
    offset = source.body_line - 1
    read: set[str] = {source.source}
    errors: list[Problem] = []
    prefix = root_prefix(source.url)
    here = content_path(source.source)

    def place(error: ProseError, ref: Reference) -> None:
        errors.extend(replace(p, path=source.source, line=ref.line + offset, column=ref.column)
                      for p in error.problems)

    values: list[str] = []
    for ref in parsed.expressions:
        name = ref.text.split(".", 1)[0].strip()
        try:
            values.append(_escape(resolve_expression(ref.text, site.datasets)))
            read.add(site.datasets[name].path)
        except ProseError as error:
            if f"data:{name}" not in site.broken:  # a broken data file reports itself
                place(error, ref)
            values.append("")
    links: list[str] = []
    for ref in parsed.links:
        try:
            url, depends_on = resolve_link(ref.text, here, prefix, site.targets, site.assets,
                                           site.broken)
        except ProseError as error:
            place(error, ref)
            url, depends_on = "", None
        links.append(_escape(url))
        if depends_on:
            read.add(depends_on)
    for inputs in chart_inputs:
        if inputs is not None:
            read.update(inputs)
    if errors:
        raise ProseError(problems=errors)
    lookup = {"E": values, "L": links, "C": figures}
    content = PLACEHOLDER.sub(lambda m: lookup[m.group(1)][int(m.group(2))], parsed.html)
    social_index = int(source.extra.get("social_chart", 1)) - 1
    has_social = 0 <= social_index < len(chart_inputs) and chart_inputs[social_index] is not None
    page = Page(
        source=source.source,
        url=source.url,
        output_path=source.output_path,
        title=source.title or parsed.first_heading or title_from_name(source.source),
        description=source.description,
        date=source.date,
        template=source.template or (HOME_TEMPLATE if source.url == "" else DEFAULT_TEMPLATE),
        weight=source.weight,
        content=content,
        toc=parsed.toc,
        has_charts=bool(parsed.fences),
        social_image=source.url + "social.png" if has_social else None,
        extra=source.extra,
    )
    return page, frozenset(read)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
