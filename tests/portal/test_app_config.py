"""The app factory honours its settings (Flask's tutorial habit: test the factory)."""

from __future__ import annotations

from portal import create_app


def test_home_given_by_caller_holds_database_and_index(tmp_path):
    app = create_app({"MAWARID_HOME": str(tmp_path), "TESTING": True})
    settings = app.extensions["mawarid"].settings
    assert settings.database_url == f"sqlite:///{tmp_path / 'mawarid.sqlite3'}"
    assert settings.search_url == f"whoosh://{tmp_path / 'index'}"
    assert (tmp_path / "mawarid.sqlite3").exists()


def test_secret_key_generated_once_and_private(tmp_path):
    first = create_app({"MAWARID_HOME": str(tmp_path)}).config["SECRET_KEY"]
    again = create_app({"MAWARID_HOME": str(tmp_path)}).config["SECRET_KEY"]
    assert first == again and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_cookie_and_upload_defaults_are_secure(tmp_path):
    app = create_app({"MAWARID_HOME": str(tmp_path)})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024


def test_untrusted_host_is_refused_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("MAWARID_TRUSTED_HOSTS", "mawarid.example, portal.example")
    client = create_app({"MAWARID_HOME": str(tmp_path)}).test_client()
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert b"Traceback" not in refused.data
    assert client.get("/", headers={"Host": "portal.example"}).status_code == 200


def test_tuning_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAWARID_OAI_PAGE_SIZE", "7")
    monkeypatch.setenv("MAWARID_BUNDLE_DOCUMENT_TYPES", "cps, pv-validation")
    monkeypatch.setenv("MAWARID_AUTO_UPGRADE", "1")
    app = create_app({"MAWARID_HOME": str(tmp_path)})
    settings = app.extensions["mawarid"].settings
    assert settings.oai_page_size == 7
    assert settings.bundle_document_types == ("cps", "pv-validation")
    assert settings.auto_upgrade is True
    assert settings.oai_token_ttl == 86400  # unset: the default applies
    assert not any(k.startswith("MAWARID_") for k in app.config)  # not Flask's business


def test_a_bad_setting_stops_the_cli_with_one_clear_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from mawarid.cli import main

    monkeypatch.setenv("MAWARID_HOME", str(tmp_path))
    monkeypatch.setenv("MAWARID_OAI_PAGE_SIZE", "lots")
    result = CliRunner().invoke(main, ["provenance", "mw-x"], env={"LANG": "C.UTF-8"})
    assert result.exit_code == 2
    assert "MAWARID_OAI_PAGE_SIZE='lots' cannot be used: expected a whole number above 0" in (
        result.output
    )
    assert "Traceback" not in result.output
