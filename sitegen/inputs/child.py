"""The child side of `runner`: run one Job in this fresh interpreter and write its outcome.

Started as `python -m sitegen.inputs.child FOLDER`: reads FOLDER/job.pickle, runs the file's
function with an audit hook recording every file opened and any network connection, keeps
stdout aside (recording where the first print came from), and writes FOLDER/out.pickle.
faulthandler writes the stack to FOLDER/trace.txt on a crash or when the parent, at the time
limit, asks with SIGUSR1.
"""

from __future__ import annotations

import ast
import faulthandler
import os
import pickle
import signal
import sys
import sysconfig
import traceback
from pathlib import Path
from typing import Any

from sitegen.inputs.runner import JOB_FILE, OUT_FILE, TRACE_FILE, Job, Pending, Returned


class _Watch:
    """What the code did while it ran: files opened, network used, lines printed."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.on = False
        self.opened: list[str] = []
        self.network = False
        self.printed: list[str] = []
        self.print_line: int | None = None

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.on:
            return
        if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
            self.opened.append(os.path.abspath(os.fsdecode(args[0])))
        elif event in ("socket.connect", "socket.getaddrinfo"):
            self.network = True

    def write(self, text: str) -> int:
        if self.on and text and self.print_line is None:
            self.print_line = _line_in(traceback.extract_stack(), self.path)
        self.printed.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def _line_in(frames: traceback.StackSummary, path: str) -> int | None:
    lines = [frame.lineno for frame in frames if frame.filename == path]
    return lines[-1] if lines and lines[-1] is not None else None


def main(folder: Path) -> None:
    """Run the job in folder and write its outcome there."""
    trace = open(folder / TRACE_FILE, "w", encoding="utf-8")  # noqa: SIM115 - kept open
    faulthandler.enable(file=trace, all_threads=False)
    faulthandler.register(signal.SIGUSR1, file=trace, all_threads=False)
    with open(folder / JOB_FILE, "rb") as handle:
        job: Job = pickle.load(handle)
    watch = _Watch(job.path)
    sys.addaudithook(watch.hook)
    sys.stdout = watch
    outcome = _run(job, watch)
    watch.on = False
    if outcome["kind"] == "ok":
        text = "".join(watch.printed)
        outcome["printed"] = (text, watch.print_line) if text.strip() else None
        outcome["opened"] = _user_files(watch.opened, job.path)
        outcome["network"] = watch.network
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - a value that cannot travel is a wrong value
        data = pickle.dumps(_failed(f"returned a value that is not data ({exc})",
                                    outcome.get("def_line", 1),
                                    "return lists, mappings, text, numbers and dates"))
    with open(folder / OUT_FILE, "wb") as handle:
        handle.write(data)


def _run(job: Job, watch: _Watch) -> dict[str, Any]:
    try:
        source = job.path.read_text(encoding="utf-8")
        code = compile(source, str(job.path), "exec")
    except SyntaxError as exc:
        return _failed(f"{job.what} has a syntax error: {exc.msg}", exc.lineno or 1, None,
                       exc.offset)
    except (OSError, UnicodeDecodeError) as exc:
        return _failed(f"{job.what} cannot be read: {exc}", 1, "save it as UTF-8")
    namespace: dict[str, Any] = {"__name__": f"sitegen_{job.path.stem}",
                                 "__file__": str(job.path)}
    watch.on = True
    try:
        exec(code, namespace)
    except BaseException as exc:  # noqa: BLE001 - everything the code does is reported
        return _raised(exc, job, 1, f"importing {job.what}")
    function = namespace.get(job.function)
    if not callable(function):
        return _failed(f"{job.what} defines no {job.function}(data) function", 1,
                       f"add: def {job.function}(data): ...")
    def_line = getattr(getattr(function, "__code__", None), "co_firstlineno", 1)
    try:
        value = function(job.argument)
        if job.finish is not None:
            value = job.finish(value)
    except Returned as wrong:
        cause = wrong.__cause__ or wrong.__context__
        line = _line_in(traceback.extract_tb(cause.__traceback__), str(job.path)) \
            if cause is not None else None
        return _failed(wrong.message, line or def_line, wrong.hint)
    except BaseException as exc:  # noqa: BLE001
        return _raised(exc, job, def_line, f"{job.function}(data)")
    finally:
        watch.on = False
    read = getattr(job.argument, "read", {})
    return {"kind": "ok", "value": value, "read": sorted(read), "def_line": def_line,
            "globals": _settings(source, namespace)}


def _raised(exc: BaseException, job: Job, fallback: int, what: str) -> dict[str, Any]:
    line = _line_in(traceback.extract_tb(exc.__traceback__), str(job.path)) or fallback
    if isinstance(exc, Pending):
        return {"kind": "pending", "name": exc.name, "line": line, "every": exc.every}
    if isinstance(exc, SystemExit):
        return _failed(f"{what} called sys.exit({exc.code!r})", line,
                       "return the data instead of exiting; raise an exception to report "
                       "a problem")
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else ""
    shown = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    hint = "check that the file it reads exists (paths are relative to the site's folder)" \
        if isinstance(exc, FileNotFoundError) else None
    return _failed(f"{what} raised {shown}", line, hint)


def _failed(message: str, line: int, hint: str | None, column: int | None = None,
            ) -> dict[str, Any]:
    return {"kind": "failed", "message": message, "line": line, "hint": hint,
            "column": column}


def _settings(source: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Top-level text and number assignments: name -> (value, line)."""
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = namespace.get(name)
            if name.isupper() and isinstance(value, str | int | float):
                found[name] = (value, node.lineno)
    return found


def _user_files(opened: list[str], own: Path) -> list[str]:
    """The files the code opened, without its own file and Python's (libraries, caches)."""
    skip = {str(own)}
    prefixes = {os.path.join(p, "") for p in (
        sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(),
        str(Path(__file__).resolve().parents[1]), "/dev", "/proc", "/sys")}
    kept: list[str] = []
    for path in opened:
        if path in skip or path.startswith(tuple(prefixes)) or "__pycache__" in path \
                or "site-packages" in path or "dist-packages" in path:
            continue
        skip.add(path)
        kept.append(path)
    return kept


if __name__ == "__main__":
    main(Path(sys.argv[1]))
