""""Cite this page": a plain-text citation and a BibTeX entry for each page, from its title,
the site's author and title, the page's URL and the date it was last updated.

The updated date is the newest entry of the page's corrections log (`updates:` in its front
matter), else its `date`; a reader citing a data explainer needs to say which version they read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sitegen.config import Config
from sitegen.prose import Page


@dataclass(frozen=True)
class Citation:
    """How to cite one page: as text, as BibTeX, and the date it speaks for."""

    text: str
    bibtex: str
    updated: dt.date | None


def cite(page: Page, config: Config) -> Citation:
    """The citation of a page (see the module docstring)."""
    updated = page_updated(page.extra, page.date)
    author = config.author or config.title
    url = config.base_url + page.url if config.base_url else ""
    year = str(updated.year) if updated else "n.d."
    parts = [f"{author} ({year}). {page.title}. {config.title}."]
    if url:
        parts.append(f"{url}.")
    if updated:
        parts.append(f"Updated {_long_date(updated)}.")
    fields = [("title", page.title), ("author", author), ("organization", config.title)]
    if url:
        fields.append(("howpublished", f"\\url{{{url}}}"))
    if updated:
        fields += [("year", str(updated.year)), ("note", f"Updated {updated.isoformat()}")]
    key = re.sub(r"[^a-z0-9]+", "-", f"{config.title} {page.url or 'home'}".lower()).strip("-")
    body = ",\n".join(f"  {name} = {{{value if name == 'howpublished' else _bibtex(value)}}}"
                      for name, value in fields)
    return Citation(" ".join(parts), f"@misc{{{key},\n{body}\n}}", updated)


def _long_date(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%B %Y')}"


def _bibtex(text: str) -> str:
    """Text safe inside a BibTeX brace-delimited value."""
    return re.sub(r"([\\{}%&$#_^~])", r"\\\1", text)


def figure_citation(config: Config, page_title: str, updated: dt.date | None, page_url: str,
                    number: int, chart_title: str, figure_id: str) -> str:
    """"Cite this figure": the page's citation naming the figure, with its permalink."""
    author = config.author or config.title
    year = str(updated.year) if updated else "n.d."
    named = f"Figure {number}" + (f", “{chart_title}”" if chart_title else "")
    text = f"{author} ({year}). {named}. In {page_title}. {config.title}."
    if config.base_url:
        text += f" {config.base_url}{page_url}#{figure_id}."
    return text


def page_updated(extra: Mapping[str, Any], date: dt.date | None) -> dt.date | None:
    """The date a page speaks for: its newest correction, else its date."""
    updates = extra.get("updates") or ()
    return updates[-1].date if updates else date
