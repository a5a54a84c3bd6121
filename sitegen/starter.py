"""`sitegen new`: a starter site that builds as it is.

The starter's pages live inside the package; `--with-theme` also copies the packaged default
theme (the same files the build falls back to), so there is one source for both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sitegen.config import theme_root
from sitegen.errors import InputError

STARTER = Path(__file__).resolve().parent / "starter"


def create_site(target: Path, with_theme: bool = False) -> None:
    """Write a starter site into target, which must not exist or be empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            f"'{target}' already exists and is not empty", str(target), None, None,
            "pick a new folder name; sitegen new never overwrites files",
        )
    shutil.copytree(STARTER, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    if with_theme:
        theme = theme_root()
        for folder in ("templates", "static"):
            shutil.copytree(theme / folder, target / folder)
