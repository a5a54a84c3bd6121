"""sitegen.toml -> Config: optional, checked once, unknown keys rejected with their line."""

from __future__ import annotations

import pytest

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
