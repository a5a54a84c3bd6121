"""Nothing outside the site is read or published, and no special file is read: one walker
(`sitegen.inputs.site_files`) finds every kind of input, so a link leading out of the site
is refused the same way for a page, an asset, a data file, a static file, a template, a
folder and a chart module, and a FIFO, socket or device is skipped with a warning."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from conftest import run_sitegen

SITE = {
    "content/index.md": "---\ntitle: Home\n---\n# Home\n\nHello.\n",
    "content/data/costs.csv": "id,value\na,1\n",
    "templates/page.html": "{% extends 'base.html' %}\n",
    "static/site.css": "body {}\n",
    "content/charts/.keep": "",
}
SECRET = "the secret outside the site"


def outside(tmp_path: Path) -> Path:
    """A folder beside the site holding files no build may read."""
    folder = tmp_path / "outside"
    (folder / "folder").mkdir(parents=True, exist_ok=True)
    for name in ("secret.md", "secret.txt", "secret.csv", "secret.css", "secret.html",
                 "folder/page.md", "module.py"):
        (folder / name).write_text(f"# {SECRET}\n" if name.endswith(".md") else SECRET + "\n")
    return folder


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("link", "target"), [
    ("content/leak.md", "secret.md"),                 # a page
    ("content/leak.txt", "secret.txt"),               # an asset
    ("content/data/leak.csv", "secret.csv"),          # a data file
    ("static/leak.css", "secret.css"),                # a static file
    ("templates/leak.html", "secret.html"),           # a template
    ("content/folder", "folder"),                     # a folder of pages
    ("static/folder", "folder"),                      # a folder of static files
])
def test_a_link_out_of_the_site_is_refused_for_every_kind_of_input(link, target, make_site,
                                                                  tmp_path):
    site = make_site(SITE)
    (site / link).symlink_to(outside(tmp_path) / target)
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{link}: error: a link to a place outside the site"), \
        result.stderr
    assert str(tmp_path) not in result.stderr  # named as the site names it
    assert not (site / "_site").exists()


def test_a_chart_module_linked_from_outside_is_refused(make_site, tmp_path):
    site = make_site({**SITE, "content/index.md": "# Home\n\n```chart\npython: leak\n```\n"})
    (site / "content/charts/leak.py").symlink_to(outside(tmp_path) / "module.py")
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert "content/charts/leak.py: error: a link to a place outside the site" in result.stderr


def test_links_inside_the_site_are_followed_and_a_link_loop_ends(make_site):
    site = make_site({**SITE, "notes/shared.md": "# Shared\n"})
    (site / "content/shared.md").symlink_to(site / "notes/shared.md")
    (site / "content/loop").mkdir()
    (site / "content/loop/again").symlink_to(site / "content/loop")
    result = run_sitegen("build", cwd=site, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Shared" in (site / "_site/shared/index.html").read_text()


def _special_files(site: Path) -> list[str]:
    made = []
    for folder in ("content", "content/data", "static", "templates"):
        name = f"{folder}/pipe.{'csv' if folder.endswith('data') else 'md'}"
        os.mkfifo(site / name)
        made.append(name)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(site / "content/sock.md"))
    sock.close()
    made.append("content/sock.md")
    return made


def test_fifos_and_sockets_are_skipped_with_a_warning_and_never_read(make_site):
    site = make_site(SITE)
    made = _special_files(site)
    result = run_sitegen("build", cwd=site, timeout=60)  # reading a FIFO would hang here
    assert result.returncode == 0, result.stderr
    for name in made:
        kind = "a socket" if "sock" in name else "a FIFO (named pipe)"
        assert f"{name}: warning: {kind}, not a file; skipped" in result.stderr
    assert not any("pipe" in path or "sock" in path for path in tree(site / "_site"))

    strict = run_sitegen("build", "--strict", cwd=site, timeout=60)
    assert strict.returncode == 1
    assert "content/pipe.md: error: a FIFO (named pipe), not a file; skipped" in strict.stderr


def test_a_device_is_skipped_with_a_warning_and_a_link_to_one_refused(make_site):
    site = make_site(SITE)
    (site / "content/zero.md").symlink_to("/dev/zero")  # reading it would never end
    result = run_sitegen("build", cwd=site, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("content/zero.md: error: a link to a place outside")
    (site / "content/zero.md").unlink()
    try:
        os.mknod(site / "content/zero.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    result = run_sitegen("build", cwd=site, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "content/zero.md: warning: a device, not a file; skipped" in result.stderr


def test_a_dangling_link_is_skipped_with_a_warning(make_site):
    site = make_site(SITE)
    (site / "content/gone.md").symlink_to(site / "content/nothing-here.md")
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "content/gone.md: warning: a link to nothing; skipped" in result.stderr


def test_sitegen_toml_linked_from_outside_is_refused(make_site, tmp_path):
    site = make_site(SITE)
    (tmp_path / "other.toml").write_text('title = "leaked"\n')
    (site / "sitegen.toml").symlink_to(tmp_path / "other.toml")
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen.toml: error: not a file of the site")
