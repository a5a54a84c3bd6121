"""Sitemap and Atom feed, made from the finished pages.

Absolute URLs come from base_url; dates come from the pages, never the clock, so the same
site gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape as _html_escape
from typing import Any

from sitegen.prose import url_of


@dataclass(frozen=True)
class FeedEntry:
    """A dated page as the Atom feed and the sitemap list it."""

    title: str
    url: str
    date: dt.date | None
    summary: str
    content_html: str


def sitemap_xml(base_url: str, entries: Iterable[FeedEntry]) -> bytes:
    """sitemap.xml with absolute URLs (empty of URLs when there is no base_url)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    if base_url:
        for entry in sorted(entries, key=lambda e: e.url):
            lines.append(f"  <url><loc>{escape(base_url + url_of(entry.url))}</loc>"
                         + (f"<lastmod>{entry.date.isoformat()}</lastmod>" if entry.date else "")
                         + "</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def newest_first(items: Iterable[Any], limit: int) -> list[Any]:
    """The dated items (anything with .date and .url), newest first, at most limit of them."""
    dated = sorted((i for i in items if i.date), key=lambda i: (i.date, i.url), reverse=True)
    return dated[:limit]


def atom_feed(
    title: str, base_url: str, author: str, entries: Iterable[FeedEntry], limit: int
) -> bytes:
    """An Atom feed of dated pages, newest first; dates come from the pages, not the clock."""
    dated = newest_first(entries, limit)
    site = base_url or "/"
    updated = _stamp(dated[0].date) if dated else "1970-01-01T00:00:00Z"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}</title>",
        f'  <link href="{quote(site)}"/>',
        f'  <link rel="self" href="{quote(site + "feed.xml")}"/>',
        f"  <id>{escape(site)}</id>",
        f"  <updated>{updated}</updated>",
    ]
    if author:
        parts.append(f"  <author><name>{escape(author)}</name></author>")
    for entry in dated:
        link = site + url_of(entry.url)
        parts += [
            f'  <entry xml:base="{quote(link)}">',
            f"    <title>{escape(entry.title)}</title>",
            f'    <link href="{quote(link)}"/>',
            f"    <id>{escape(link)}</id>",
            f"    <updated>{_stamp(entry.date)}</updated>",
            f"    <summary>{escape(entry.summary)}</summary>",
            f'    <content type="html">{escape(entry.content_html)}</content>',
            "  </entry>",
        ]
    parts.append("</feed>")
    return ("\n".join(parts) + "\n").encode()


def escape(text: str) -> str:
    """XML text escaping (&, <, >)."""
    return _html_escape(text, quote=False)


def quote(text: str) -> str:
    """An XML attribute value, escaped for double quotes."""
    return _html_escape(text, quote=True)


def _stamp(date: dt.date | None) -> str:
    return f"{date.isoformat()}T00:00:00Z" if date else "1970-01-01T00:00:00Z"
