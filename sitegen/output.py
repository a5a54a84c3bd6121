"""Writers: the built site to disk (swapped in atomically) or to memory (for the dev server).

Rendering produces `{site path: bytes}`; only a writer touches the output. Two outputs that
claim one path are an error naming both sources. The sitemap and the feed are made here too,
from the finished pages.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from sitegen.errors import Problem, SitegenError


class OutputSet:
    """The files of one build, each claimed by exactly one source."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.claimed_by: dict[str, str] = {}
        self.problems: list[Problem] = []

    def add(self, path: str, data: bytes, source: str, line: int | None = None) -> None:
        """Claim an output path for a source; a second claim is recorded as a clash."""
        if path in self.claimed_by and self.claimed_by[path] != source:
            if line is None and not source.startswith("("):  # a file: place it, at least line 1
                line = 1
            self.problems.append(Problem(
                f"output clash: {source} and {self.claimed_by[path]} both write '{path}'",
                source, line, None, "rename or move one of them",
            ))
            return
        self.claimed_by[path] = source
        self.files[path] = data


class Writer(Protocol):
    """Where a finished build goes."""

    def write(self, files: Mapping[str, bytes]) -> bool: ...


@dataclass
class MemoryWriter:
    """Keeps the latest good build in memory (the dev server serves from here)."""

    files: Mapping[str, bytes]

    def write(self, files: Mapping[str, bytes]) -> bool:
        changed = files != self.files
        self.files = dict(files)
        return changed


@dataclass(frozen=True)
class DiskWriter:
    """Writes beside the old output, then swaps it in: a failed build never touches it."""

    out_dir: Path

    def write(self, files: Mapping[str, bytes]) -> bool:
        """Swap the new tree in; returns False when the output already held exactly these files."""
        if _same_tree(self.out_dir, files):
            return False
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        staging = parent / f".{self.out_dir.name}.new-{os.getpid()}"
        retired = parent / f".{self.out_dir.name}.old-{os.getpid()}"
        _remove_stale_siblings(parent, self.out_dir.name)
        shutil.rmtree(staging, ignore_errors=True)
        try:
            _write_tree(staging, files)
            if self.out_dir.exists() and not self.out_dir.is_dir():
                raise SitegenError(
                    f"the output path {self.out_dir} exists and is not a folder",
                    hint="remove it or pass another --out",
                )
            if self.out_dir.exists():
                os.replace(self.out_dir, retired)
            os.replace(staging, self.out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if retired.exists() and not self.out_dir.exists():
                os.replace(retired, self.out_dir)
            raise
        try:
            shutil.rmtree(retired, ignore_errors=True)
        except BaseException:  # Ctrl-C while deleting the old tree: finish deleting, then stop
            shutil.rmtree(retired, ignore_errors=True)
            raise
        return True


def _remove_stale_siblings(parent: Path, name: str) -> None:
    """Staging and retired trees left behind by a build that was killed (its process is gone)."""
    for path in parent.glob(f".{name}.*-*"):
        kind, _, pid = path.name[len(name) + 2:].partition("-")
        if kind in ("new", "old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _same_tree(root: Path, files: Mapping[str, bytes]) -> bool:
    """Whether root holds exactly these files with these bytes (a no-op build writes nothing)."""
    if not root.is_dir():
        return False
    found = 0
    for folder, _, names in os.walk(root):
        for name in names:
            relative = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            expected = files.get(relative)
            if expected is None:
                return False
            found += 1
    if found != len(files):
        return False
    for relative, data in files.items():
        target = root / relative
        try:
            if target.is_symlink() or target.stat().st_size != len(data):
                return False
            if target.read_bytes() != data:
                return False
        except OSError:
            return False
    return True


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    made: set[Path] = set()
    for relative in sorted(files):
        target = root / relative
        folder = target.parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(target, "wb") as handle:
            handle.write(files[relative])


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
            lines.append(f"  <url><loc>{escape(base_url + entry.url)}</loc>"
                         + (f"<lastmod>{entry.date.isoformat()}</lastmod>" if entry.date else "")
                         + "</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def atom_feed(
    title: str, base_url: str, author: str, entries: Iterable[FeedEntry], limit: int
) -> bytes:
    """An Atom feed of dated pages, newest first; dates come from the pages, not the clock."""
    dated = sorted((e for e in entries if e.date), key=lambda e: (e.date, e.url), reverse=True)
    dated = dated[:limit]
    site = base_url or "/"
    updated = _stamp(dated[0].date) if dated else "1970-01-01T00:00:00Z"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}</title>",
        f'  <link href="{escape(site)}"/>',
        f'  <link rel="self" href="{escape(site + "feed.xml")}"/>',
        f"  <id>{escape(site)}</id>",
        f"  <updated>{updated}</updated>",
    ]
    if author:
        parts.append(f"  <author><name>{escape(author)}</name></author>")
    for entry in dated:
        link = site + entry.url
        parts += [
            f'  <entry xml:base="{escape(link)}">',
            f"    <title>{escape(entry.title)}</title>",
            f'    <link href="{escape(link)}"/>',
            f"    <id>{escape(link)}</id>",
            f"    <updated>{_stamp(entry.date)}</updated>",
            f"    <summary>{escape(entry.summary)}</summary>",
            f'    <content type="html">{escape(entry.content_html)}</content>',
            "  </entry>",
        ]
    parts.append("</feed>")
    return ("\n".join(parts) + "\n").encode()


def _stamp(date: dt.date | None) -> str:
    return f"{date.isoformat()}T00:00:00Z" if date else "1970-01-01T00:00:00Z"
