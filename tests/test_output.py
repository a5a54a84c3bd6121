"""The disk writer: a staged tree streamed by a helper process, swapped in only when whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.output import DiskWriter


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    target = tmp_path / "site" / "_site"
    DiskWriter(target).commit({"index.html": b"old", "gone/index.html": b"old page"})
    return target


def test_streamed_files_are_swapped_in_as_exactly_the_final_set(out):
    staged = DiskWriter(out, stream=True)
    staged.begin()
    staged.put("index.html", b"first")
    staged.put("a/b/index.html", b"page")
    staged.put("index.html", b"second")  # a later put of the same path wins
    staged.put("dropped.html", b"not in the final set")
    assert tree(out) == {"index.html": b"old", "gone/index.html": b"old page"}  # not yet
    final = {"index.html": b"second", "a/b/index.html": b"page", "never-put.css": b"x"}
    staged.commit(final)
    assert tree(out) == final
    assert siblings(out) == []


def test_a_file_the_writer_cannot_write_fails_the_commit_and_keeps_the_old_output(out):
    staged = DiskWriter(out, stream=True)
    staged.begin()
    staged.put("a", b"a file")
    staged.put("a/b/index.html", b"cannot live under a file")
    with pytest.raises(OSError) as failure:
        staged.commit({"a": b"a file", "a/b/index.html": b"cannot live under a file"})
    assert failure.value.filename == str(out / "a" / "b" / "index.html")  # not the staging tree
    assert tree(out) == {"index.html": b"old", "gone/index.html": b"old page"}
    assert siblings(out) == []


def test_abort_throws_the_staged_tree_away(out):
    staged = DiskWriter(out, stream=True)
    staged.begin()
    for number in range(200):
        staged.put(f"p{number}/index.html", b"x" * 10_000)
    staged.abort()
    assert tree(out) == {"index.html": b"old", "gone/index.html": b"old page"}
    assert siblings(out) == []


def test_writing_the_same_files_again_changes_nothing(out):
    files = {"index.html": b"old", "gone/index.html": b"old page"}
    assert DiskWriter(out).commit(files) is False
    assert DiskWriter(out).commit({"index.html": b"new"}) is True
    assert tree(out) == {"index.html": b"new"}


def test_files_and_folders_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    out = tmp_path / "_site"
    DiskWriter(out).commit({"a/b/index.html": b"page", "index.html": b"home"})
    assert (out / "a" / "b" / "index.html").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (out / "a" / "b").stat().st_mode & 0o777 == 0o777 & ~umask


def test_without_fork_the_staged_files_are_written_at_commit(out, monkeypatch):
    """Where there is no fork (Windows), nothing streams: commit() writes the whole set."""
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    staged = DiskWriter(out, stream=True)
    staged.begin()
    staged.put("index.html", b"new")
    assert not (out.parent / f".{out.name}.new-{os.getpid()}" / "index.html").exists()
    staged.commit({"index.html": b"new", "a/index.html": b"page"})
    assert tree(out) == {"index.html": b"new", "a/index.html": b"page"}
    assert siblings(out) == []
