"""The CommonMark spec's own examples run through a real build: links keep the spec's hrefs
(percent-encoding and all) once the build has resolved them, and fenced code given a
language keeps its text exactly.

The examples are the spec's JSON (tests/commonmark/). Every example becomes a page of one
site; each relative link target it names is made to exist (a file, or a page for `.md`), so
the build resolves it as it does a writer's link, and the href it writes must lead where the
spec's href leads, spelled the way the spec spells it.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest

from sitegen.build import BuildOptions, build_site

EXAMPLES = json.loads((Path(__file__).parent / "commonmark" / "spec-0.31.2-examples.json")
                      .read_text(encoding="utf-8"))
LINK_SECTIONS = ("Links", "Link reference definitions", "Images")
_URL = re.compile(r'<(?:a|img) [^>]*?(?:href|src)="([^"]*)"')
_CODE = re.compile(r"<pre[^>]*><code[^>]*>(.*?)</code></pre>", re.S)
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^/")
BARE = "{{ page.content | safe }}\n"


def _urls(text: str) -> list[str]:
    return [html.unescape(u) for u in _URL.findall(text) if 'class="header-anchor"' not in u]


def _relative(url: str) -> bool:
    return bool(url) and not url.startswith("#") and not _EXTERNAL.match(url)


def _link_examples() -> list[dict]:
    return [e for e in EXAMPLES if e["section"] in LINK_SECTIONS and _urls(e["html"])]


def _fenced_examples() -> list[dict]:
    return [e for e in EXAMPLES if e["section"] == "Fenced code blocks"
            and _CODE.search(e["html"])]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, str]:
    """One site holding every example as content/ex-N.md, built once; {N: page HTML}."""
    site = tmp_path_factory.mktemp("spec")
    content = site / "content"
    content.mkdir()
    (site / "templates").mkdir()
    (site / "templates" / "bare.html").write_text(BARE, encoding="utf-8")
    front = "---\ntemplate: bare.html\ntitle: Example\n---\n"
    for example in _link_examples():
        body = example["markdown"]
        for url in _urls(example["html"]):
            if url.startswith("#"):  # an in-page link needs its target on the page
                body += f'\n\n<span id="{html.escape(unquote(url[1:]))}"></span>\n'
            elif _relative(url):
                target = content / unquote(url.split("#")[0])
                if target.suffix == ".md":
                    target.write_text("# Target\n", encoding="utf-8")
                else:
                    target.write_bytes(b"an asset")
        (content / f"ex-{example['example']}.md").write_text(front + body, encoding="utf-8")
    for example in _fenced_examples():
        (content / f"ex-{example['example']}.md").write_text(
            front + _with_a_language(example["markdown"]), encoding="utf-8")
    build_site(site, site / "_site", BuildOptions())
    return {path.parent.name.removeprefix("ex-"): path.read_text(encoding="utf-8")
            for path in (site / "_site").glob("ex-*/index.html")}


def _with_a_language(markdown: str) -> str:
    """The example with `text` as the language of a first fence that has none."""
    first, newline, rest = markdown.partition("\n")
    if re.fullmatch(r"(`{3,}|~{3,})", first):
        return first + "text" + newline + rest
    return markdown


def _expected(url: str) -> str:
    """Where the spec's href leads from the page's source (at the content root), with a link
    to a page's source file leading to the page."""
    if not _relative(url):
        return url
    path, hash_mark, fragment = url.partition("#")
    if path.endswith(".md"):
        path = path[: -len(".md")] + "/"
    return urljoin("http://site/", path + hash_mark + fragment)


@pytest.mark.parametrize("example", _link_examples(), ids=lambda e: f"example-{e['example']}")
def test_commonmark_spec_link_examples_keep_their_hrefs_through_a_real_build(example, built):
    page_html = built[str(example["example"])]
    page = f"http://site/ex-{example['example']}/"
    written = [urljoin(page, u) if _relative(u) else u for u in _urls(page_html)]
    assert written == [_expected(u) for u in _urls(example["html"])], example["markdown"]


@pytest.mark.parametrize("example", _fenced_examples(), ids=lambda e: f"example-{e['example']}")
def test_commonmark_spec_fenced_code_keeps_its_text_when_highlighted(example, built):
    page_html = built[str(example["example"])]
    expected = [html.unescape(c) for c in _CODE.findall(example["html"])]
    written = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in _CODE.findall(page_html)]
    assert written == expected, example["markdown"]
    if _with_a_language(example["markdown"]) != example["markdown"]:
        assert 'class="highlight"' in page_html  # the language was given, and Pygments ran
