"""Pages: finding them under `content/`, reading front matter, and where each one is published.

`content/index.md` -> `index.html`; `content/a/b.md` -> `a/b/index.html` (URL `a/b/`);
`content/a/index.md` -> `a/index.html`. Data files and chart modules are not pages; any other
file under `content/` (an image beside its page) is published as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sitegen.config import SitePaths
from sitegen.errors import InputError, Problem, ProblemCollector
from sitegen.inputs.files import decode_utf8, site_files
from sitegen.inputs.limits import check_yaml, finite

PAGE_SUFFIX = ".md"
_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_KNOWN_KEYS = ("title", "description", "date", "draft", "template", "weight", "social_chart")


@dataclass(frozen=True)
class SourcePage:
    """A Markdown page as read from disk: front matter split from the body, with its place."""

    source: str
    url: str
    output_path: str
    title: str | None
    description: str
    date: dt.date | None
    draft: bool
    template: str | None
    weight: float
    body: str
    body_line: int
    digest: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_lines: Mapping[str, int] = field(default_factory=dict)  # of values holding `{{`


@dataclass(frozen=True)
class ContentFiles:
    """What `content/` holds, sorted so every walk is reproducible."""

    pages: tuple[Path, ...]
    assets: tuple[Path, ...]


def discover(paths: SitePaths, problems: ProblemCollector) -> ContentFiles:
    """Every page and publishable file under content/ (the data and chart folders excluded).

    Links out of the site and special files are problems, as for every input (`site_files`).
    """
    reserved = {paths.data.name, paths.charts.name}  # folders of content/ itself

    def skip(parts: tuple[str, ...], is_folder: bool) -> bool:
        return _hidden_name(parts[-1]) or (is_folder and len(parts) == 1
                                           and parts[0] in reserved)

    pages: list[Path] = []
    assets: list[Path] = []
    for path in site_files(paths.content, paths.root, problems, skip):
        (pages if path.name.endswith(PAGE_SUFFIX) else assets).append(path)
    return ContentFiles(tuple(pages), tuple(assets))


def _hidden_name(name: str) -> bool:
    return name.startswith((".", "_")) or name.endswith("~")


def page_url(content_relative: str) -> tuple[str, str]:
    """(URL path, output file) for a page's path inside content/, both site-relative."""
    path = PurePosixPath(content_relative)
    stem_path = path.with_suffix("")
    if stem_path.name == "index":
        folder = stem_path.parent.as_posix()
        url = "" if folder == "." else folder + "/"
    else:
        url = stem_path.as_posix() + "/"
    return url, url + "index.html"


def content_path(source: str) -> str:
    """A source's path inside content/ (`content/a/b.md` -> `a/b.md`)."""
    return source.split("/", 1)[1] if source.startswith("content/") else source


def root_prefix(page_url: str) -> str:
    """The `../` chain from a page to the site root ("" for pages at the root)."""
    return "../" * page_url.count("/")


def relative_url(from_url: str, target: str) -> str:
    """URL of a site path as seen from a page at from_url (both without a leading slash)."""
    return (root_prefix(from_url) + target) or "./"


def read_page(path: Path, paths: SitePaths, raw: bytes | None = None) -> SourcePage:
    """Read one page: front matter checked and typed, body and its first line kept.

    raw, when given, is the file's bytes, already read by the caller.
    """
    source = paths.relative(path)
    raw = path.read_bytes() if raw is None else raw
    text = decode_utf8(raw, source)
    front, body, body_line = split_front_matter(text, source)
    content_relative = path.relative_to(paths.content).as_posix()
    url, output_path = page_url(content_relative)
    meta = _check_front_matter(front, text, source)
    key_lines = {key: _key_line(text, key) for key in ("title", "description")
                 if "{{" in str(meta.get(key) or "")}
    return SourcePage(
        source=source,
        url=url,
        output_path=output_path,
        title=meta.pop("title", None),
        description=meta.pop("description", ""),
        date=meta.pop("date", None),
        draft=meta.pop("draft", False),
        template=meta.pop("template", None),
        weight=meta.pop("weight", 0),
        body=body,
        body_line=body_line,
        digest=hashlib.sha256(raw).hexdigest(),
        extra=meta,
        key_lines=key_lines,
    )


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line the body starts on); bad YAML fails at its own line."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 1
    import yaml

    try:
        check_yaml(match.group(1))
    except InputError as error:
        raise error.placed(source, 1) from None  # the front matter starts on line 2
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster
        front = yaml.load(match.group(1), Loader=loader) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"invalid YAML front matter: {exc.problem or exc.context}",
            source,
            mark.line + 2 if mark else 1,
            mark.column + 1 if mark else None,
            "front matter is YAML between two '---' lines; quote values that contain ': '",
        ) from None
    if not isinstance(front, dict):
        raise InputError(
            "front matter must be a YAML mapping (key: value lines)", source, 2, 1,
        )
    body_line = text.count("\n", 0, match.end()) + 1
    return front, text[match.end():], body_line


def _check_front_matter(front: dict[str, Any], text: str, source: str) -> dict[str, Any]:
    problems: list[Problem] = []
    meta = {str(key): value for key, value in front.items()}

    def fail(key: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(message, source, _key_line(text, key), 1, hint))
        meta.pop(key, None)

    for key in ("title", "description", "template"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            fail(key, f"'{key}' must be text")
        elif key in meta and meta[key] is None:
            meta.pop(key)
    if "date" in meta:
        value = meta["date"]
        if isinstance(value, dt.datetime):
            meta["date"] = value.date()
        elif isinstance(value, str):
            try:
                meta["date"] = dt.date.fromisoformat(value.strip())
            except ValueError:
                fail("date", f"'date' is not a date: {value!r}", "write it as YYYY-MM-DD")
        elif not isinstance(value, dt.date):
            fail("date", "'date' must be a date", "write it as YYYY-MM-DD")
    if "draft" in meta and not isinstance(meta["draft"], bool):
        fail("draft", "'draft' must be true or false")
    if "weight" in meta and (isinstance(meta["weight"], bool)
                             or not isinstance(meta["weight"], int | float)
                             or not finite(meta["weight"])):
        fail("weight", "'weight' must be a number (lower comes first in navigation)")
    if "updates" in meta:
        updates = _updates(meta["updates"])
        if isinstance(updates, str):
            fail("updates", f"'updates' {updates}",
                 "write a list of entries, each with a date and a text:\n"
                 "  updates:\n    - date: 2025-09-01\n      text: Corrected the H20 price.")
        else:
            meta["updates"] = updates
    if problems:
        raise InputError(problems=problems)
    return meta


@dataclass(frozen=True)
class Update:
    """One entry of a page's corrections log (front matter `updates:`)."""

    date: dt.date
    text: str


def _updates(value: Any) -> tuple[Update, ...] | str:
    """The entries of `updates:`, oldest first, or what is wrong with them."""
    if not isinstance(value, list):
        return "must be a list"
    entries = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"date", "text"}:
            return f"entry {number} must have exactly a date and a text"
        date, text = item["date"], item["text"]
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date.strip())
            except ValueError:
                return f"entry {number} has a date that is not YYYY-MM-DD: {date!r}"
        if isinstance(date, dt.datetime):
            date = date.date()
        if not isinstance(date, dt.date) or not isinstance(text, str) or not text.strip():
            return f"entry {number} needs a date (YYYY-MM-DD) and a non-empty text"
        entries.append(Update(date, text.strip()))
    return tuple(sorted(entries, key=lambda u: u.date))


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 2


def title_from_name(source: str) -> str:
    """A readable title from a file name, for pages with neither a title nor a heading."""
    path = PurePosixPath(source)
    if path.stem == "index":
        if path.parent.name in ("", "content"):
            return "Home"
        name = path.parent.name
    else:
        name = path.stem
    return name.replace("-", " ").replace("_", " ").strip().capitalize() or "Home"
