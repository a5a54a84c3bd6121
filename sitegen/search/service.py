"""A small client for `pagefind --service`: one Pagefind process spoken to over its pipes.

Pagefind's own Python package wraps the same service in asyncio, reading its answers into a
buffer of fixed size that a large index overflows; this client is synchronous (one request,
then its answer, read whole), which is all a build needs and cannot deadlock on the pipes.
Each message is base64-encoded JSON ended by a comma, in both directions.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from sitegen.errors import SearchError

_HINT = ("install it with: pip install pagefind-bin (it is in requirements.lock), "
         "or turn search off with search = false in sitegen.toml")


def pagefind_binary() -> Path:
    """The Pagefind executable shipped by the pagefind-bin package."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise SearchError("the search index needs Pagefind, which is not installed",
                          "sitegen.toml", None, None, _HINT) from None
    try:
        return Path(get_executable())
    except FileNotFoundError as exc:
        raise SearchError(f"the Pagefind binary is missing: {exc}", "sitegen.toml", None,
                          None, _HINT) from None


class PagefindService:
    """One running `pagefind --service`; use it as a context manager (it ends the process)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = bytearray()
        self._next_id = 0

    def __enter__(self) -> PagefindService:
        try:
            self._process = subprocess.Popen(
                [str(pagefind_binary()), "--service"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise SearchError(f"Pagefind could not start: {exc.strerror or exc}",
                              "sitegen.toml", None, None, _HINT) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):  # it already went away: the wait reaps it
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def request(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return the payload of its answer; an error is a SearchError."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise SearchError("Pagefind is not running", "sitegen.toml", None, None, _HINT)
        self._next_id += 1
        message = json.dumps({"message_id": self._next_id, "payload": payload})
        try:
            process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
            process.stdin.flush()
            answer = self._read_message(process)
        except OSError as exc:
            raise SearchError(f"Pagefind stopped answering: {exc}", "sitegen.toml", None,
                              None, _HINT) from None
        body = answer.get("payload") or {}
        if body.get("type") == "Error":
            raise SearchError(f"Pagefind failed: {body.get('message', 'no message')}",
                              "sitegen.toml", None, None,
                              "this is Pagefind's own message; search = false turns it off")
        return dict(body)

    def _read_message(self, process: subprocess.Popen[bytes]) -> dict[str, Any]:
        assert process.stdout is not None
        while b"," not in self._buffer:
            chunk = os.read(process.stdout.fileno(), 1 << 20)  # what is there, up to 1 MiB
            if not chunk:
                raise OSError(f"it exited (status {process.poll()})")
            self._buffer += chunk
        end = self._buffer.index(b",")
        encoded = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        decoded: dict[str, Any] = json.loads(base64.b64decode(encoded))
        return decoded
