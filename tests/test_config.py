"""sitegen.toml -> Config: optional, checked once, unknown keys rejected with their line."""

from __future__ import annotations

import json

import pytest
from conftest import run_sitegen

from sitegen.config import Config, load_config
from sitegen.errors import SitegenError


def test_missing_config_file_gives_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config == Config(root=tmp_path)
    assert config.base_url == ""
    assert config.output_dir == "_site"


def test_known_settings_are_read_and_normalised(tmp_path):
    (tmp_path / "sitegen.toml").write_text(
        'title = "  My site "\nbase_url = "https://example.org/sub"\nfeed_limit = 5\n'
        "typographer = false\n[extra]\nsource_url = \"https://git.example/x/\"\nn = 3\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.title == "My site"
    assert config.base_url == "https://example.org/sub/"
    assert config.feed_limit == 5
    assert config.typographer is False
    assert dict(config.extra) == {"source_url": "https://git.example/x/", "n": 3}


def test_unknown_key_is_an_error_naming_the_key_and_its_line(tmp_path):
    (tmp_path / "sitegen.toml").write_text('title = "x"\n\nbase_ulr = "https://e.org/"\n')
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    problem = caught.value.first
    assert (problem.path, problem.line) == ("sitegen.toml", 3)
    assert "base_ulr" in problem.message
    assert problem.hint and "base_url" in problem.hint


def test_every_config_problem_is_reported_at_once(tmp_path):
    (tmp_path / "sitegen.toml").write_text('colour = "red"\ntitle = 3\nfeed_limit = true\n')
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    lines = sorted(p.line for p in caught.value.problems)
    assert lines == [1, 2, 3]
    text = caught.value.format()
    assert "colour" in text and "'title' must be a str" in text and "'feed_limit'" in text


def test_base_url_must_be_an_absolute_http_url(tmp_path):
    (tmp_path / "sitegen.toml").write_text('title = "x"\nbase_url = "example.org/sub"\n')
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    assert (caught.value.first.path, caught.value.first.line) == ("sitegen.toml", 2)


def test_invalid_toml_is_reported_at_its_line_and_column(tmp_path):
    (tmp_path / "sitegen.toml").write_text('title = "x"\ndescription = "unclosed\n')
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    problem = caught.value.first
    assert problem.path == "sitegen.toml"
    assert problem.line == 2
    assert problem.column is not None
    assert "(at line" not in problem.message


def test_command_line_overrides_keep_unset_values_and_normalise_base_url(tmp_path):
    (tmp_path / "sitegen.toml").write_text('title = "x"\nbase_url = "https://a.org/"\n')
    config = load_config(tmp_path).with_overrides(base_url="https://b.org/sub", strict=None)
    assert config.base_url == "https://b.org/sub/"
    assert config.title == "x"
    assert config.strict is False


BAD_SETTINGS = [
    ("base_url", "javascript:alert(1)//"),
    ("base_url", 'https://example.org/"><script>alert(1)</script>'),
    ("base_url", "https://example.org/a b"),
    ("base_url", "https://example.org/#top"),
    ("base_url", "https://example.org/?q=1"),
    ("base_url", "https://"),
    ("base_url", "ftp://example.org/"),
    ("repo_url", "javascript:alert(1)"),
    ("repo_url", "https://github.com/o/r\" onmouseover=\"x"),
    ("language", 'en" onload="x'),
    ("language", "english language"),
]


@pytest.mark.parametrize(("key", "value"), BAD_SETTINGS)
def test_a_setting_is_checked_the_same_from_sitegen_toml_and_the_command_line(tmp_path, key,
                                                                              value):
    (tmp_path / "sitegen.toml").write_text(f'title = "x"\n{key} = {json.dumps(value)}\n')
    with pytest.raises(SitegenError) as from_file:
        load_config(tmp_path)
    with pytest.raises(SitegenError) as from_option:
        Config(root=tmp_path).with_overrides(**{key: value})
    in_file, in_option = from_file.value.first, from_option.value.first
    assert (in_file.path, in_file.line, in_file.column) == ("sitegen.toml", 2, 1)
    assert (in_option.path, in_option.line) == (f"--{key.replace('_', '-')}", None)
    assert in_file.message == in_option.message and key in in_file.message
    assert "\n" not in in_file.message


def test_javascript_base_url_on_the_command_line_never_reaches_a_page(make_site):
    site = make_site({"content/index.md": "# Home\n"})
    result = run_sitegen("build", "--base-url", "javascript:alert(1)//", cwd=site)
    assert result.returncode == 1
    assert result.stderr.startswith("--base-url: error: base_url 'javascript:alert(1)//'")
    assert not (site / "_site").exists()


@pytest.mark.parametrize(("key", "value"), [
    ("base_url", "https://owner.github.io/repo/"), ("base_url", "http://127.0.0.1:8000/x/"),
    ("repo_url", "https://github.com/owner/repo"), ("language", "pt-BR"),
])
def test_good_settings_pass_from_both_sources(tmp_path, key, value):
    (tmp_path / "sitegen.toml").write_text(f"{key} = {json.dumps(value)}\n")
    assert getattr(load_config(tmp_path), key).rstrip("/") == value.rstrip("/")
    assert getattr(Config(root=tmp_path).with_overrides(**{key: value}), key).rstrip("/") \
        == value.rstrip("/")
