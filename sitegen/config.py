"""Site configuration: `sitegen.toml` read once into a frozen `Config`.

Unknown keys and wrong types are errors naming the key and its line, all reported at once,
so a typo never silently turns a setting off.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sitegen.errors import Problem, SitegenError, toml_syntax_error

CONFIG_FILE = "sitegen.toml"


@dataclass(frozen=True)
class Config:
    """Everything a build needs to know about the site, checked and normalised."""

    root: Path
    title: str = "Untitled site"
    description: str = ""
    author: str = ""
    language: str = "en"
    base_url: str = ""
    copyright: str = ""
    repo_url: str = ""
    output_dir: str = "_site"
    strict: bool = False
    typographer: bool = True
    feed_limit: int = 20
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def data_dir(self) -> Path:
        return self.root / "content" / "data"

    @property
    def charts_dir(self) -> Path:
        return self.root / "content" / "charts"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".sitegen-cache"

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with command-line options applied (None means: keep the file's value)."""
        kept = {key: value for key, value in changes.items() if value is not None}
        if "base_url" in kept:
            kept["base_url"] = normalise_base_url(kept["base_url"])
        return replace(self, **kept)


def normalise_base_url(url: str) -> str:
    """An absolute base URL always ends with `/`; empty stays empty (relative-only site)."""
    url = url.strip()
    if url and not url.endswith("/"):
        url += "/"
    return url


_CHECKS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    "title": (str, str.strip),
    "description": (str, str.strip),
    "author": (str, str.strip),
    "language": (str, str.strip),
    "base_url": (str, normalise_base_url),
    "copyright": (str, str.strip),
    "repo_url": (str, str.strip),
    "output_dir": (str, str.strip),
    "strict": (bool, bool),
    "typographer": (bool, bool),
    "feed_limit": (int, int),
    "extra": (dict, dict),
}

assert set(_CHECKS) == {f.name for f in fields(Config)} - {"root"}


def load_config(root: Path) -> Config:
    """Read `sitegen.toml` under root (optional) and return a checked Config."""
    path = root / CONFIG_FILE
    if not path.exists():
        return Config(root=root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SitegenError(
            "the file is not valid UTF-8", CONFIG_FILE, 1, None, "save it as UTF-8"
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, CONFIG_FILE) from None
    return Config(root=root, **_checked(raw, text))


def _checked(raw: Mapping[str, Any], text: str) -> dict[str, Any]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    known = ", ".join(sorted(_CHECKS))
    for key, value in raw.items():
        line = _key_line(text, key)
        if key not in _CHECKS:
            problems.append(Problem(
                f"unknown setting '{key}'", CONFIG_FILE, line, 1,
                f"known settings: {known}; free-form values go under [extra]",
            ))
            continue
        expected, normalise = _CHECKS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(Problem(
                f"'{key}' must be a {expected.__name__}, not {type(value).__name__}",
                CONFIG_FILE, line, 1,
            ))
            continue
        values[key] = normalise(value)
    base_url = values.get("base_url", "")
    if base_url and not re.match(r"^https?://[^/\s]+/", base_url):
        problems.append(Problem(
            f"base_url '{base_url}' is not an absolute http(s) URL",
            CONFIG_FILE, _key_line(text, "base_url"), 1,
            "write it as https://example.org/ or https://owner.github.io/repo/",
        ))
    if problems:
        raise SitegenError(problems=problems)
    return values


def _key_line(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|[\"']?{re.escape(key)}[\"']?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None
