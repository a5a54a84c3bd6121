"""The house rules, checked: rooms import downwards only, through each room's public face;
no import cycles; ruff and mypy clean; files and functions of a readable size.

The layers are ARCHITECTURE.md's, written once in pyproject.toml ([tool.importlinter]).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "sitegen"
ROOMS = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def test_rooms_import_downwards_only_as_the_import_contract_says():
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_no_module_imports_another_that_imports_it_back():
    import grimp

    graph = grimp.build_graph("sitegen")
    cycles = sorted((a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                    if graph.chain_exists(importer=b, imported=a))
    assert cycles == []


def test_another_room_is_entered_through_its_public_face_only():
    """`from sitegen.inputs import Dataset`, never `from sitegen.inputs.data import ...` from
    outside inputs/: what a room's __init__ does not export is its own business."""
    reached_inside = []
    for path in _modules():
        here = _room(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if (len(parts) > 2 and parts[0] == "sitegen" and parts[1] in ROOMS
                        and parts[1] != here):
                    reached_inside.append(f"{path.relative_to(REPO)}:{node.lineno} {node.module}")
    assert reached_inside == []


def test_files_and_functions_stay_a_readable_size():
    too_long = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{path.relative_to(REPO)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}(): "
                                    f"{length} lines")
    assert too_long == []


def test_every_module_says_what_it_is_for():
    silent = [str(p.relative_to(REPO)) for p in _modules()
              if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert silent == []


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (it is in the test extras: pip install -e '.[test]')")
    return found


def test_ruff_finds_nothing():
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", "sitegen", "tests",
                           "benchmarks"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_accepts_the_package():
    done = subprocess.run([_tool("mypy"), "--cache-dir", "/dev/null"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
