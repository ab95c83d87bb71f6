"""One table of settings: defaults for the embedded set-up, each bad value named."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import ConfigurationError, Settings, describe


def test_defaults_keep_everything_in_the_home(tmp_path):
    settings = Settings.from_environment({"MAWARID_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'mawarid.sqlite3'}"
    assert settings.search_url == f"whoosh://{tmp_path / 'index'}"
    assert settings.base_url == "" and settings.public_base_url() == "http://127.0.0.1:5000"
    assert settings.public_base_url("http://10.0.0.5:8080") == "http://10.0.0.5:8080"


def test_values_are_read_typed():
    settings = Settings.from_environment(
        {
            "MAWARID_OAI_PAGE_SIZE": "25",
            "MAWARID_SECURE_COOKIES": "yes",
            "MAWARID_TRUSTED_HOSTS": "a.example, b.example,",
            "MAWARID_USAGE_FLUSH_SECONDS": "0.5",
            "MAWARID_BASE_URL": "https://mawarid.men.gov.ma/",
        }
    )
    assert settings.oai_page_size == 25
    assert settings.secure_cookies is True
    assert settings.trusted_hosts == ("a.example", "b.example")
    assert settings.usage_flush_seconds == 0.5
    assert settings.base_url == "https://mawarid.men.gov.ma"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MAWARID_OAI_PAGE_SIZE", "0", "whole number above 0"),
        ("MAWARID_OAI_TOKEN_TTL", "one day", "whole number above 0"),
        ("MAWARID_SECURE_COOKIES", "maybe", "1 (on) or 0 (off)"),
        ("MAWARID_USAGE_FLUSH_SECONDS", "-1", "seconds above 0"),
        ("MAWARID_BASE_URL", "mawarid.example", "absolute http:// or https://"),
    ],
)
def test_a_bad_value_names_the_setting_and_what_fixes_it(name, value, expected):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environment({name: value})
    text = caught.value.message("en")
    assert text.startswith(f"{name}={value!r} cannot be used") and expected in text


def test_a_secret_is_never_echoed_in_an_error():
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environment({"MAWARID_SECRET_KEY": "x"}, MAWARID_OAI_PAGE_SIZE="no")
    assert "MAWARID_OAI_PAGE_SIZE" in str(caught.value)


def test_overrides_by_variable_or_field_name(tmp_path):
    settings = Settings.from_environment(
        {"MAWARID_OAI_PAGE_SIZE": "7"}, MAWARID_HOME=str(tmp_path), oai_page_size=9
    )
    assert settings.home == tmp_path and settings.oai_page_size == 9
    with pytest.raises(TypeError, match="unknown setting"):
        Settings.from_environment({}, MAWARID_NOPE="1")


def test_a_new_home_moves_the_derived_paths(tmp_path):
    moved = Settings.from_environment({"MAWARID_HOME": "/nowhere"}).replace(home=tmp_path)
    assert moved.database_url == f"sqlite:///{tmp_path / 'mawarid.sqlite3'}"
    assert moved.search_url == f"whoosh://{tmp_path / 'index'}"


def test_the_secret_key_is_generated_once_and_private(tmp_path):
    settings = Settings.from_environment({"MAWARID_HOME": str(tmp_path)})
    first, again = settings.secret(), settings.secret()
    assert first == again and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert Settings.from_environment({"MAWARID_SECRET_KEY": "given"}).secret() == "given"


def test_every_setting_is_described_and_documented():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text("utf-8")
    names = [name for name, _help in describe()]
    assert len(names) == len(set(names)) and "MAWARID_HOME" in names
    assert [n for n in names if f"### {n}" not in doc] == []
