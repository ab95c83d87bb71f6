"""E-mail notifications, through a real SMTP server on this machine (aiosmtpd): validators
are told when a record waits for them, the authors when the commission refuses it, each in
their language; a mail server down never blocks nor fails the action, the e-mail is retried
after a back-off and reported once the attempts are spent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from staff_fixtures import build_app, created_id, logged_in, record_form

from catalogue.services.notifications import BACKOFF, NotificationQueue
from core.clock import FrozenClock
from mawarid.notify import Notifier
from tests.support.cli import invoke
from tests.support.settings import settings_of
from tests.support.smtp import free_port, smtp_server, smtp_settings

PASSWORD = "a long enough password"
ACCOUNTS = {
    # name: roles, commissions, e-mail, language
    "idx": (["indexer"], [], "idx@lnrn.test", "ar"),
    "val": (["validator"], ["validation"], "val@lnrn.test", "fr"),
    "val-ar": (["validator"], ["validation"], "val-ar@lnrn.test", "ar"),
    "val-mute": (["validator"], ["validation"], None, "fr"),  # no address: not e-mailed
    "val-other": (["validator"], ["appel-offres"], "other@lnrn.test", "fr"),  # not on it
}


def _app(home, port):
    app = build_app(home, **smtp_settings(port))
    rt = app.extensions["mawarid"]
    for name, (roles, commissions, email, language) in ACCOUNTS.items():
        rt.accounts.create_user(name, PASSWORD, roles=roles, commissions=commissions)
        rt.catalogue.contacts.set(name, email=email, language=language)
    return app


@pytest.fixture
def mail(tmp_path):
    with smtp_server() as (inbox, port):
        app = _app(tmp_path / "home", port)
        yield app, inbox
        app.extensions["mawarid"].close()


def test_validators_are_told_in_their_language_when_a_record_waits(mail):
    app, inbox = mail
    idx = logged_in(app, "idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    idx.post(f"/staff/resources/{rid}/submit", {"note": "Prête pour la commission"})
    inbox.wait(2)
    assert sorted(m["To"] for m in inbox.messages) == ["val-ar@lnrn.test", "val@lnrn.test"]
    fr, ar = inbox.to("val@lnrn.test")[0], inbox.to("val-ar@lnrn.test")[0]
    assert fr["Subject"] == "[Mawarid] À valider : Les fractions au collège"
    assert fr["From"] == "mawarid@lnrn.test" and fr["Content-Language"] == "fr"
    body = fr.get_content()
    assert "idx a soumis" in body and "Prête pour la commission" in body
    assert f"https://mawarid.test/staff/resources/{rid}" in body
    assert ar["Content-Language"] == "ar"
    assert "الكسور في الإعدادي" in ar["Subject"] and "للمصادقة" in ar["Subject"]
    assert "لجنة المصادقة" in ar.get_content()
    app.extensions["mawarid"].notifier.stop()  # its pass ends with the rows written
    rows = app.extensions["mawarid"].catalogue.notifications.of_resource(rid)
    assert {(r.username, r.status) for r in rows} == {("val", "sent"), ("val-ar", "sent")}


def test_the_authors_are_told_when_the_commission_refuses(mail):
    app, inbox = mail
    idx, val = logged_in(app, "idx"), logged_in(app, "val")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    idx.post(f"/staff/resources/{rid}/submit")
    inbox.wait(2)
    val.post(
        f"/staff/resources/{rid}/decision",
        {"decision": "non_conforme", "reference": "PV 4/2025", "note": "Titre arabe à revoir"},
    )
    refused = inbox.wait(3)[2]
    assert refused["To"] == "idx@lnrn.test" and refused["Content-Language"] == "ar"
    assert "غير مطابق" in refused["Subject"]
    assert "Titre arabe à revoir" in refused.get_content()
    # A conforming decision waits for nobody: no e-mail.
    rid2 = created_id(idx.post("/staff/resources/new", record_form(title_fr="Autre")))
    idx.post(f"/staff/resources/{rid2}/submit")
    inbox.wait(5)
    val.post(f"/staff/resources/{rid2}/decision", {"decision": "conforme", "reference": "PV 5"})
    app.extensions["mawarid"].notifier.run_once()
    assert len(inbox.messages) == 5


def test_a_mail_server_down_never_blocks_the_action_then_the_mail_follows(tmp_path):
    port = free_port()  # nothing listens there yet
    app = _app(tmp_path / "home", port)
    rt = app.extensions["mawarid"]
    try:
        idx = logged_in(app, "idx")
        rid = created_id(idx.post("/staff/resources/new", record_form()))
        answer = idx.post(f"/staff/resources/{rid}/submit")
        assert answer.status_code == 302 and rt.resources.get(rid).status == "submitted"
        rt.notifier.stop()  # the portal's background attempt is over; time moves by hand now
        rows = rt.catalogue.notifications.of_resource(rid)
        assert {r.status for r in rows} == {"pending"} and all(r.attempts == 1 for r in rows)
        assert all("ConnectionRefused" in (r.last_error or "") for r in rows)
        clock = FrozenClock(datetime.now(UTC))
        notifier = Notifier(rt.settings, NotificationQueue(rt.catalogue.db, clock=clock))
        with smtp_server(port) as (inbox, _):
            assert notifier.run_once().sent == 0  # not before the back-off
            clock.advance(BACKOFF[-1].total_seconds())
            assert notifier.run_once().sent == 2
            assert sorted(m["To"] for m in inbox.wait(2)) == ["val-ar@lnrn.test", "val@lnrn.test"]
    finally:
        rt.close()


def test_a_refused_address_is_retried_then_reported(tmp_path):
    with smtp_server() as (inbox, port):
        inbox.refuse = True
        app = _app(tmp_path / "home", port)
        rt = app.extensions["mawarid"]
        try:
            rid = created_id(logged_in(app, "idx").post("/staff/resources/new", record_form()))
            clock = FrozenClock(datetime.now(UTC))
            notifier = Notifier(rt.settings, NotificationQueue(rt.catalogue.db, clock=clock))
            rt.resources.submit(rt.accounts.actor("idx"), rid)
            for _ in range(len(BACKOFF) + 1):
                notifier.run_once()
                clock.advance(BACKOFF[-1].total_seconds())
            failures = rt.catalogue.notifications.failures()
            assert {f.address for f in failures} == {"val@lnrn.test", "val-ar@lnrn.test"}
            assert all("550" in (f.error or "") for f in failures)
            listed = invoke(rt, "notify", "--failed")
            assert listed.exit_code == 0 and "550" in listed.output and rid in listed.output
            inbox.refuse = False
            again = invoke(rt, "notify", "--retry")
            assert "2 e-mails envoyés" in again.output
            assert len(inbox.wait(2)) == 2
        finally:
            rt.close()


def test_the_command_line_tells_and_never_fails_the_action(tmp_path):
    port = free_port()
    app = _app(tmp_path / "home", port)
    rt = app.extensions["mawarid"]
    try:
        rid = created_id(logged_in(app, "idx").post("/staff/resources/new", record_form()))
        down = invoke(rt, "submit", rid, "--as", "idx")
        assert down.exit_code == 0 and f"{rid}: submitted" in down.output
        assert "mawarid notify" in down.output and "Traceback" not in down.output
        with smtp_server(port) as (inbox, _):
            rid2 = created_id(
                logged_in(app, "idx").post("/staff/resources/new", record_form(title_fr="B"))
            )
            up = invoke(rt, "submit", rid2, "--as", "idx")
            assert up.exit_code == 0 and "mawarid notify" not in up.output
            # The second submission's two e-mails; the first's wait for their back-off.
            assert all(rid2 in m.get_content() for m in inbox.wait(2))
    finally:
        rt.close()


def test_migrated_records_and_an_instance_without_mail_server_send_nothing(tmp_path):
    with smtp_server() as (inbox, port):
        app = _app(tmp_path / "home", port)
        rt = app.extensions["mawarid"]
        try:
            path = tmp_path / "ancien.jsonl"
            path.write_text(
                json.dumps({"id": "old-1", "general": {"title": {"fr": "Ancienne"}}}) + "\n"
            )
            imported = invoke(rt, "import", str(path), "--migrate-validated", "PV 1/2019")
            assert imported.exit_code == 0, imported.output
            assert rt.notifier.run_once().planned == 0 and inbox.messages == []
        finally:
            rt.close()
    quiet = settings_of({"MAWARID_HOME": str(tmp_path / "quiet")})
    assert not Notifier(quiet, NotificationQueue(rt.catalogue.db)).enabled


def test_contacts_are_set_by_an_administrator_and_checked(mail):
    app, _ = mail
    adm_rt = app.extensions["mawarid"]
    adm_rt.accounts.create_user("adm", PASSWORD, roles=["admin"])
    adm = logged_in(app, "adm")
    page = adm.text("/staff/users")
    assert 'name="c-val-email"' in page and 'value="val@lnrn.test"' in page
    adm.post(
        "/staff/users/val/contact", {"c-val-email": "youssef@men.gov.ma", "c-val-language": "ar"}
    )
    assert adm_rt.catalogue.contacts.get("val").email == "youssef@men.gov.ma"
    assert adm_rt.catalogue.contacts.get("val").language == "ar"
    bad = adm.post(
        "/staff/users/val/contact",
        {"c-val-email": "not an address", "c-val-language": "fr"},
        follow_redirects=True,
    )
    assert "not an address" in bad.get_data(as_text=True) or "pas une adresse" in bad.get_data(
        as_text=True
    )
    assert adm_rt.catalogue.contacts.get("val").email == "youssef@men.gov.ma"
    cli = invoke(adm_rt, "user", "contact", "val", "--email", "", "--language", "fr")
    assert cli.exit_code == 0 and adm_rt.catalogue.contacts.get("val").email is None
