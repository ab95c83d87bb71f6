"""Junk sent to any console route — huge, malformed, unicode-heavy, unknown ids — gets a clear
answer (a page with a message, 4xx), never a 500."""

from __future__ import annotations

import io

import pytest
from staff_fixtures import as_user, created_id, record_form, runtime, staff_app  # noqa: F401

JUNK = [
    "",
    "x" * 100_000,
    "\u202e\u200f𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ⵜⴰⵎⴰⵣⵉⵖⵜ ﷽" * 300,
    "\x00",
    "99999999999999999999999",
    "../../etc/passwd",
]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_in_every_field_of_every_form_is_never_a_500(as_user, runtime, junk):
    adm, idx, val = as_user("adm"), as_user("idx"), as_user("val")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    fields = [
        *list(record_form()),
        "version",
        "mode",
        "reference",
        "counterpart",
        "started_on",
        "completed_on",
        "note",
        "step",
        "document_type",
        "decision",
        "reason",
        "username",
        "display_name",
        "password",
        "confirm",
        "roles",
        "commissions",
        "u-idx-roles",
        "a-idx-active",
    ]
    junk_form = dict.fromkeys(fields, junk)
    posts = [
        (idx, "/staff/resources/new"),
        (idx, f"/staff/resources/{rid}/edit"),
        (idx, f"/staff/resources/{rid}/acquisition"),
        (idx, f"/staff/resources/{rid}/documents"),
        (val, f"/staff/resources/{rid}/decision"),
        (idx, f"/staff/resources/{rid}/publish"),
        (adm, f"/staff/resources/{rid}/withdraw"),
        (adm, "/staff/users"),
        (adm, "/staff/users/idx/roles"),
        (adm, "/staff/users/idx/active"),
        (idx, f"/staff/resources/{junk[:200] or 'x'}/submit"),
    ]
    for client, url in posts:
        response = client.post(url, junk_form)
        assert response.status_code < 500, (url, response.status_code)
    for url in ("/staff/?q=", "/staff/?status=", "/staff/?page=", "/staff/resources/"):
        response = idx.get(url + junk[:2000])
        assert response.status_code < 500, (url, response.status_code)
    assert runtime.accounts.get("idx").active


def test_an_oversized_upload_is_refused_cleanly(staff_app, as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    idx.post(
        f"/staff/resources/{rid}/acquisition",
        {"version": str(runtime.resources.get(rid).version), "mode": "don", "reference": "Don 1"},
    )
    assert staff_app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024  # a limit is always set
    staff_app.config["MAX_CONTENT_LENGTH"] = 10_000  # small here, to keep the test light
    try:
        response = idx.post(
            f"/staff/resources/{rid}/documents",
            {
                "step": "x",
                "document_type": "autre",
                "file": (io.BytesIO(b"0" * 20_000), "huge.bin"),
            },
            content_type="multipart/form-data",
        )
    finally:
        staff_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert response.status_code == 413
    assert len(runtime.resources.history(rid)) == 2
