"""The catalogue's CLI commands, through Flask's CliRunner on a real app (SQLite + Whoosh)."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from catalogue_testdata import ACHAT, record
from lxml import etree

from metadata_schemas.lom_xml import lom_to_record
from tests.support.cli import cli_runner


@pytest.fixture
def app(tmp_path, database_url):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "MAWARID_HOME": str(tmp_path / "home"),
            "MAWARID_DATABASE_URL": database_url,
            "MAWARID_SEARCH_URL": f"whoosh://{tmp_path / 'index'}",
            "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
        }
    )
    # Cheap argon2 parameters: these tests are about the commands, not the hashing cost.
    app.extensions["mawarid"].accounts.hasher = PasswordHasher(
        time_cost=1, memory_cost=1024, parallelism=1
    )
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def run(app):
    from mawarid.cli import main

    runner = cli_runner(app)

    def invoke(*args, input=None, env=None):
        # The ``mawarid`` group, with this app (FlaskCliRunner passes it as ScriptInfo).
        return runner.invoke(
            main, args=[str(a) for a in args], input=input, env=env, catch_exceptions=False
        )

    return invoke


def runtime(app):
    return app.extensions["mawarid"]


def test_demo_publishes_indexes_and_is_idempotent(app, run):
    result = run("demo", "--count", 12, "--seed", 7, "--batch", 5)
    assert result.exit_code == 0, result.output
    assert "12 ressources publiées" in result.output
    rt = runtime(app)
    assert rt.resources.count(status="published") == 12
    assert rt.search.count() == 12
    one = rt.resources.get("demo-7-000003")
    prov = rt.resources.provenance(one.id)
    steps = prov["acquisition"]["steps"]
    assert steps and all(s["status"] == "done" for s in steps)
    assert prov["decisions"][0]["decision"] == "conforme"
    assert any(s["documents"] for s in steps)  # the PV, with its checksum
    again = run("demo", "--count", 12, "--seed", 7)
    assert "0 ressource publiée (12 déjà présentes)" in again.output
    assert rt.resources.count() == 12


def test_lifecycle_commands_and_clean_errors(app, run):
    rt = runtime(app)
    rt.accounts.create_user(
        "amina", "un mot de passe sûr", roles=["validator"], commissions=["validation"]
    )
    rt.accounts.create_user("karim", "un mot de passe sûr", roles=["indexer"])
    title_only = {"general": {"title": {"fr": "Les fractions", "ar": "الكسور"}}}
    view = rt.resources.create_draft(rt.accounts.actor("karim"), title_only, acquisition=ACHAT)
    # Submission needs a complete record (catalogue/completeness/rules.json): named field by field.
    incomplete = run("submit", view.id, "--as", "karim")
    assert incomplete.exit_code == 1 and "Traceback" not in incomplete.output
    assert "rights.licence: une licence" in incomplete.output
    assert rt.resources.get(view.id).status == "draft"
    view = rt.resources.update(rt.accounts.actor("karim"), view.id, record(), expected_version=1)

    bad = run("publish", view.id)
    assert bad.exit_code == 1
    assert bad.output.startswith("Erreur : ") and "Traceback" not in bad.output
    assert "impossible de publier une ressource à l'état « brouillon »" in bad.output
    english = run("publish", view.id, env={"LANG": "en_US.UTF-8"})
    assert "cannot publish a resource that is draft" in english.output

    assert run("submit", view.id, "--as", "karim").exit_code == 0
    wrong = run("decide", view.id, "--decision", "conforme", "--reference", "PV 1", "--as", "karim")
    assert wrong.exit_code == 1 and "karim n'a pas le droit de statuer sur la conformité" in (
        wrong.output
    )
    ok = run(
        "decide", view.id, "--decision", "conforme", "--reference", "PV 7/2025", "--as", "amina"
    )
    assert ok.exit_code == 0 and f"{view.id}: validated" in ok.output
    assert run("publish", view.id, "--as", "karim").output.strip() == f"{view.id}: published"
    assert rt.search.count() == 1  # indexed through the listener
    assert run("withdraw", view.id, "--as", "karim", "--reason", "x").exit_code == 1
    assert run("withdraw", view.id, "--reason", "droits expirés").exit_code == 0
    assert rt.search.count() == 0

    prov = run("provenance", view.id)
    doc = json.loads(prov.output)
    # create, acquisition, update (completed), submit, decide
    assert [e["actor"] for e in doc["events"]][:5] == ["karim", "karim", "karim", "karim", "amina"]
    assert doc["events"][-1]["actor"].startswith("cli:")
    missing = run("provenance", "mw-nothere000")
    assert missing.exit_code == 1 and "aucune ressource 'mw-nothere000'" in missing.output
    unknown_user = run("submit", view.id, "--as", "ghost")
    assert unknown_user.exit_code == 1 and "aucun compte 'ghost'" in unknown_user.output


def test_import_and_export_round_trip(app, run, tmp_path):
    rt = runtime(app)
    src = tmp_path / "ancien.jsonl"
    src.write_text(
        "\n".join(json.dumps({"id": f"old-{n}", **record(n)}, ensure_ascii=False) for n in range(3))
        + "\n{oops\n",
        encoding="utf-8",
    )
    result = run(
        "import",
        src,
        "--migrate-validated",
        "PV 9/2018",
        "--acquisition-mode",
        "don",
        "--acquisition-reference",
        "CD 2/2018",
        "--counterpart",
        "KOICA",
        "--report",
        tmp_path / "report.json",
    )
    assert result.exit_code == 3  # one line was refused, the rest imported
    assert "ancien.jsonl:4: " in result.output  # the reason, in the reader's language
    summary = json.loads((tmp_path / "report.json").read_text())["summary"]
    assert (summary["published"], summary["refused"]) == (3, 1)
    assert rt.resources.count(status="published") == 3 and rt.search.count() == 3

    out = tmp_path / "export"
    exported = run("export", "--format", "lom", "--out", out)
    assert exported.exit_code == 0 and "3 ressources exportées" in exported.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"old-{n}.xml" for n in range(3)] + [f"old-{n}.provenance.json" for n in range(3)]
    )
    data = (out / "old-1.xml").read_bytes()
    assert data.startswith(b"<?xml")
    assert "PV 9/2018" in data.decode() and "KOICA" in data.decode()
    back = lom_to_record(data, source="old-1.xml")
    assert back["general"]["title"] == record(1)["general"]["title"]
    prov = json.loads((out / "old-1.provenance.json").read_text(encoding="utf-8"))
    assert prov["acquisition"]["counterpart"] == "KOICA"
    assert prov["decisions"][0]["reference"] == "PV 9/2018"

    dc = tmp_path / "dc"
    assert run("export", "--format", "oai_dc", "--out", dc).exit_code == 0
    root = etree.parse(str(dc / "old-0.xml")).getroot()
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    js = tmp_path / "js"
    assert run("export", "--format", "json", "--out", js).exit_code == 0
    body = json.loads((js / "old-2.json").read_text(encoding="utf-8"))
    assert body["id"] == "old-2" and body["status"] == "published"
    assert body["acquisition"]["mode"] == "don"

    rerun = run(
        "import", src, "--migrate-validated", "PV 9/2018", "--report", tmp_path / "again.json"
    )
    assert rerun.exit_code == 3  # the broken line, again
    summary = json.loads((tmp_path / "again.json").read_text())["summary"]
    assert (summary["imported"], summary["unchanged"]) == (0, 3)


def test_user_and_db_commands(app, run):
    created = run(
        "user",
        "create",
        "Admin.LNRN",
        "--role",
        "admin",
        "--password-stdin",
        input="un mot de passe sûr\n",
    )
    assert created.exit_code == 0 and created.output.strip() == "admin.lnrn: admin"
    prompted = run(
        "user",
        "create",
        "amina",
        "--role",
        "validator",
        "--commission",
        "validation",
        input="un mot de passe sûr\nun mot de passe sûr\n",
    )
    assert prompted.exit_code == 0, prompted.output
    assert "un mot de passe sûr" not in prompted.output  # hidden prompt
    assert runtime(app).accounts.authenticate("admin.lnrn", "un mot de passe sûr") is not None
    short = run("user", "create", "sara", "--role", "indexer", "--password-stdin", input="court\n")
    assert short.exit_code == 1 and "mot de passe trop court : au moins 12" in short.output
    dup = run(
        "user",
        "create",
        "amina",
        "--role",
        "indexer",
        "--password-stdin",
        input="un mot de passe sûr\n",
    )
    assert dup.exit_code == 1 and "un compte 'amina' existe déjà" in dup.output
    listing = run("user", "list")
    assert "amina\tvalidator\tvalidation" in listing.output
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0 and "schema:" in upgraded.output


def test_export_to_an_unwritable_place_is_one_line(app, run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("export", "--format", "json", "--out", blocker / "sub")
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : ") and "Traceback" not in result.output


def test_a_new_password_from_the_command_line_ends_the_sessions(app, run):
    rt = runtime(app)
    rt.accounts.create_user("nadia", "premier mot de passe sûr", roles=["indexer"])
    epoch = rt.accounts.get("nadia").session_epoch
    weak = run("user", "set-password", "nadia", "--password-stdin", input="azerty123456\n")
    assert weak.exit_code == 1 and "connu des attaquants" in weak.output
    done = run("user", "set-password", "nadia", "--password-stdin", input="cedre bleu atlas 7\n")
    assert done.exit_code == 0 and "ses sessions sont fermées" in done.output
    assert rt.accounts.session_actor("nadia", epoch) is None
    assert rt.accounts.authenticate("nadia", "cedre bleu atlas 7") is not None
