#!/usr/bin/env python3
"""The floor under any markdown-it-py site generator: the bare parse, on both cores.

    python benchmarks/markdown_floor.py CONTENT_DIR OUT_DIR
    python benchmarks/build_bench.py --tools sitegen,markdown-it-py,eleventy,hugo

Each page's front matter is cut off, its body rendered by markdown-it-py's CommonMark preset with
tables and strikethrough, and written as OUT_DIR/<page>/index.html with a bare <title>; the
pages are split over two forked processes. Nothing else happens: no typographer, heading ids,
link checks, highlighting, templates, feed, sitemap, cache or atomic swap. What sitegen does on
top of this is what it costs beyond the parser; a generator that must parse with markdown-it-py
cannot build faster than this. build_bench.py runs it as the tool "markdown-it-py".
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
TITLE = re.compile(r"^title:\s*(.+)$", re.M)


def build(pages: list[Path], content: Path, out: Path) -> None:
    """Render and write these pages."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    for page in pages:
        text = page.read_text(encoding="utf-8")
        front = FRONT_MATTER.match(text)
        title = TITLE.search(front.group(1)) if front else None
        body = markdown.render(text[front.end():] if front else text)
        relative = page.relative_to(content).with_suffix("")
        folder = out if relative.as_posix() == "index" else out / relative
        folder.mkdir(parents=True, exist_ok=True)
        heading = html.escape(title.group(1).strip()) if title else ""
        (folder / "index.html").write_text(
            f"<!doctype html><title>{heading}</title><h1>{heading}</h1>\n{body}", encoding="utf-8")


def main() -> int:
    content, out = Path(sys.argv[1]), Path(sys.argv[2])
    pages = sorted(content.rglob("*.md"))
    children = []
    for share in (pages[0::2], pages[1::2]):
        pid = os.fork()
        if pid == 0:
            build(share, content, out)
            os._exit(0)
        children.append(pid)
    return max(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children)


if __name__ == "__main__":
    sys.exit(main())
