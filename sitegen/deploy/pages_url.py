"""Where GitHub Pages serves a site: the URL of a GitHub remote, or a custom domain."""

from __future__ import annotations

import re

from sitegen.errors import DeployError

_GITHUB_URL = re.compile(
    r"""^(?:[a-z][a-z0-9+.-]*://)?      # https://, ssh://, git:// or nothing (scp form)
        (?:[^@/]+@)?                    # git@ or user:token@
        (?:www\.)?github\.com(?::\d+)?  # the host, perhaps with a port
        [:/]+([^/]+)/([^/]+?)           # OWNER/REPO
        (?:\.git)?/*$""",
    re.IGNORECASE | re.VERBOSE,
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def github_pages_url(remote_url: str) -> str | None:
    """The Pages URL of a GitHub remote (https://owner.github.io/repo/), or None if not GitHub."""
    match = _GITHUB_URL.match(remote_url.strip())
    if not match:
        return None
    owner, repo = match.group(1).lower(), match.group(2)
    if repo.lower() in (f"{owner}.github.io", f"{owner}.github.com"):
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{repo}/"


def cname_domain(value: str) -> str:
    """A custom domain as GitHub's CNAME file wants it: a bare host name, lower case."""
    domain = re.sub(r"^[a-z]+://", "", value.strip(), flags=re.IGNORECASE).rstrip("/").lower()
    if not _DOMAIN.match(domain):
        raise DeployError(
            f"--cname '{value}' is not a domain name",
            hint="pass the bare host name, for example --cname www.example.org",
        )
    return domain


def choose_base_url(explicit: str | None, cname: str | None, remote_url: str) -> str | None:
    """--base-url, else the custom domain, else the GitHub Pages URL; None: sitegen.toml's."""
    if explicit:
        return explicit
    if cname:
        return f"https://{cname}/"
    return github_pages_url(remote_url)
