"""Render jobs done once for their exact inputs, for every site: the user-level cache keeps them.

A job (an SVG, a Vega compile, a PNG) is a pure function of its payload and the versions that
shape output (charts.cache.output_versions, which hashes sitegen's own code too), so its result
is kept in the user cache under a hash of both: a chart another site, an earlier build, CI or
the test suite already drew is read back instead of drawn again. What is not there goes to the
worker pool when there is one, else runs in this process, and is stored once done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sitegen.cache import UserCache
from sitegen.charts.cache import output_versions


@dataclass(frozen=True)
class Handle:
    """A submitted job: its memo name, and a result already known or a pool ticket."""

    name: str
    known: Any = None
    ticket: int | None = None


class Jobs:
    """Submit jobs, then ask for their results (see the module docstring)."""

    def __init__(self, pool: Any, user: UserCache | None) -> None:
        self._pool = pool
        self._user = user
        self._versions = output_versions()

    def submit(self, kind: str, payload: Any) -> Handle:
        """Queue a job ("svg", "vega" or "png"), unless its result is in the user cache."""
        digest = hashlib.sha256(
            f"{kind}\0{self._versions}\0{json.dumps(payload)}".encode()).hexdigest()
        name = f"renders/{digest[:2]}/{digest}.json"
        raw = self._user.read(name) if self._user is not None else None
        if raw is not None:
            try:
                return Handle(name, known=json.loads(raw))
            except ValueError:
                pass
        ticket = self._pool.submit(kind, payload) if self._pool is not None else None
        return Handle(name, ticket=ticket)

    def result(self, handle: Handle, compute: Callable[[], Any]) -> Any:
        """The job's result: from the cache, its worker, or compute() here; stored when it is
        a success (an error is reported, never kept)."""
        if handle.known is not None:
            return _plain(handle.known)
        if handle.ticket is not None and self._pool is not None:
            value = self._pool.result(handle.ticket, compute)
        else:
            value = compute()
        ok = value is not None and not (isinstance(value, list | tuple) and value[0] is None)
        if ok and self._user is not None:
            self._user.write(handle.name, json.dumps(value).encode())
        return _plain(value)


def _plain(value: Any) -> Any:
    """JSON gives lists where the renderers give tuples: (svg, error) pairs stay pairs."""
    return tuple(value) if isinstance(value, list) else value
