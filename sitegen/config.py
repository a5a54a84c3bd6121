"""Site configuration: `sitegen.toml` read once into a frozen `Config`, and `SitePaths`, where
every input of a site lives.

Unknown keys and wrong types are errors naming the key and its line, all reported at once,
so a typo never silently turns a setting off. A setting given on the command line goes
through the same checks as the same setting in the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sitegen.errors import ConfigError, Problem, toml_syntax_error

CONFIG_FILE = "sitegen.toml"
CACHE_DIR = ".sitegen-cache"
WATCHED_DIRS = ("content", "templates", "static")
"""The folders under a site's root whose files are its inputs (recursively)."""


def theme_root() -> Path:
    """The packaged default theme: inside the wheel, or the repository's top level in a checkout."""
    package = Path(__file__).resolve().parent
    packaged = package / "_theme"
    if packaged.is_dir():
        return packaged
    return package.parent


@dataclass(frozen=True)
class SitePaths:
    """Where a site's inputs live (the build reads them, the server watches them, the caches
    sit beside them): the one place that knows the layout."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def content(self) -> Path:
        return self.root / WATCHED_DIRS[0]

    @property
    def data(self) -> Path:
        return self.content / "data"

    @property
    def charts(self) -> Path:
        return self.content / "charts"

    @property
    def templates(self) -> Path:
        return self.root / WATCHED_DIRS[1]

    @property
    def static(self) -> Path:
        return self.root / WATCHED_DIRS[2]

    @property
    def cache(self) -> Path:
        return self.root / CACHE_DIR

    @property
    def theme_templates(self) -> Path:
        return theme_root() / "templates"

    @property
    def theme_static(self) -> Path:
        return theme_root() / "static"

    @property
    def input_folders(self) -> tuple[Path, ...]:
        """Every folder a build reads files from, the theme's included."""
        return (self.content, self.templates, self.static,
                self.theme_templates, self.theme_static)

    def relative(self, path: Path) -> str:
        """A path as the site names it (relative to the root, with `/`)."""
        return path.relative_to(self.root).as_posix()


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
    search: bool = True              # a Pagefind index and a search box in the theme
    literals: tuple[str, ...] = ()   # words the figure check accepts as typed by hand
    allowed_hosts: tuple[str, ...] = ()
    run_timeout: float = 300.0  # seconds a data loader or chart module may run
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> SitePaths:
        return SitePaths(self.root)

    def output_folder(self, given: Path | None = None) -> Path:
        """The folder a build replaces: given (--out), else `output_dir`, resolved.

        Refused, before anything is written, where replacing it would delete the site: the
        site's folder or one holding it, an input folder (or one inside or around it), the
        cache, `.git`, the file system's root and the home folder.
        """
        target = (given if given is not None else self.root / self.output_dir).resolve()
        reason = _unsafe_output(target, self.paths)
        if reason is None and target.exists() and not target.is_dir():
            reason = "is a file, not a folder"
        if reason is None:
            return target
        if given is not None:
            where, line = "--out", None
        else:
            text = self.paths.config_file.read_text(encoding="utf-8") \
                if self.paths.config_file.is_file() else ""
            where, line = CONFIG_FILE, _key_line(text, "output_dir")
        raise ConfigError(
            f"the output folder '{_shown_folder(target, self.root)}' {reason}: a build replaces "
            "its output folder whole", where, line, 1 if line is not None else None,
            "write the site to a folder of its own, such as _site (the default)",
        )

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with command-line options applied (None means: keep the file's value).

        They are checked exactly as the same keys in sitegen.toml, and a bad one is an
        error naming the option.
        """
        given = {key: value for key, value in changes.items() if value is not None}
        values = _checked(given, lambda key: (f"--{key.replace('_', '-')}", None))
        return replace(self, **values)


def _unsafe_output(target: Path, paths: SitePaths) -> str | None:
    """Why replacing target would destroy something that is not output, or None."""
    if target == Path(target.anchor):
        return "is the file system's root"
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known
        home = None
    if home is not None and home.is_relative_to(target):
        return "is the home folder" if home == target else "holds the home folder"
    root = paths.root.resolve()
    if root.is_relative_to(target):
        return "is the site's folder" if root == target else "holds the site's folder"
    kept = {paths.content: "content/", paths.templates: "templates/", paths.static: "static/",
            paths.cache: f"{CACHE_DIR}/", paths.root / ".git": ".git/",
            paths.theme_templates: "the theme's templates/",
            paths.theme_static: "the theme's static/"}
    for folder, name in kept.items():
        folder = folder.resolve()
        if target == folder:
            return f"is {name}"
        if target.is_relative_to(folder):
            return f"is inside {name}"
        if folder.is_relative_to(target):
            return f"holds {name}"
    return None


def _shown_folder(target: Path, root: Path) -> str:
    """A folder as the site names it: relative to the site's folder, `/` and `~` by name."""
    if target == Path(target.anchor):
        return target.anchor
    try:
        if target == Path.home().resolve():
            return "~"
    except (RuntimeError, KeyError):
        pass
    return Path(os.path.relpath(target, root.resolve())).as_posix()


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
    "search": (bool, bool),
    "literals": (list, lambda words: tuple(str(word) for word in words)),
    "allowed_hosts": (list, lambda hosts: tuple(sorted({str(h).strip().lower() for h in hosts}))),
    "run_timeout": (float, float),
    "extra": (dict, dict),
}

assert set(_CHECKS) == {f.name for f in fields(Config)} - {"root"}

_URL_UNSAFE = re.compile(r"[\s\"'<>\\^`{|}]|[\x00-\x1f\x7f]")


def _web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and nothing a page's markup would choke on."""
    from urllib.parse import urlsplit

    if _URL_UNSAFE.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.fragment


_VALUES: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "base_url": (lambda url: _web_url(url) and "?" not in url, "an absolute http(s) URL",
                 "write it as https://example.org/ or https://owner.github.io/repo/"),
    "repo_url": (_web_url, "an absolute http(s) URL", "write it as https://github.com/owner/repo"),
    "allowed_hosts": (lambda hosts: all(
        re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", h)
        for h in hosts), "a list of host names",
        'write host names only, e.g. allowed_hosts = ["tiles.example.org"]'),
    "language": (lambda tag: re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag) is not None,
                 "a language tag", "write it as en, de or pt-BR"),
}
"""Settings whose value must also have a form (checked after the type, from every source)."""


def _quoted(value: Any) -> str:
    """A setting's value in a message: on one line, and not too long."""
    text = repr(list(value)) if isinstance(value, tuple) else repr(str(value))
    return text if len(text) <= 80 else text[:77] + "...'"


def load_config(root: Path) -> Config:
    """Read `sitegen.toml` under root (optional) and return a checked Config."""
    path = root / CONFIG_FILE
    if not path.exists() and not path.is_symlink():
        return Config(root=root)
    if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(
            "not a file of the site (a link out of it, a folder or a special file)",
            CONFIG_FILE, None, None, "make sitegen.toml a plain file in the site's folder",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            "the file is not valid UTF-8", CONFIG_FILE, 1, None, "save it as UTF-8"
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, CONFIG_FILE, text) from None
    return Config(root=root, **_checked(raw, lambda key: (CONFIG_FILE, _key_line(text, key))))


Place = Callable[[str], tuple[str, int | None]]
"""Where a setting was given: (file or option name, line)."""


def _checked(raw: Mapping[str, Any], place: Place) -> dict[str, Any]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    known = ", ".join(sorted(_CHECKS))
    for key, value in raw.items():
        where, line = place(key)
        column = 1 if line is not None else None
        if key not in _CHECKS:
            problems.append(Problem(
                f"unknown setting '{key}'", where, line, column,
                f"known settings: {known}; free-form values go under [extra]",
            ))
            continue
        expected, normalise = _CHECKS[key]
        allowed = (int, float) if expected is float else expected
        if not isinstance(value, allowed) or (expected in (int, float)
                                              and isinstance(value, bool)):
            problems.append(Problem(
                f"'{key}' must be a {'number' if expected is float else expected.__name__}, "
                f"not {type(value).__name__}",
                where, line, column,
            ))
            continue
        values[key] = normalise(value)
    for key, (valid, what, hint) in _VALUES.items():
        value = values.get(key)
        if value and not valid(value):
            where, line = place(key)
            problems.append(Problem(
                f"{key} {_quoted(value)} is not {what}", where, line,
                1 if line is not None else None, hint,
            ))
    if values.get("feed_limit", 1) < 1:
        where, line = place("feed_limit")
        problems.append(Problem(
            f"feed_limit must be at least 1, not {values['feed_limit']}",
            where, line, 1 if line is not None else None,
            "it is how many pages feed.xml lists, newest first (20 unless set)",
        ))
    timeout = values.get("run_timeout", 1.0)
    if not 0 < timeout < float("inf"):
        where, line = place("run_timeout")
        problems.append(Problem(
            f"run_timeout must be a number of seconds above 0, not {timeout:g}",
            where, line, 1 if line is not None else None,
            "it is how long a data loader or chart module may run (300 unless set)",
        ))
    if problems:
        raise ConfigError(problems=problems)
    return values


def _key_line(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|[\"']?{re.escape(key)}[\"']?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None
