"""Prose: Markdown to HTML with placeholders, then made whole (numbers from data, links
between pages, chart figures), giving the Page templates see."""

from sitegen.prose.cards import bare_html
from sitegen.prose.links import LinkTarget, figure_ids, link_target, url_of
from sitegen.prose.lint import TypedNumber, by_rule, figure_problems
from sitegen.prose.markdown import ParsedMarkdown, parse_markdown
from sitegen.prose.page import Page
from sitegen.prose.references import RowUse, SourceRef, row_source, rows_sources
from sitegen.prose.resolve import SiteIndex, heading_ids, literal_text, resolve_page
from sitegen.prose.values import resolve_in_text

__all__ = [
    "LinkTarget",
    "Page",
    "ParsedMarkdown",
    "RowUse",
    "SiteIndex",
    "SourceRef",
    "TypedNumber",
    "bare_html",
    "by_rule",
    "figure_ids",
    "figure_problems",
    "heading_ids",
    "link_target",
    "literal_text",
    "parse_markdown",
    "resolve_in_text",
    "resolve_page",
    "row_source",
    "rows_sources",
    "url_of",
]
