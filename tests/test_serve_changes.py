"""`sitegen serve` never serves stale text: whatever the watcher can see (files and folders
deleted, made again, renamed; content/ itself among them) ends in the same output as a clean
build of the same files. A real server on 127.0.0.1, real files, the real watcher.
"""

from __future__ import annotations

import http.client
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.build import Builder
from sitegen.serve import Server

WAIT = 30.0

SITE = {
    "sitegen.toml": 'title = "Live"\n',
    "content/index.md": "---\ntitle: Home\n---\n\n# Home\n\nOld text {{ n.x.value }}.\n",
    "content/about.md": "---\ntitle: About\n---\n\n# About\n\nSee [home](index.md).\n",
    "content/data/n.csv": "id,value\nx,1\n",
    "templates/page.html": ('{% extends "base.html" %}{% block content %}<div class="mine">'
                            "{{ page.content | safe }}</div>{% endblock %}\n"),
    "static/css/extra.css": "p { color: red; }\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def served(make_site: Callable[..., Path]) -> Iterator[Server]:
    server = Server(make_site(SITE), port=0, log=lambda line: None)
    server.start()
    assert server.site.wait_for(lambda s: s.builds_run >= 1, WAIT)
    yield server
    server.stop()


def get(server: Server, path: str) -> str:
    host, port = server.httpd.server_address[:2]  # type: ignore[union-attr]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=WAIT)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode("utf-8", "replace")
    finally:
        conn.close()


def clean_build(root: Path, scratch: Path) -> dict[str, bytes]:
    """What a clean build of the site's files as they are now gives."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns(".sitegen-cache", "_site"))
    return dict(Builder(scratch, persist_caches=False).build().files)


def settles_as_clean(server: Server, scratch: Path) -> None:
    """The served files become those of a clean build (the watcher may take a moment)."""
    expected = clean_build(server.root, scratch)
    deadline = time.monotonic() + WAIT
    while True:
        server.site.wait_fresh(1.0)
        served = dict(server.site.files)
        if served == expected and server.site.error is None:
            return
        if time.monotonic() > deadline:
            differ = sorted(p for p in set(served) | set(expected)
                            if served.get(p) != expected.get(p))
            pytest.fail(f"the served site never matched a clean build; differing: {differ[:10]}"
                        f"; error: {server.site.error}")
        time.sleep(0.05)


def test_content_deleted_and_made_again_with_new_text_serves_the_new_text(served, tmp_path):
    assert "Old text 1." in get(served, "/")
    content = served.root / "content"
    shutil.rmtree(content)
    time.sleep(0.3)  # the watcher sees the folder go (a build fails: no content/)
    write(served.root, {**{k: v for k, v in SITE.items() if k.startswith("content/")},
                        "content/index.md": "---\ntitle: Home\n---\n\n# Home\n\nNew text.\n"})
    settles_as_clean(served, tmp_path / "clean")
    assert "New text." in get(served, "/") and "Old text" not in get(served, "/")


def test_content_deleted_and_made_again_at_once_serves_the_new_text(served, tmp_path):
    content = served.root / "content"
    shutil.rmtree(content)
    write(served.root, {**{k: v for k, v in SITE.items() if k.startswith("content/")},
                        "content/index.md": "---\ntitle: Home\n---\n\n# Home\n\nAt once.\n"})
    settles_as_clean(served, tmp_path / "clean")
    assert "At once." in get(served, "/")


def test_content_renamed_away_and_another_put_in_its_place_serves_the_new_one(served, tmp_path):
    root = served.root
    shutil.copytree(root / "content", root / "staged")
    write(root, {"staged/about.md": "---\ntitle: About\n---\n\n# About\n\nSwapped in.\n"})
    (root / "content").rename(root / "content-old")
    (root / "staged").rename(root / "content")
    settles_as_clean(served, tmp_path / "clean")
    assert "Swapped in." in get(served, "/about/")
    write(root, {"content/about.md": "---\ntitle: About\n---\n\n# About\n\nEdited after.\n"})
    settles_as_clean(served, tmp_path / "clean")  # the new folder is watched too
    write(root, {"content-old/about.md": "not watched any more\n"})
    settles_as_clean(served, tmp_path / "clean")


@pytest.mark.parametrize("change", [
    "folder made", "folder renamed", "folder deleted", "data folder remade",
    "templates remade", "static remade", "page renamed",
])
def test_every_change_the_watcher_sees_ends_as_a_clean_build(served, tmp_path, change):
    root = served.root
    write(root, {"content/sub/one.md": "# One\n\nIn a folder, [home](../index.md).\n"})
    settles_as_clean(served, tmp_path / "clean")
    if change == "folder renamed":
        (root / "content/sub").rename(root / "content/moved")
    elif change == "folder deleted":
        shutil.rmtree(root / "content/sub")
    elif change == "folder made":
        write(root, {"content/new/deep/two.md": "# Two\n\nDeep.\n"})
    elif change == "data folder remade":
        shutil.rmtree(root / "content/data")
        write(root, {"content/data/n.csv": "id,value\nx,2\n"})
    elif change == "templates remade":
        shutil.rmtree(root / "templates")
        write(root, {"templates/page.html": SITE["templates/page.html"].replace("mine", "theirs")})
    elif change == "static remade":
        shutil.rmtree(root / "static")
        write(root, {"static/css/extra.css": "p { color: blue; }\n"})
    else:
        (root / "content/about.md").rename(root / "content/about-us.md")
        write(root, {"content/index.md": SITE["content/index.md"] + "\n[us](about-us.md)\n"})
    settles_as_clean(served, tmp_path / "clean")
