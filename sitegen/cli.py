"""The command line: parse, call, print. Errors print as `PATH:LINE:COL: error: ...`, exit 1.

Each command is one small function; the work lives in build, serve, deploy and starter.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import __version__
from sitegen.errors import Problem, SitegenError

if TYPE_CHECKING:
    from sitegen.build import BuildOptions, BuildResult


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 build/user error, 2 usage, 130 Ctrl-C)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except SitegenError as error:
        _print_error(error, args)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the output is either the previous build or the new one, "
              "never a mix", file=sys.stderr)
        return 130
    except (OSError, Exception) as error:  # noqa: BLE001 - the last line of defence
        if not isinstance(error, OSError):
            if args.debug:
                traceback.print_exc()
            print(f"<site>: error: internal error: {type(error).__name__}: {error}",
                  file=sys.stderr)
            print("  hint: rerun with --debug for a traceback, and please report it",
                  file=sys.stderr)
            return 1
        if args.debug:
            traceback.print_exc()
        where = _in_site(getattr(error, "filename", None), getattr(args, "root", "."))
        print(f"{where}: error: {error.strerror or error}", file=sys.stderr)
        return 1


def _in_site(filename: object, root: str) -> str:
    """A file an OSError names, as the site names it (relative to its folder)."""
    if not filename:
        return "."
    path = Path(str(filename)).absolute()
    site = Path(root).resolve()
    return path.relative_to(site).as_posix() if path.is_relative_to(site) else str(filename)


def _print_error(error: SitegenError, args: argparse.Namespace) -> None:
    if args.debug:
        traceback.print_exception(error)
    for problem in error.problems:
        print(problem.format(), file=sys.stderr)
    count = len(error.problems)
    if count > 1:
        print(f"{count} problems; nothing was written", file=sys.stderr)


SHOWN_WARNINGS = 20
"""Warnings printed before the rest are counted: a site with a figure typed by hand on
each of 1,000 pages should not bury its build line (`--verbose` prints every one)."""


def _warnings(problems: Sequence[Problem], args: argparse.Namespace) -> None:
    if args.quiet:
        return
    shown = problems if args.verbose else problems[:SHOWN_WARNINGS]
    for problem in shown:
        print(problem.format("warning"), file=sys.stderr)
    if len(shown) < len(problems):
        print(f"... and {len(problems) - len(shown)} more warnings "
              "(--verbose prints every one)", file=sys.stderr)


def _build_options(args: argparse.Namespace) -> BuildOptions:
    """What every building command asks of a build, from its arguments (the one place)."""
    from sitegen.build import BuildOptions

    return BuildOptions(base_url=args.base_url, drafts=args.drafts,
                        strict=True if args.strict else None, refresh=args.refresh,
                        run_timeout=args.run_timeout)


def _build(args: argparse.Namespace) -> int:
    from sitegen.build import Progress, TerminalLine, build_site

    root = Path(args.root).resolve()
    out = Path(args.out).resolve() if args.out else None
    progress = Progress()
    if args.quiet or not sys.stderr.isatty():  # off a terminal: nothing before the summary
        result = build_site(root, out, _build_options(args), progress)
    else:
        with TerminalLine(progress, sys.stderr):
            result = build_site(root, out, _build_options(args), progress)
    _warnings(result.warnings, args)
    if not args.quiet:
        target = _shown_folder(result.output) if result.output else "_site"
        print(f"{summary_line(result)} -> {target}")
    _loaders(result, args)
    if args.verbose:
        if result.phases:
            print("  " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.phases))
        for path in sorted(result.files):
            print(f"  {path}")
    return 0


def _loaders(result: BuildResult, args: argparse.Namespace) -> None:
    """With --verbose, each data loader and whether it ran or came from the cache."""
    report = result.loaders
    if not args.verbose or report is None:
        return
    for path in report.ran:
        print(f"  ran {path}")
    for path in report.cached:
        print(f"  cached {path}")


def summary_line(result: BuildResult) -> str:
    """What a build did and what came from cache, and how long it took (without the folder):
    `built 1,000 pages (12 rendered, 988 cached), 13 charts (1 rendered), 2 loaders (1 ran,
    1 cached) in 0.41 s`: loaders never give stale data without saying so."""
    pages = len(result.pages)
    parts = [f"built {pages:,} page{'s' * (pages != 1)} ({result.rendered:,} rendered, "
             f"{pages - result.rendered:,} cached)"]
    if result.charts:
        parts.append(f"{result.charts:,} chart{'s' * (result.charts != 1)} "
                     f"({result.charts_rendered:,} rendered)")
    report = result.loaders
    if report is not None and (report.ran or report.cached):
        count = len(report.ran) + len(report.cached)
        parts.append(f"{count:,} loader{'s' * (count != 1)} ({len(report.ran):,} ran, "
                     f"{len(report.cached):,} cached)")
    return ", ".join(parts) + f" in {result.seconds:.2f} s"


def _shown_folder(folder: Path) -> str:
    """A folder as the user can type it: relative to here when inside, else absolute."""
    here = Path.cwd().resolve()
    return folder.relative_to(here).as_posix() or "." if folder.is_relative_to(here) \
        else str(folder)


def _check(args: argparse.Namespace) -> int:
    from sitegen.build import check_site

    found = check_site(Path(args.root))
    for problem in found.problems:
        print(problem.format("warning") if args.verbose else
              f"{problem.location()}: {problem.message}")
    if not args.quiet:
        print(f"{len(found.problems)} figures typed by hand in {found.pages} pages "
              f"({found.words} number words: {found.by_rule} names, periods and dates, "
              f"{found.by_literal} listed literals; {found.inline} literals marked inline)")
    return 1 if found.problems else 0


def _serve(args: argparse.Namespace) -> int:
    from sitegen.serve import ServeOptions, serve

    serving = ServeOptions(host=args.host, port=args.port, open_browser=args.open,
                           quiet=args.quiet, verbose=args.verbose, debug=args.debug)
    return serve(Path(args.root), _build_options(args), serving)


def _deploy(args: argparse.Namespace) -> int:
    from sitegen.deploy import DeployOptions, deploy, report

    options = DeployOptions(
        remote=args.remote, branch=args.branch, message=args.message, cname=args.cname,
        dry_run=args.dry_run, push=not args.no_push, force=args.force,
        build=_build_options(args),
    )

    def say(line: str) -> None:
        if not args.quiet:
            print(line)

    result = deploy(Path(args.root), options, say)
    if result.build is not None:
        _warnings(result.build.warnings, args)
    report(result, options, say)
    if args.verbose and result.build is not None:
        extra = [".nojekyll"] + (["CNAME"] if options.cname else [])
        for path in sorted([*result.build.files, *extra]):
            say(f"  {path}")
    return 0


def _new(args: argparse.Namespace) -> int:
    from sitegen.starter import create_site

    target = Path(args.directory)
    create_site(target, with_theme=args.with_theme)
    if not args.quiet:
        print(f"created {target}; next: cd {target} && sitegen build")
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=".", help="the site folder (default: here)")
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loud.add_argument("-v", "--verbose", action="store_true", help="print more")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    building = argparse.ArgumentParser(add_help=False)
    building.add_argument("--base-url", help="absolute URL the site is published at")
    building.add_argument("--drafts", action="store_true", help="include pages marked draft")
    building.add_argument("--strict", action="store_true",
                          help="treat warnings (such as a chart without a description) as errors")
    building.add_argument("--refresh", action="store_true",
                          help="rerun every data loader, even those whose result is cached")
    building.add_argument("--run-timeout", type=float, metavar="SECONDS",
                          help="how long a data loader or chart module may run (default 300)")

    parser = argparse.ArgumentParser(
        prog="sitegen", description="Static sites for data explainers: Markdown and data in, "
        "a site with charts out.",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", parents=[common, building], help="build the site")
    build.add_argument("--out", help="output folder (default: _site)")
    build.set_defaults(run=_build)

    check = commands.add_parser("check", parents=[common],
                                help="list the figures in prose typed by hand, not bound to data")
    check.set_defaults(run=_check)

    serve = commands.add_parser("serve", parents=[common, building],
                                help="preview the site, rebuilding and reloading on change")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--open", action="store_true", help="open a browser tab")
    serve.set_defaults(run=_serve)

    deploy = commands.add_parser("deploy", parents=[common, building],
                                 help="build for GitHub Pages and push to the gh-pages branch")
    deploy.add_argument("--remote", default="origin")
    deploy.add_argument("--branch", default="gh-pages")
    deploy.add_argument("--message", help="commit message")
    deploy.add_argument("--cname", help="custom domain (writes CNAME)")
    deploy.add_argument("--dry-run", action="store_true", help="build and say what would happen")
    deploy.add_argument("--no-push", action="store_true", help="commit but do not push")
    deploy.add_argument("--force", action="store_true", help="force-push (overwrites the remote)")
    deploy.set_defaults(run=_deploy)

    new = commands.add_parser("new", parents=[common], help="create a starter site")
    new.add_argument("directory")
    new.add_argument("--with-theme", action="store_true",
                     help="also copy the default templates/ and static/ to customise")
    new.set_defaults(run=_new)
    return parser
