"""The explainer's datasets as a build makes them: the data files of content/data/ and the
results of its loaders (which compute the derived rows), run by sitegen in child processes."""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Any

from conftest import REPO

from sitegen.config import load_config
from sitegen.errors import ProblemCollector
from sitegen.inputs import Dataset, load_datasets, run_loaders


@lru_cache(maxsize=1)
def explainer_datasets() -> MappingProxyType[str, Dataset]:
    """Every dataset of the explainer, by name (AssertionError if any fails to load)."""
    paths = load_config(REPO).paths
    problems = ProblemCollector()
    datasets, _ = run_loaders(paths, load_datasets(paths, problems), problems, 300.0)
    assert not problems.errors, problems.errors
    return MappingProxyType(datasets)


def explainer_problems() -> tuple[Any, ...]:
    """The warnings loading the explainer's data says (rows naming no source among them)."""
    paths = load_config(REPO).paths
    problems = ProblemCollector()
    run_loaders(paths, load_datasets(paths, problems), problems, 300.0)
    return (*problems.errors, *problems.warnings)
