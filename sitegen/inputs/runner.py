"""Running a site's Python (data loaders, chart modules) in a child interpreter, with a time limit.

A site's code is trusted, like a Makefile, but it can be wrong: raise, call `sys.exit`, hang,
crash the interpreter, print to stdout or return the wrong thing. Each run is a fresh
`python -m sitegen.inputs.child` in the site's folder, so none of that can stop or corrupt the
build: it becomes a located error at the file and line (the innermost frame in that file; for
a hang, where it was when the time limit stopped it), and the previous output stays. The
child reports back the files the code opened (an audit hook's "open" events), which datasets
it read, and whether it used the network, so callers can cache the result exactly.

The protocol travels in files of a private temporary folder, never on stdout: the child's
stdout is captured, and anything printed there is an error at the `print` (messages belong
on stderr, which passes through to the terminal as the code runs).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.errors import InputError

TRACE_FILE = "trace.txt"
JOB_FILE = "job.pickle"
OUT_FILE = "out.pickle"


@dataclass(frozen=True)
class Job:
    """One call of a function in a site's Python file, as the child runs it.

    argument is pickled to the child; if it has a `read` mapping (the names it was asked
    for), those names come back. finish, a module-level function (pickled by name), turns
    the returned value into plain data in the child (raise `Returned` for a wrong value).
    """

    path: Path
    relative: str
    function: str
    argument: Any
    root: Path
    what: str = "the data loader"
    used_by: str = ""
    finish: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Ran:
    """What a successful run gave: the value, the names read, the files opened."""

    value: Any
    read: tuple[str, ...]
    opened: tuple[str, ...]
    """Absolute paths of the files the code opened (its own file and Python's excluded)."""
    def_line: int
    globals: dict[str, Any]
    """The module's simple top-level settings (such as REFRESH) and their lines."""
    network: bool


class Pending(BaseException):
    """Raised in the child by an argument asked for a dataset not made yet (not an Exception,
    so the code's own `except Exception` does not swallow it); every: it asked for them all."""

    def __init__(self, name: str, every: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.every = every


class Returned(Exception):
    """Raised by a Job's finish when the function returned something it cannot use."""

    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NeedsDataset(Exception):
    """The run asked for a dataset it was not given (not made yet, or not sent): make it
    or send it, then run again; every: it asked for every dataset (by iterating them)."""

    def __init__(self, name: str, line: int, every: bool = False) -> None:
        super().__init__(name)
        self.name = name
        self.line = line
        self.every = every


def run(job: Job, timeout: float) -> Ran:
    """Run job in a child interpreter; InputError at the file's line when it fails in any
    way, NeedsDataset when it asked for a dataset still to be made."""
    with tempfile.TemporaryDirectory(prefix="sitegen-run-") as folder:
        work = Path(folder)
        with open(work / JOB_FILE, "wb") as handle:
            pickle.dump(job, handle, protocol=pickle.HIGHEST_PROTOCOL)
        status, printed, hung = _child(job, work, timeout)
        trace = _read_text(work / TRACE_FILE)
        if hung:
            raise _error(job, f"ran longer than run_timeout ({timeout:g}s) and was stopped",
                         _trace_line(trace, job.path) or 1,
                         "make it faster, or raise run_timeout in sitegen.toml (seconds)")
        outcome = _outcome(work / OUT_FILE)
    if outcome is None:
        raise _no_outcome(job, status, trace)
    return _ran(job, outcome, printed)


def _child(job: Job, work: Path, timeout: float) -> tuple[int, bytes, bool]:
    """(exit status, stdout bytes, whether it was stopped at the time limit)."""
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(
        [sys.executable, "-P", "-m", "sitegen.inputs.child", str(work)], cwd=job.root,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, start_new_session=True,
    )
    try:
        printed, _ = process.communicate(timeout=timeout)
        return process.returncode, printed, False
    except subprocess.TimeoutExpired:
        _dump_and_stop(process, work / TRACE_FILE)
        return process.returncode, b"", True
    finally:
        if process.poll() is None:  # interrupted (Ctrl-C): stop what was started
            _stop(process)


def _dump_and_stop(process: subprocess.Popen[bytes], trace: Path) -> None:
    """Ask the child where it is (faulthandler on SIGUSR1), then stop its process group."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and "File " not in _read_text(trace):
        time.sleep(0.02)
    _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.communicate()


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _outcome(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            outcome = pickle.load(handle)  # written by our own child for this run
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    return outcome if isinstance(outcome, dict) else None


def _trace_line(trace: str, path: Path) -> int | None:
    """The innermost line of path in a faulthandler dump (it lists the newest call first)."""
    marker = f'File "{path}", line '
    for line in trace.splitlines():
        text = line.strip()
        if text.startswith(marker):
            number = text[len(marker):].split(" ", 1)[0]
            if number.isdigit():
                return int(number)
    return None


def _no_outcome(job: Job, status: int, trace: str) -> InputError:
    """The child ended without saying how: it exited early or crashed."""
    line = _trace_line(trace, job.path) or 1
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return _error(job, f"crashed the Python interpreter ({name})", line,
                      "a library it calls failed in native code; run the file alone with "
                      "python -X faulthandler to see where")
    return _error(job, f"ended the Python interpreter early (os._exit({status}) or the like)",
                  line, "return the data instead of exiting; raise an exception to report "
                  "a problem")


def _ran(job: Job, outcome: dict[str, Any], printed: bytes) -> Ran:
    """A child's outcome as a Ran, or the located error it reports."""
    kind = outcome["kind"]
    if kind == "pending":
        raise NeedsDataset(outcome["name"], outcome["line"], bool(outcome.get("every")))
    if kind != "ok":
        used = f" (used by {job.used_by})" if job.used_by else ""
        raise InputError(outcome["message"] + used, job.relative, outcome["line"],
                         outcome.get("column"), outcome.get("hint"))
    shown = outcome.get("printed")
    if shown is not None or printed.strip():
        text, line = shown if shown is not None else (printed.decode("utf-8", "replace"), None)
        first = text.strip().splitlines()[0] if text.strip() else ""
        raise _error(job, f"printed to stdout: {first[:60]!r}", line or outcome["def_line"],
                     "write messages to sys.stderr (sitegen passes them on) and return "
                     "the data; stdout is not read")
    return Ran(value=outcome["value"], read=tuple(outcome["read"]),
               opened=tuple(outcome["opened"]), def_line=outcome["def_line"],
               globals=outcome["globals"], network=outcome["network"])


def _error(job: Job, message: str, line: int, hint: str | None = None,
           column: int | None = None) -> InputError:
    used = f" (used by {job.used_by})" if job.used_by else ""
    return InputError(f"{job.what} {message}{used}", job.relative, line, column, hint)
