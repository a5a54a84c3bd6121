"""Deploy: build the site for its Pages URL, commit the output to gh-pages, push it.

The commit is made with git plumbing on a temporary index (hash-object, update-index,
write-tree, commit-tree, update-ref), so the user's working tree, index, current branch and
stashes are never touched and no worktree is left behind. The branch holds only the built
site plus `.nojekyll` (and `CNAME` when asked). The new commit always sits on top of the
branch's history, local or remote; a push that would lose someone else's deploy is an error,
never a silent force-push.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sitegen.build import BuildOptions, BuildResult, build_site
from sitegen.config import load_config, normalise_base_url
from sitegen.deploy.git import (
    Git,
    SourceState,
    check_branch_free,
    commit_identity,
    gist,
    open_repository,
    remote_url,
    source_state,
    write_tree,
)
from sitegen.deploy.pages_url import choose_base_url, cname_domain, github_pages_url
from sitegen.errors import DeployError

__all__ = [
    "DeployOptions", "DeployResult", "SourceState", "choose_base_url", "cname_domain",
    "deploy", "deploy_message", "github_pages_url", "report",
]


@dataclass(frozen=True)
class DeployOptions:
    """What `sitegen deploy` was asked to do."""

    remote: str = "origin"
    branch: str = "gh-pages"
    message: str | None = None
    cname: str | None = None
    dry_run: bool = False
    push: bool = True
    force: bool = False
    build: BuildOptions = BuildOptions()


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did (or, for a dry run, would do)."""

    base_url: str
    files: int
    source: SourceState
    parent: str | None
    commit: str | None = None
    pushed: bool = False
    build: BuildResult | None = field(default=None, repr=False)


# ---------------------------------------------------------------------- the commit

def deploy_message(options: DeployOptions, source: SourceState, base_url: str) -> str:
    """The commit message: the user's or a default, always naming the source commit."""
    short = source.commit[:12] if source.commit else "no commit"
    if source.commit is None:
        origin = "a repository with no commits yet"
    else:
        origin = f"{source.commit}" + (f" ({source.branch})" if source.branch else "")
    subject = options.message or (
        f"Deploy {short}" + (" with uncommitted changes" if source.dirty else "")
    )
    body = [f"Built by sitegen deploy from {origin}."]
    if source.dirty:
        body.append("The working tree had uncommitted changes, so this build is not exactly "
                    "that commit.")
    if base_url:
        body.append(f"Base URL: {base_url}")
    return subject.strip() + "\n\n" + "\n".join(body) + "\n"


def choose_parent(git: Git, options: DeployOptions, local: str | None,
                  remote: str | None) -> str | None:
    """The commit to build on: whichever of the local and remote branch contains the other."""
    if remote is None or remote == local:
        return local
    if local is None or git.ok("merge-base", "--is-ancestor", local, remote):
        return remote
    if git.ok("merge-base", "--is-ancestor", remote, local) or options.force:
        return local
    raise DeployError(
        f"the local '{options.branch}' and {options.remote}'s '{options.branch}' have both "
        "moved on (someone else deployed since your last deploy)", git.cwd,
        hint=f"to build on {options.remote}'s history, run `git branch -f {options.branch} "
             f"{options.remote}/{options.branch}` and deploy again; to replace it with "
             "yours, `sitegen deploy --force`",
    )


def _remote_tip(git: Git, options: DeployOptions, say: Callable[[str], None]) -> str | None:
    """Fetch the remote's branch (if it has one) and return its tip; None when it has none."""
    ref = f"refs/heads/{options.branch}"
    listed = git.run("ls-remote", "--heads", options.remote, ref, check=False)
    if listed.returncode != 0:
        said = gist(listed.stderr)
        if options.push:
            raise DeployError(f"cannot reach the remote '{options.remote}': {said}", git.cwd,
                               hint="check the network and the remote's URL (git remote -v)")
        say(f"note: could not reach {options.remote}, committing on the local branch only")
        return None
    found = [line.split("\t") for line in listed.stdout.decode().splitlines()]
    tip = next((sha for sha, name in found if name == ref), None)
    tracking = f"refs/remotes/{options.remote}/{options.branch}"
    if tip is not None and git.rev(tracking) != tip:
        git.run("fetch", "--no-tags", "--quiet", options.remote, f"+{ref}:{tracking}")
    return tip


def _push(git: Git, options: DeployOptions, commit: str) -> None:
    """Push the branch; a rejection names what happened and what to do."""
    ref = f"refs/heads/{options.branch}"
    spec = ("+" if options.force else "") + f"{ref}:{ref}"
    done = git.run("push", "--porcelain", options.remote, spec, check=False)
    if done.returncode == 0:
        return
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    rejected = [line for line in said.splitlines() if line.startswith("!")]
    if rejected:
        reason = rejected[0].split("\t")[-1]
        raise DeployError(
            f"{options.remote} rejected the push to '{options.branch}' (git: {reason}); "
            "most likely someone else deployed while this one ran. Your local "
            f"'{options.branch}' is left as it was",
            git.cwd,
            hint="run sitegen deploy again: it fetches the new deploy and commits on top of "
                 "it; use --force only to overwrite what is there",
        )
    raise DeployError(
        f"pushing to {options.remote} failed: {gist(done.stderr)}", git.cwd,
        hint=f"check access to the remote (git push {options.remote} {options.branch} shows "
             "the details); the deploy commit was not kept",
    )


# ---------------------------------------------------------------------- the whole deploy

def deploy(root: Path, options: DeployOptions,
           say: Callable[[str], None] = lambda line: None) -> DeployResult:
    """Build root for its Pages URL and commit it to the branch (and push, unless told not to).

    Every check that can fail (git, repository, remote, branch, build) runs before anything
    is written to the repository; a failed push rolls the local branch back.
    """
    root = root.resolve()
    cname = cname_domain(options.cname) if options.cname else None
    git = open_repository(root)
    url = remote_url(git, options.remote)
    check_branch_free(git, options.branch)
    source = source_state(git)
    chosen = choose_base_url(options.build.base_url, cname, url)
    base_override = normalise_base_url(chosen) if chosen else None
    build_options = replace(options.build, base_url=base_override)
    with tempfile.TemporaryDirectory(prefix="sitegen-deploy-") as scratch:
        site_dir = Path(scratch) / "site"
        result = build_site(root, site_dir, build_options)
        base_url = base_override or load_config(root).base_url
        (site_dir / ".nojekyll").write_bytes(b"")
        if cname:
            (site_dir / "CNAME").write_text(cname + "\n", encoding="utf-8")
        files = sum(1 for p in site_dir.rglob("*") if p.is_file())
        ref = f"refs/heads/{options.branch}"
        local = git.rev(ref)
        if options.dry_run:  # no fetch: the remote-tracking branch is the best guess offline
            known = local or git.rev(f"refs/remotes/{options.remote}/{options.branch}")
            return DeployResult(base_url, files, source, known, build=result)
        remote = _remote_tip(git, options, say)
        parent = choose_parent(git, options, local, remote)
        tree = write_tree(git, site_dir, Path(scratch) / "index")
    message = deploy_message(options, source, base_url)
    identity = commit_identity(git)
    commit = git.text("commit-tree", tree, *(["-p", parent] if parent else []), "-F", "-",
                      stdin=message, env=identity)
    git.run("update-ref", "-m", "sitegen deploy", ref, commit, local or "")
    if not options.push:
        return DeployResult(base_url, files, source, parent, commit, build=result)
    try:
        _push(git, options, commit)
    except DeployError:
        if local:
            git.run("update-ref", "-m", "sitegen deploy: push failed", ref, local, commit)
        else:
            git.run("update-ref", "-d", ref, commit)
        raise
    return DeployResult(base_url, files, source, parent, commit, pushed=True, build=result)


def report(result: DeployResult, options: DeployOptions, say: Callable[[str], None]) -> None:
    pages = len(result.build.pages) if result.build else 0
    say(f"built {pages} pages, {result.files} files for "
        f"{result.base_url or '(no base URL: links are relative)'}")
    source = result.source
    origin = (source.commit[:12] if source.commit else "no commit") + (
        " with uncommitted changes" if source.dirty else "")
    if options.dry_run:
        onto = f"on top of {result.parent[:12]}" if result.parent else "as a new branch"
        say(f"dry run: would commit {result.files} files from {origin} to "
            f"'{options.branch}' {onto}")
        if options.push:
            say(f"dry run: would push '{options.branch}' to {options.remote}")
        say("dry run: nothing was written")
        return
    assert result.commit is not None
    onto = f"on top of {result.parent[:12]}" if result.parent else "as a new branch"
    say(f"committed {result.commit[:12]} ({origin}) to '{options.branch}' {onto}")
    if result.pushed:
        say(f"pushed '{options.branch}' to {options.remote}"
            + (" (forced)" if options.force else ""))
        say(f"GitHub Pages serves it at {result.base_url or 'the repository Pages URL'} once "
            f"Settings > Pages publishes from the '{options.branch}' branch")
    else:
        say(f"not pushed; publish with: git push {options.remote} {options.branch}")
