"""The CLI talks: every configuration mistake is one sentence naming the setting and its fix
(exit status 2, never a traceback), long commands say how far they got, help and click's
own words follow the reader's language."""

from __future__ import annotations

import io
import re
import socket

import pytest
from click.testing import CliRunner

from core.clock import FrozenClock
from core.messages import use_language
from mawarid.cli import main
from mawarid.cli.progress import Progress


def run(*args, lang="fr_FR.UTF-8", **env):
    environ = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": lang, **env}
    return CliRunner().invoke(main, list(args), env=environ)


def assert_refused(result, *words):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output  # one sentence
    assert "Traceback" not in result.output and 'File "' not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# -- one test per setting ----------------------------------------------------------------


def test_a_database_url_that_is_not_one(tmp_path):
    line = assert_refused(
        run("reindex", MAWARID_HOME=str(tmp_path), MAWARID_DATABASE_URL="mysql//oops"),
        "MAWARID_DATABASE_URL",
        "postgresql+psycopg://",
    )
    assert "n'est pas une adresse de base de données" in line


def test_an_unreachable_postgresql(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = assert_refused(
        run(
            "reindex",
            MAWARID_HOME=str(tmp_path),
            MAWARID_DATABASE_URL=f"postgresql+psycopg://mawarid:secret@127.0.0.1:{port}/x",
        ),
        "MAWARID_DATABASE_URL",
        "ne répond pas",
        "démarrez le serveur",
    )
    assert "secret" not in line  # the password of the URL is never shown


def test_a_search_url_of_no_known_engine(tmp_path):
    assert_refused(
        run("reindex", MAWARID_HOME=str(tmp_path), MAWARID_SEARCH_URL="ftp://index"),
        "MAWARID_SEARCH_URL",
        "whoosh:///",
    )


def test_index_procs_that_is_not_a_number(tmp_path):
    assert_refused(
        run("reindex", MAWARID_HOME=str(tmp_path), MAWARID_INDEX_PROCS="x"),
        "MAWARID_INDEX_PROCS='x'",
        "nombre entier",
    )


def test_a_home_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = assert_refused(
        run("reindex", MAWARID_HOME=str(blocker / "home")),
        "MAWARID_HOME=",
        "choisissez un dossier",
    )
    assert str(blocker) in line


def test_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = assert_refused(
            run("serve", "--port", str(port), MAWARID_HOME=str(tmp_path)),
            str(port),
            "--port",
        )
    assert "impossible d'écouter" in line


def test_refusals_read_in_arabic_and_english(tmp_path):
    arabic = assert_refused(
        run(
            "reindex", MAWARID_HOME=str(tmp_path), MAWARID_SEARCH_URL="ftp://x", lang="ar_MA.UTF-8"
        ),
        "MAWARID_SEARCH_URL",
    )
    assert "ليس عنوان بحث" in arabic
    english = assert_refused(
        run("reindex", MAWARID_HOME=str(tmp_path), MAWARID_SEARCH_URL="ftp://x", lang="C.UTF-8"),
        "MAWARID_SEARCH_URL",
    )
    assert "is not a search address" in english


# -- progress ------------------------------------------------------------------------------


def test_plain_progress_lines_come_periodically_with_rate_and_time_left():
    clock = FrozenClock()
    out = io.StringIO()
    with use_language("fr"):
        progress = Progress("Indexation", 1000, clock=clock, stream=out, every=10, bar=False)
        progress.update(100)  # too soon: nothing printed yet
        assert out.getvalue() == ""
        clock.advance(10)
        progress.update(250)
        line = out.getvalue().strip()
        # CLDR French: a narrow no-break space groups thousands.
        assert line == "Indexation : 250 / 1\u202f000 (25 %), 25/s, encore environ 30 s"
        clock.advance(5)
        progress.update(400)
        assert out.getvalue().count("\n") == 1  # not yet another line
    with use_language("ar"):
        clock.advance(10)
        progress.update(500)
        assert re.search(r"500 / 1\.000 \(50 %\)، \d+/ث، يتبقى حوالي \d+ ث", out.getvalue())


def test_a_bar_on_a_terminal_shows_rate_and_eta():
    out = io.StringIO()
    with Progress("Export", 50, stream=out, bar=True) as progress:
        for n in range(1, 51):
            progress.update(n)
    text = out.getvalue()
    assert "Export" in text and "50/50" in text and "it/s" in text
    assert re.search(r"\d\d:\d\d<\d\d:\d\d", text)  # elapsed<ETA


def test_long_commands_end_with_counts_and_duration(tmp_path):
    home = str(tmp_path / "home")
    demo = run("demo", "--count", "12", "--no-index", MAWARID_HOME=home)
    assert demo.exit_code == 0, demo.output
    assert re.search(
        r"12 ressources publiées \(0 déjà présentes\) — en [\d,]+ s \([\d  ]+/s\)", demo.output
    )
    reindex = run("reindex", MAWARID_HOME=home)
    assert reindex.exit_code == 0, reindex.output
    assert re.search(r"12 ressources indexées — en [\d,]+ s", reindex.output)
    export = run("export", "--out", str(tmp_path / "out"), MAWARID_HOME=home, lang="ar_MA.UTF-8")
    assert export.exit_code == 0, export.output
    assert "صُدِّر 12 موردا" in export.output and " ث " in export.output


# -- help and click's own words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr_FR.UTF-8",
            (
                "Utilisation :",
                "Options:",
                "Afficher ce message et quitter.",
                "Reconstruire l'index de recherche",
            ),
        ),
        (
            "ar_MA.UTF-8",
            ("الاستعمال:", "الخيارات:", "عرض هذه الرسالة ثم الخروج.", "إعادة بناء فهرس البحث"),
        ),
        (
            "C.UTF-8",
            ("Usage:", "Options:", "Show this message and exit.", "Rebuild the search index"),
        ),
    ],
)
def test_help_and_clicks_words_follow_the_locale(lang, words):
    result = run("reindex", "--help", lang=lang)
    assert result.exit_code == 0
    for word in words:
        assert word in result.output, (lang, word, result.output)


def test_every_command_has_help_in_french_and_arabic():
    def walk(command, path=()):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    for path, command in walk(main):
        if not path:
            continue
        french = run(*path, "--help").output
        arabic = run(*path, "--help", lang="ar_MA.UTF-8").output
        english = run(*path, "--help", lang="C.UTF-8").output
        assert command.help, path
        assert french != english and arabic != english, path
        assert any("\u0600" <= ch <= "\u06ff" for ch in arabic), path


def test_usage_errors_are_in_the_readers_language(tmp_path):
    result = run("reindex", "--batch", "zero", MAWARID_HOME=str(tmp_path), lang="ar_MA.UTF-8")
    assert result.exit_code == 2
    assert "قيمة غير صالحة" in result.output and "خطأ:" in result.output
