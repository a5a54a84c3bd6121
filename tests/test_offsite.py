"""Nothing leaves the site from a chart: a spec naming another host -- a data URL, an image
mark's `url`, an `href` (a mark property, a channel value, or a field of the chart's data),
a URL inside a transform or a `lookup` -- fails at its line, unless `allowed_hosts` lists the
host; and neither vl-convert nor VegaFusion fetches anything while drawing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_sitegen

DATA = "id,value,link\na,1,https://evil.example/a\nb,2,../local/\n"


def page(spec: str) -> str:
    """A page whose chart block (its spec lines starting on line 7) is spec."""
    return ("# Home\n\nText.\n\n```chart\ndata: d\n" + spec
            + "description: Points.\nkind: reported\n```\n")


CASES = [
    ("image mark url", "mark: image\nencoding:\n  x: {field: value, type: quantitative}\n"
     "  url: {value: 'https://evil.example/x.png'}\n", 10),
    ("image url from a mark property",
     "mark: {type: image, url: '//evil.example/x.png'}\nencoding:\n"
     "  x: {field: value, type: quantitative}\n", 7),
    ("href channel value", "mark: point\nencoding:\n  x: {field: value, type: quantitative}\n"
     "  href: {value: 'mailto:someone@evil.example'}\n", 10),
    ("href from a field of the data", "mark: point\nencoding:\n"
     "  x: {field: value, type: quantitative}\n  href: {field: link}\n", 10),
    ("href in a condition", "mark: point\nencoding:\n  x: {field: value, type: quantitative}\n"
     "  href:\n    condition: {test: 'datum.value > 1', value: 'javascript:alert(1)'}\n", 11),
    ("javascript href on the mark", "mark: {type: point, href: 'javascript:alert(1)'}\n"
     "encoding:\n  x: {field: value, type: quantitative}\n", 7),
    ("URL in a calculate transform",
     "transform:\n  - calculate: \"'https://evil.example/?' + datum.id\"\n    as: u\n"
     "mark: point\nencoding:\n  x: {field: value, type: quantitative}\n", 8),
    ("lookup from another host",
     "transform:\n  - lookup: id\n    from:\n      data: {url: 'https://evil.example/x.csv'}\n"
     "      key: id\n      fields: [q]\nmark: point\nencoding:\n"
     "  x: {field: value, type: quantitative}\n", 10),
    ("data URL of another host", "mark: point\nencoding:\n"
     "  x: {field: value, type: quantitative}\n", None),
]


@pytest.mark.parametrize(("spec", "line"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_chart_reaching_another_host_fails_at_its_line(spec, line, make_site):
    text = page(spec)
    if line is None:  # the block's data itself: `data: {url: ...}`
        text = text.replace("data: d\n", "data: {url: 'https://evil.example/d.csv'}\n")
        line = 6
    site = make_site({"content/index.md": text, "content/data/d.csv": DATA})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"content/index.md:{line}: error: "), result.stderr
    assert "another host" in first
    assert not (site / "_site").exists()


def test_allowed_hosts_lets_images_and_links_to_a_listed_host_through(make_site):
    spec = ("mark: point\nencoding:\n  x: {field: value, type: quantitative}\n"
            "  href: {field: link}\n")
    files = {"content/index.md": page(spec), "content/data/d.csv": DATA}
    site = make_site({**files, "sitegen.toml": 'allowed_hosts = ["evil.example"]\n'})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr
    (site / "sitegen.toml").unlink()  # the cached chart must not outlive the permission
    again = run_sitegen("build", cwd=site)
    assert again.returncode == 1
    assert again.stderr.startswith("content/index.md:10: error: the chart reaches another host")


def test_allowed_hosts_takes_host_names_only(make_site):
    site = make_site({"content/index.md": "# Home\n",
                      "sitegen.toml": 'allowed_hosts = ["https://evil.example/"]\n'})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("sitegen.toml:1:1: error: allowed_hosts ")


def test_relative_links_and_data_images_are_fine(make_site):
    spec = ("mark: point\nencoding:\n  x: {field: value, type: quantitative}\n"
            "  href: {value: '../costs/#unit-prices'}\n")
    site = make_site({"content/index.md": page(spec), "content/data/d.csv": DATA})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 0, result.stderr


def test_a_chart_module_naming_another_host_fails_at_the_block(make_site):
    module = ("import altair as alt\n\n\ndef chart(data):\n"
              "    return alt.Chart(alt.Data(values=[{'a': 1}])).mark_image(\n"
              "        url='https://evil.example/x.png').encode(x='a:Q')\n")
    site = make_site({"content/index.md": "# Home\n\n```chart\npython: leak\n"
                      "description: An image.\nkind: reported\n```\n",
                      "content/charts/leak.py": module})
    result = run_sitegen("build", cwd=site)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(
        "content/index.md:3: error: the spec of content/charts/leak.py reaches another host")


def test_drawing_fetches_nothing(tmp_path: Path):
    from sitegen.charts.render import render_svg

    spec = ('{"data": {"url": "http://127.0.0.1:9/x.csv"}, "mark": "point",'
            ' "encoding": {"x": {"field": "a", "type": "quantitative"}}}')
    svg, error = render_svg((spec, "", None))
    assert svg is None and error and "not allowed" in error


_RECORDER = """
import http.server, sys
class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print(self.path, flush=True)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"a\\n1\\n")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
print(server.server_address[1], flush=True)
server.timeout = 60
server.handle_request()
"""


@pytest.fixture
def request_log(tmp_path: Path):
    """A real HTTP server on 127.0.0.1, in its own process (vl-convert holds this one's GIL
    while it draws), that prints every path asked of it; yields (base URL, read the paths)."""
    import subprocess
    import sys

    log = tmp_path / "asked.txt"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-c", _RECORDER], stdout=out, text=True)
    try:
        while not log.read_text().strip():
            assert server.poll() is None, "the recording server did not start"
        port = log.read_text().split()[0]
        yield f"http://127.0.0.1:{port}", lambda: log.read_text().split()[1:]
    finally:
        server.kill()
        server.wait()


def test_drawing_static_images_fetches_nothing(request_log):
    from sitegen.charts.render import render_png, render_static_evaluated

    base, asked = request_log
    spec = {"data": {"values": [{"a": 1}]}, "mark": "image",
            "encoding": {"x": {"field": "a", "type": "quantitative"},
                         "url": {"value": f"{base}/x.png"}}}
    render_static_evaluated(spec, {}, "Points.", None)
    assert render_png(spec, None).startswith(b"\x89PNG")
    spec = {"data": {"url": f"{base}/x.csv"}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    render_static_evaluated(spec, {}, "Points.", None)
    assert asked() == []


def test_finding_the_drawn_rows_fetches_nothing(request_log):
    from sitegen.charts.evaluate import drawn_rows

    base, asked = request_log
    vega = {"data": [{"name": "source_0", "url": f"{base}/x.csv", "format": {"type": "csv"}}],
            "marks": [{"type": "symbol", "from": {"data": "source_0"},
                       "encode": {"update": {"x": {"field": "a"}}}}]}
    drawn_rows(vega, {"source_0": 1})
    assert asked() == []
