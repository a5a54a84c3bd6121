"""Incremental equals clean: random sequences of edits, each built by one long-lived Builder
told what changed (as the dev server's watcher tells it), must give exactly what a fresh
Builder gives for the same files: the same bytes in every output, or the same problems.

Hypothesis drives the edits (page text, front matter, data rows, templates, static files,
pages created, deleted and renamed), and shrinks any difference to a short sequence.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sitegen.build import Builder
from sitegen.errors import SitegenError

PAGE_NAMES = ("index.md", "a.md", "sec/b.md", "sec/index.md", "c.md", "sec/d.md")
TITLES = (None, "Alpha", "Beta", "Gamma")
TEMPLATES = (
    None,  # the theme's page.html
    '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>{{ content }}'
    '{% endblock %}\n',
    '{% extends "base.html" %}{% block content %}{{ content }}<ul>{% for p in pages %}'
    '<li>{{ p.title }}: {{ p.content | length }}</li>'
    '{% endfor %}</ul>{% endblock %}\n',
    '{% extends "base.html" %}{% block content %}{{ content }}'
    '{% if next %}<a href="{{ url_for(next.url) }}">{{ next.toc | length }}</a>{% endif %}'
    '{% endblock %}\n',
)


def _link(from_page: str, to_page: str, fragment: str = "") -> str:
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"[{to_page}]({target}{fragment})"


text_pieces = st.sampled_from([
    "Plain words.", "More plain words, a few more.", "Value {{ n.x.value }}.",
    "Rounded {{ n.y.value | number:1 }}.", "A *stressed* word.", "Short.",
])
# Mostly text that keeps a page's headings (so the one-page fast path is taken), some that
# changes them, links between pages (some to pages that may be gone) and numbers from data.
pieces = st.sampled_from([
    "Plain words.", "More plain words, a few more.", "Value {{ n.x.value }}.",
    "Rounded {{ n.y.value | number:1 }}.", "A *stressed* word.", "Short.",
    "LINK:a.md", "LINK:index.md", "LINK:sec/b.md#part", "## Part {#part}",
    "# A heading first",
])


class IncrementalEqualsClean(RuleBasedStateMachine):
    """One site on disk; every rule edits it and builds incrementally and from scratch."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sitegen-incremental-"))
        self.pages: dict[str, tuple[str | None, int, bool, list[str]]] = {}
        self.changed: list[str] = []
        self.builder = Builder(self.root, persist_caches=False)

    @initialize(template=st.sampled_from((TEMPLATES[2], TEMPLATES[3], TEMPLATES[1], None)))
    def a_small_site(self, template: str | None) -> None:
        for name in ("index.md", "a.md", "sec/b.md"):
            self._write_page(name, TITLES[1], 0, False,
                             ["Plain words.", "LINK:a.md", "## Part {#part}"])
        self._write("content/data/n.csv", "id,value\nx,1\ny,2.25\n")
        self._write("static/css/extra.css", "p { margin: 0; }\n")
        self.edit_template(template)
        self._compare(self._build(self.builder, None))
        self.changed = []

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- files

    def _write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.changed.append(relative)

    def _remove(self, relative: str) -> None:
        (self.root / relative).unlink()
        self.changed.append(relative)

    def _write_page(self, name: str, title: str | None, weight: int, draft: bool,
                    body: list[str]) -> None:
        self.pages[name] = (title, weight, draft, body)
        front = [f"title: {title}"] if title else []
        front += [f"weight: {weight}"] if weight else []
        front += ["draft: true"] if draft else []
        lines = [_link(name, p[5:]) if p.startswith("LINK:") else p for p in body]
        head = "---\n" + "".join(line + "\n" for line in front) + "---\n" if front else ""
        self._write(f"content/{name}", head + "\n\n".join(lines) + "\n")

    # -- the edits

    @rule(name=st.sampled_from(PAGE_NAMES), body=st.lists(pieces, min_size=1, max_size=4))
    def edit_body(self, name: str, body: list[str]) -> None:
        title, weight, draft, _ = self.pages.get(name, (None, 0, False, []))
        self._write_page(name, title, weight, draft, body)

    @precondition(lambda self: self.pages)
    @rule(data=st.data(), words=st.lists(text_pieces, min_size=1, max_size=3))
    def reword(self, data: st.DataObject, words: list[str]) -> None:
        """An edit that keeps the page's headings: the dev server's one-page fast path."""
        name = data.draw(st.sampled_from(sorted(self.pages)))
        title, weight, draft, body = self.pages[name]
        headings = [piece for piece in body if piece.startswith("#")]
        self._write_page(name, title, weight, draft, headings + words)

    @precondition(lambda self: self.pages)
    @rule(data=st.data(), title=st.sampled_from(TITLES), weight=st.integers(0, 2),
          draft=st.booleans())
    def edit_front_matter(self, data: st.DataObject, title: str | None, weight: int,
                          draft: bool) -> None:
        name = data.draw(st.sampled_from(sorted(self.pages)))
        self._write_page(name, title, weight, draft, self.pages[name][3])

    @precondition(lambda self: len(self.pages) > 1)
    @rule(data=st.data())
    def delete_page(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.pages)))
        del self.pages[name]
        self._remove(f"content/{name}")

    @rule(data=st.data())
    def rename_page(self, data: st.DataObject) -> None:
        free = [n for n in PAGE_NAMES if n not in self.pages]
        if not self.pages or not free:
            return
        old = data.draw(st.sampled_from(sorted(self.pages)))
        new = data.draw(st.sampled_from(free))
        (self.root / "content" / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / "content" / old).rename(self.root / "content" / new)
        self.pages[new] = self.pages.pop(old)
        self.changed += [f"content/{old}", f"content/{new}"]

    @rule(x=st.integers(-5, 500), y=st.sampled_from(["2.25", "3.5", "", "7"]),
          keep_y=st.booleans())
    def edit_data(self, x: int, y: str, keep_y: bool) -> None:
        rows = f"x,{x}\n" + (f"y,{y}\n" if keep_y else "")
        self._write("content/data/n.csv", "id,value\n" + rows)

    @rule(template=st.sampled_from(TEMPLATES))
    def edit_template(self, template: str | None) -> None:
        path = "templates/page.html"
        if template is None:
            if (self.root / path).exists():
                self._remove(path)
            return
        self._write(path, template)

    @rule(colour=st.sampled_from(["red", "blue", "green"]))
    def edit_static(self, colour: str) -> None:
        self._write("static/css/extra.css", f"p {{ color: {colour}; }}\n")

    # -- the property

    def _build(self, builder: Builder, changed: list[str] | None) -> object:
        try:
            result = builder.build(changed=changed)
        except SitegenError as error:
            return ("failed", tuple(p.format() for p in error.problems))
        return ("built", dict(result.files), tuple(p.format() for p in result.warnings))

    def _compare(self, incremental: object) -> None:
        clean = self._build(Builder(self.root, persist_caches=False), None)
        assert incremental == clean

    @invariant()
    def incremental_build_equals_a_clean_one(self) -> None:
        if not self.changed:
            return
        changed, self.changed = self.changed, []
        self._compare(self._build(self.builder, changed))


IncrementalEqualsClean.TestCase.settings = settings(
    max_examples=60, stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], database=None, print_blob=True,
)
test_incremental_builds_equal_clean_builds = IncrementalEqualsClean.TestCase
