"""git for deploy: a runner whose failures are DeployErrors in git's own words, and the
plumbing that stores a folder as a tree without touching the working tree or the index."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import DeployError

FALLBACK_NAME = "sitegen"
FALLBACK_EMAIL = "sitegen@localhost"


@dataclass(frozen=True)
class Git:
    """Runs git in one repository; every failure becomes a DeployError naming the command."""

    cwd: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def run(self, *args: str, stdin: str | bytes | None = None, check: bool = True,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run `git ARGS`; with check, a non-zero exit raises with git's own words."""
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.cwd, input=data, capture_output=True,
                env={**os.environ, **self.env, **(env or {})},
            )
        except FileNotFoundError:
            raise _git_missing() from None
        if check and done.returncode != 0:
            raise DeployError(f"git {args[0]} failed: {gist(done.stderr)}", self.cwd)
        return done

    def text(self, *args: str, stdin: str | bytes | None = None,
             env: Mapping[str, str] | None = None) -> str:
        """Run git and return its stdout, stripped."""
        return self.run(*args, stdin=stdin, env=env).stdout.decode("utf-8", "replace").strip()

    def ok(self, *args: str) -> bool:
        """Whether `git ARGS` succeeds (for yes/no questions such as --is-ancestor)."""
        return self.run(*args, check=False).returncode == 0

    def rev(self, ref: str) -> str | None:
        """The commit a ref names, or None when there is no such ref."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if done.returncode != 0:
            return None
        return done.stdout.decode().strip() or None


def gist(stderr: bytes) -> str:
    """git's first fatal/error line (the rest is usually advice), or its first line."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    errors = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (errors or lines or ["no message"])[0]


def _git_missing() -> DeployError:
    return DeployError("git is not installed (or not on PATH)",
                        hint="install git (https://git-scm.com) and run sitegen deploy again")


def open_repository(root: Path) -> Git:
    """A Git for the repository holding root; errors if git is missing or root is not in one."""
    if shutil.which("git") is None:
        raise _git_missing()
    git = Git(root)
    done = git.run("rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0:
        raise DeployError(
            "not a git repository (deploy commits the site to a branch of one)", root,
            hint="run `git init` and `git remote add origin URL`, or pass --root",
        )
    return git


def remote_url(git: Git, remote: str) -> str:
    """The remote's configured URL as written (before any url.*.insteadOf rewriting)."""
    done = git.run("config", "--get", f"remote.{remote}.url", check=False)
    url = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode == 0 and url:
        return url
    names = git.text("remote").split()
    known = f"remotes here: {', '.join(names)}" if names else "this repository has no remotes"
    raise DeployError(
        f"no remote named '{remote}'", git.cwd,
        hint=f"{known}; add one with `git remote add {remote} URL` or pass --remote NAME",
    )


@dataclass(frozen=True)
class SourceState:
    """The commit the site was built from, and whether the working tree differed from it."""

    commit: str | None
    branch: str | None
    dirty: bool


def source_state(git: Git) -> SourceState:
    """HEAD's commit and branch, and whether tracked or new files differ from it."""
    branch = git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    status = git.text("--no-optional-locks", "status", "--porcelain")
    return SourceState(
        commit=git.rev("HEAD"),
        branch=branch.stdout.decode().strip() or None,
        dirty=bool(status),
    )


def check_branch_free(git: Git, branch: str) -> None:
    """Refuse to move a branch that some worktree has checked out (its files would go stale)."""
    ref = f"refs/heads/{branch}"
    if not git.ok("check-ref-format", ref):
        raise DeployError(f"'{branch}' is not a valid branch name", hint="pass --branch gh-pages")
    listing = git.text("worktree", "list", "--porcelain")
    for block in listing.split("\n\n"):
        lines = block.splitlines()
        if f"branch {ref}" in lines:
            where = lines[0].removeprefix("worktree ")
            raise DeployError(
                f"the branch '{branch}' is checked out in {where}", where,
                hint="switch that checkout to your source branch first; deploy never touches "
                     "a checked-out branch",
            )


def commit_identity(git: Git) -> dict[str, str]:
    """Environment for commit-tree: the configured identity, else sitegen <sitegen@localhost>."""
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        known = git.run("-c", "user.useConfigOnly=true", "var", f"GIT_{role}_IDENT", check=False)
        if known.returncode != 0:
            env[f"GIT_{role}_NAME"] = FALLBACK_NAME
            env[f"GIT_{role}_EMAIL"] = FALLBACK_EMAIL
    return env


def write_tree(git: Git, site_dir: Path, index_file: Path) -> str:
    """Store every file under site_dir byte for byte and return the tree: no filters, no ignores."""
    paths = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    hashes = git.text("hash-object", "-w", "--no-filters", "--stdin-paths",
                      stdin="".join(f"{site_dir / p}\n" for p in paths)).split()
    if len(hashes) != len(paths):
        raise DeployError("git hash-object returned the wrong number of objects", site_dir)
    env = {"GIT_INDEX_FILE": str(index_file)}
    entries = "".join(f"100644 {sha}\t{path}\0" for sha, path in zip(hashes, paths, strict=True))
    git.run("update-index", "--add", "-z", "--index-info", stdin=entries, env=env)
    return git.text("write-tree", env=env)
