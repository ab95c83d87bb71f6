"""``mawarid`` is a command of its own: Mawarid's commands, grouped, in the reader's language."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from mawarid.cli import main


def run(*args, lang="C.UTF-8", **env):
    environ = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": lang, **env}
    return CliRunner().invoke(main, list(args), env=environ)


def test_help_lists_mawarid_commands_grouped_by_job_and_no_flask_options(tmp_path):
    result = run("--help", MAWARID_HOME=str(tmp_path / "home"))
    assert result.exit_code == 0, result.output
    text = result.output
    for section in ("Catalogue:", "Search index:", "Partners:", "Diffusion:", "Administration:"):
        assert section in text
    assert text.index("Catalogue:") < text.index("  import ") < text.index("Search index:")
    for flask_option in ("--app", "--env-file", "--debug", "FLASK_APP", "routes", "shell"):
        assert flask_option not in text
    assert not (tmp_path / "home").exists()  # help opens no database


def test_version_is_mawarids():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"mawarid {version('mawarid')}"


def test_help_follows_the_locale():
    french = run("--help", lang="fr_FR.UTF-8").output
    arabic = run("--help", lang="ar_MA.UTF-8").output
    assert "Index de recherche:" in french and "Partenaires:" in french
    assert "فهرس البحث:" in arabic and "الشركاء:" in arabic
    assert "Adresse d'écoute." in run("serve", "--help", lang="fr_FR.UTF-8").output


def test_a_bad_setting_is_one_line_and_exit_status_2(tmp_path):
    result = run(
        "reindex", MAWARID_HOME=str(tmp_path), MAWARID_OAI_TOKEN_TTL="forever", lang="fr_FR.UTF-8"
    )
    assert result.exit_code == 2
    assert "MAWARID_OAI_TOKEN_TTL='forever' est inutilisable" in result.output
    assert "Traceback" not in result.output
