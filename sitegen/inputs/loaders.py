"""Data loaders: `content/data/NAME.py` defining `load(data)` makes the dataset NAME.

Each loader runs in a child interpreter with the site's time limit (`runner`), gets the other
datasets, and returns rows, a mapping, a list or a DataFrame (pandas, polars, pyarrow, or
anything with the dataframe interchange protocol). A loader asking for another loader's result
waits for it (they are ordered by what they read); a cycle is an error naming both files.

A result is cached by exactly what it depended on: the loader's code, the datasets it read,
every file it opened (tracked by the child, path and content digest) and sitegen's code
(its fingerprint). A child is sent only the datasets it will likely read; asking for
another sends it and runs the loader again.
`REFRESH = "1d"` (s, m, h or d) in a loader bounds how long a cached result stays fresh,
for loaders that read the network; `--refresh` reruns every loader. Every build says which
loaders ran and which came from the cache.
"""

from __future__ import annotations

import ast
import hashlib
import math
import pickle
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sitegen.cache import LoaderCache, LoaderEntry, code_fingerprint
from sitegen.config import SitePaths
from sitegen.errors import InputError, Problem, ProblemCollector, SitegenError
from sitegen.inputs.data import Dataset, make_dataset
from sitegen.inputs.files import site_files
from sitegen.inputs.provenance import named_in_result, source_problems
from sitegen.inputs.readers import Parsed
from sitegen.inputs.runner import Job, NeedsDataset, Pending, Ran, Returned, run
from sitegen.inputs.shapes import describe

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*")


@dataclass(frozen=True)
class LoaderReport:
    """What the loaders of one build did: which ran, which came from the cache, when the
    first cached result goes stale, and the files read from outside the site's folders."""

    ran: tuple[str, ...] = ()
    cached: tuple[str, ...] = ()
    expires: float | None = None
    outside: tuple[str, ...] = ()


class LoaderData(Mapping[str, Dataset]):
    """The datasets a loader sees (in its child), remembering which it read. Only the
    datasets sent travel to the child; one not sent, or still to be made by another loader,
    raises Pending, so the parent sends it (making it first) and runs the loader again."""

    def __init__(self, sent: Mapping[str, Dataset], pending: frozenset[str],
                 unsent: frozenset[str] = frozenset()) -> None:
        self._datasets = dict(sent)
        self._pending = pending
        self._unsent = unsent - pending - set(sent)
        self.read: dict[str, str] = {}

    def __getitem__(self, name: str) -> Dataset:
        if name in self._pending or name in self._unsent:
            raise Pending(name)
        if name not in self._datasets:
            known = ", ".join(sorted({*self._datasets, *self._pending, *self._unsent})) \
                or "none"
            raise KeyError(f"no dataset named {name!r} (datasets: {known})")
        self.read[name] = self._datasets[name].digest
        return self._datasets[name]

    def __iter__(self) -> Iterator[str]:
        missing = sorted(self._pending | self._unsent)
        if missing:
            raise Pending(missing[0], every=True)
        self.read.update({name: ds.digest for name, ds in self._datasets.items()})
        return iter(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets) + len(self._pending) + len(self._unsent)


@dataclass(frozen=True)
class LoaderResult:
    """What a loader returned, as plain data, and the line of each row made by `derive`
    (by its position in the returned list)."""

    value: Any
    lines: Mapping[int, int] = field(default_factory=dict)


def loader_files(paths: SitePaths, problems: ProblemCollector | None = None) -> list[Path]:
    """Every loader of the site (`content/data/*.py`), in a stable order."""
    return [path for path in site_files(paths.data, paths.root, problems or ProblemCollector())
            if path.suffix == ".py" and path.parent == paths.data]


def run_loaders(paths: SitePaths, datasets: Mapping[str, Dataset], problems: ProblemCollector,
                timeout: float, refresh: bool = False,
                ) -> tuple[dict[str, Dataset], LoaderReport]:
    """The datasets with every loader's result added (a loader that fails is left out, its
    problem recorded), and what the loaders did. Rows that name no source are warned of
    (`provenance.source_problems`), in data files and loaders' results alike."""
    for dataset in datasets.values():
        for problem in source_problems(dataset):
            problems.warn(problem)
    files = {path.stem: path for path in loader_files(paths, problems)}
    every = dict(datasets)
    for name, path in files.items():
        if name in datasets:
            problems.add(InputError(
                f"two data files define the dataset '{name}': {datasets[name].path} and "
                f"{paths.relative(path)}", paths.relative(path), 1, None,
                "rename one of them: a dataset is named by its file stem"))
    files = {name: path for name, path in files.items() if name not in datasets}
    if not files:
        return every, LoaderReport()
    cache = LoaderCache(paths.cache / "loaders.pickle")
    loaders = _Loaders(paths, files, every, cache, timeout, refresh, problems)
    for name in sorted(files):
        loaders.make(name, ())
    cache.keep_only({paths.relative(path) for path in files.values()})
    cache.save()
    return every, loaders.report()


class _Loaders:
    """One build's loaders, made in the order their reads ask for."""

    def __init__(self, paths: SitePaths, files: dict[str, Path], datasets: dict[str, Dataset],
                 cache: LoaderCache, timeout: float, refresh: bool,
                 problems: ProblemCollector) -> None:
        self.paths, self.files, self.datasets = paths, files, datasets
        self.cache, self.timeout, self.refresh, self.problems = cache, timeout, refresh, problems
        self.failed: set[str] = set()
        self.ran: list[str] = []
        self.cached: list[str] = []
        self.expires: list[float] = []
        self.outside: set[str] = set()
        self.now = time.time()

    def report(self) -> LoaderReport:
        return LoaderReport(tuple(self.ran), tuple(self.cached),
                            min(self.expires) if self.expires else None,
                            tuple(sorted(self.outside)))

    def make(self, name: str, stack: tuple[str, ...]) -> Dataset | None:
        """The dataset loader name makes (from the cache when it still holds), or None when
        it failed (its problem recorded)."""
        if name in self.datasets or name in self.failed:
            return self.datasets.get(name)
        relative = self.paths.relative(self.files[name])
        try:
            code = hashlib.sha256(self.files[name].read_bytes()).hexdigest()
            entry = self.cache.get(relative)
            if entry is not None and not self.refresh and self._holds(entry, code, name, stack):
                dataset = self._dataset(name, relative, entry.value, entry.def_line)
                self.cached.append(relative)
            else:
                dataset = self._run(name, relative, code, stack, entry)
                self.ran.append(relative)
        except SitegenError as error:
            self.problems.add(error)
            self.failed.add(name)
            return None
        entry = self.cache.get(relative)
        read = [self.datasets[n] for n, _ in (entry.reads if entry else ()) if n in self.datasets]
        for problem in source_problems(dataset, read):
            self.problems.warn(problem)
        if entry is not None:
            if entry.fresh_for is not None:
                self.expires.append(entry.made + entry.fresh_for)
            self.outside.update(path for path, _ in entry.files if not self._in_site(path))
        self.datasets[name] = dataset
        return dataset

    def _holds(self, entry: LoaderEntry, code: str, name: str, stack: tuple[str, ...]) -> bool:
        """Whether a cached result still holds: same code and version, fresh, and every
        dataset and file it read as it was."""
        if entry.code != code or entry.version != code_fingerprint():
            return False
        if entry.fresh_for is not None and self.now - entry.made >= entry.fresh_for:
            return False
        for read, digest in entry.reads:
            if read in stack or read == name:
                return False
            dataset = self.make(read, (*stack, name)) if read in self.files \
                else self.datasets.get(read)
            if dataset is None or dataset.digest != digest:
                return False
        return all(_file_digest(Path(path)) == digest for path, digest in entry.files)

    def _run(self, name: str, relative: str, code: str, stack: tuple[str, ...],
             last: LoaderEntry | None) -> Dataset:
        wanted = self._likely_reads(name, last)
        while True:
            pending = frozenset(n for n in self.files if n != name and n not in self.datasets)
            sent = {n: self.datasets[n] for n in sorted(wanted) if n in self.datasets}
            data = LoaderData(sent, pending, frozenset(self.datasets) - {name})
            job = Job(path=self.files[name], relative=relative, function="load",
                      argument=data, root=self.paths.root, finish=plain_data)
            try:
                ran = run(job, self.timeout)
                break
            except NeedsDataset as need:
                for other in sorted(pending) if need.every else (need.name,):
                    if other in pending:
                        self._wait_for(NeedsDataset(other, need.line), name, relative, stack)
                wanted |= set(self.datasets) if need.every else {need.name}
        fresh_for = self._fresh_for(ran, relative)
        files = tuple((path, _file_digest(Path(path))) for path in ran.opened)
        reads = tuple((read, self.datasets[read].digest) for read in ran.read
                      if read in self.datasets)
        dataset = self._dataset(name, relative, ran.value, ran.def_line)
        self.cache.put(relative, LoaderEntry(code, code_fingerprint(), reads, files, self.now,
                                             fresh_for, ran.value, ran.def_line))
        return dataset

    def _likely_reads(self, name: str, last: LoaderEntry | None) -> set[str]:
        """The datasets a loader will likely ask for, sent with its first run: those it read
        last time, and those its code names as a text literal. One it asks for beyond these
        costs a second run; one named but not read costs only its pickling."""
        wanted = {read for read, _ in last.reads} if last is not None else set()
        try:
            tree = ast.parse(self.files[name].read_bytes())
        except (SyntaxError, ValueError, OSError):
            return wanted
        known = set(self.datasets) | set(self.files)
        return wanted | {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                         and isinstance(node.value, str) and node.value in known} - {name}

    def _wait_for(self, need: NeedsDataset, name: str, relative: str,
                  stack: tuple[str, ...]) -> None:
        """Make the dataset a loader asked for, or say why it cannot be had."""
        if need.name == name or need.name in stack:
            other = self.paths.relative(self.files[need.name])
            chain = " -> ".join(self.paths.relative(self.files[n])
                                for n in (*stack[stack.index(need.name):], name, need.name)
                                ) if need.name in stack else relative
            raise InputError(
                f"the loaders {relative} and {other} read each other's results "
                f"(a cycle: {chain})", relative, need.line, None,
                "compute the shared part in one loader, and let the other read its result")
        if self.make(need.name, (*stack, name)) is None:
            other = self.paths.relative(self.files[need.name])
            raise InputError(f"the loader reads '{need.name}', whose loader failed ({other})",
                             relative, need.line, None, f"fix the error reported at {other}")

    def _fresh_for(self, ran: Ran, relative: str) -> float | None:
        """Seconds a result stays fresh (REFRESH), None for as long as its inputs hold."""
        setting = ran.globals.get("REFRESH")
        if setting is None:
            if ran.network:
                self.problems.warn(Problem(
                    "the loader used the network but sets no REFRESH: its cached result is "
                    "kept until its code or the files it reads change", relative, ran.def_line,
                    None, 'add REFRESH = "1d" (s, m, h or d) to rerun it once it is that old; '
                    "sitegen build --refresh reruns every loader"))
            return None
        value, line = setting
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        match = _DURATION.fullmatch(value) if isinstance(value, str) else None
        if match is None or float(match.group(1)) <= 0:
            raise InputError(f"REFRESH must be a duration such as \"1d\", not {value!r}",
                             relative, line, None,
                             'write a number and a unit: "30m", "12h", "1d" (s, m, h or d)')
        return float(match.group(1)) * _UNITS[match.group(2)]

    def _dataset(self, name: str, relative: str, value: Any, def_line: int) -> Dataset:
        result = value if isinstance(value, LoaderResult) else LoaderResult(value)
        digest = hashlib.sha256(pickle.dumps(result, protocol=4)).hexdigest()
        lines: dict[Any, int] = {(index,): line for index, line in result.lines.items()}
        try:
            return make_dataset(name, relative, Parsed(result.value, {(): def_line, **lines}),
                                digest)
        except InputError as error:
            raise error.placed(relative) from None

    def _in_site(self, path: str) -> bool:
        return Path(path).is_relative_to(self.paths.root.resolve()) \
            or Path(path).is_relative_to(self.paths.root)


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# --- in the child: what load(data) returned, as plain data ----------------------------------


def plain_data(value: Any) -> LoaderResult:
    """A loader's result as lists, mappings and plain values (Returned for anything else):
    a DataFrame becomes its rows; rows made by `derive` name the rows they came from."""
    rows = _frame_rows(value)
    if rows is not None:
        return LoaderResult([{str(k): _plain(v, True) for k, v in row.items()} for row in rows])
    if isinstance(value, list | tuple):
        plain = _plain(value, False)
        return LoaderResult(plain, named_in_result(value, plain))
    if isinstance(value, dict):
        return LoaderResult(_plain(value, False))
    raise Returned(
        f"load(data) returned {_kind(value)}, not rows, a mapping or a DataFrame",
        "return a list of dicts (rows), a dict, a list, or a pandas, polars or pyarrow table")


def _frame_rows(value: Any) -> list[dict[str, Any]] | None:
    """A DataFrame's rows, by the export each library has; None for anything else."""
    if isinstance(value, dict | list | tuple | str | bytes):
        return None
    if callable(getattr(value, "to_dicts", None)):  # polars
        return list(value.to_dicts())
    if callable(getattr(value, "to_pylist", None)):  # pyarrow Table, RecordBatch
        return list(value.to_pylist())
    if callable(getattr(value, "to_dict", None)) and hasattr(value, "columns"):  # pandas
        return list(value.to_dict("records"))
    if callable(getattr(value, "__dataframe__", None)):
        try:
            from pyarrow import interchange
        except ImportError:
            raise Returned("load(data) returned a DataFrame sitegen can read only through "
                           "pyarrow", "pip install 'sitegen[parquet]', or return rows") from None
        return list(interchange.from_dataframe(value).to_pylist())
    return None


def _plain(value: Any, from_frame: bool) -> Any:
    """Library scalars (numpy, pandas) as Python's own; a frame's NaN as a missing value."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: _plain(v, from_frame)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, from_frame) for v in value]
    if isinstance(value, str | bool | int | type(None)):
        return value
    if isinstance(value, float):
        return None if from_frame and math.isnan(value) else value
    if callable(getattr(value, "to_pydatetime", None)):
        return value.to_pydatetime()
    if callable(getattr(value, "item", None)):
        return _plain(value.item(), from_frame)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str | int | float):
        return describe(value)
    return f"a {type(value).__name__}"
