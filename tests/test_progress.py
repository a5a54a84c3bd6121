"""Progress and the summary line: on a terminal (a real pty) a build over about a second shows
one line replaced in place, then the summary; through a pipe, only the summary; `--verbose`
adds each phase's time. No timing is asserted: what a frame looks like is, whenever one is
drawn, and a build long enough to draw one is checked to have drawn one."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys

from conftest import run_sitegen

from sitegen.build import Progress

SUMMARY = re.compile(
    r"built ([\d,]+) pages \(([\d,]+) rendered, ([\d,]+) cached\)"
    r"(?:, ([\d,]+) charts? \(([\d,]+) rendered\))? in (\d+\.\d\d) s -> (\S+)")


def name(number: int) -> str:
    """A page's name in letters (figures typed in prose would be warned about)."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[digit] + letters
        if not number:
            return letters


def many_pages(count: int) -> dict[str, str]:
    body = "\n\n".join(f"## Part {name(n)}\n\nSome words about part {name(n)}, *with* "
                       "**marks**." for n in range(12))
    pages = {f"content/{name(i)}.md": f"---\ntitle: Page {name(i)}\n---\n# Page {name(i)}\n\n"
             f"{body}\n" for i in range(count)}
    return {"sitegen.toml": 'title = "Many"\n', "content/index.md": "# Home\n\nHi.\n", **pages}


def run_on_a_terminal(args: list[str], cwd) -> bytes:
    """Run the real command line with stdout and stderr on a pseudo-terminal; all it wrote."""
    leader, follower = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "sitegen", *args], cwd=cwd,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    output = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 300)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other side closed: the command ended
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, output.decode(errors="replace")
    return bytes(output)


def test_on_a_terminal_a_long_build_shows_one_line_replaced_then_the_summary(make_site):
    site = make_site(many_pages(800))
    output = run_on_a_terminal(["build", "--out", "out"], site).decode()
    *frames, last = output.replace("\r\n", "\n").split("\n")[:-1] or [""]
    assert frames == []  # nothing scrolled: one line for progress, then the summary alone
    drawn, _, summary = last.rpartition("\r\x1b[K")
    found = SUMMARY.fullmatch(summary)
    assert found, repr(last)
    assert found.group(1) == "801" and found.group(2) == "801"
    if float(found.group(6)) > 2:
        assert drawn  # a build this long drew its progress
    for frame in filter(None, drawn.split("\r")):
        assert re.fullmatch(r"[a-z ]+: (…|[\d,]+ [a-z ]+(, [\d,]+ [a-z ]+)*)\x1b\[K", frame), \
            repr(frame)
    assert "pages parsed" in drawn or "pages rendered" in drawn or not drawn


def test_through_a_pipe_only_the_summary_is_printed(make_site):
    site = make_site(many_pages(300))
    result = run_sitegen("build", "--out", "out", cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "\r" not in result.stdout and "\x1b" not in result.stdout
    [line] = result.stdout.splitlines()
    found = SUMMARY.fullmatch(line)
    assert found and found.group(1) == "301" and found.group(7) == "out"
    again = run_sitegen("build", "--out", "out", cwd=site)
    found = SUMMARY.fullmatch(again.stdout.strip())
    assert found and (found.group(2), found.group(3)) == ("0", "301")  # nothing to do


def test_the_summary_counts_charts_and_verbose_adds_the_phases(tmp_path):
    site = tmp_path / "site"
    assert run_sitegen("new", str(site), cwd=tmp_path).returncode == 0
    first = run_sitegen("build", "--verbose", cwd=site)
    assert first.returncode == 0, first.stderr
    summary, phases, *listed = first.stdout.splitlines()
    assert "  index.html" in listed
    found = SUMMARY.fullmatch(summary)
    assert found and found.group(4) == "1" and found.group(7) == "_site"
    names = [part.split()[0] for part in phases.strip().split(", ")]
    assert names[:1] == ["load"] and {"render", "write"} <= set(names)
    assert all(re.fullmatch(r"[a-z ]+ \d+\.\d\d s", part) for part in phases.strip().split(", "))
    page = site / "content/index.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    second = SUMMARY.fullmatch(run_sitegen("build", cwd=site).stdout.strip())
    assert second and second.group(2) == "1" and second.group(5) == "0"  # the chart: cached
    quiet = run_sitegen("build", "--quiet", cwd=site)
    assert quiet.stdout == "" and quiet.stderr == ""


def test_a_phase_inside_another_is_not_counted_twice():
    progress = Progress()
    with progress.phase("render"), progress.phase("search"):
        pass
    names = [name for name, _ in progress.phases]
    assert names == ["search", "render"]
    progress.tick("pages parsed", 3)
    progress.tick("loaders run")
    assert progress.line() == "render: 3 pages parsed, 1 loaders run"  # the last phase shown
