"""Hostile text typed into any console field is shown as text: escaped on every console page
and on the public pages once published."""

from __future__ import annotations

import io
import re

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app  # noqa: F401

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>"\'&'
RAW_MARKERS = ("<script>alert", "<img src=x", "onerror=alert(1)>")


def assert_escaped(html: str, where: str, *, shown: bool = True) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped payload on {where}"
    if shown:
        assert "&lt;script&gt;alert(" in html, f"payload not displayed at all on {where}"


def test_payload_in_every_record_field_is_escaped_everywhere(staff_app, as_user, runtime):
    idx, val, adm = as_user("idx"), as_user("val"), as_user("adm")
    texts = {
        f"{field}_{lang}": f"{PAYLOAD} {field} {lang}"
        for field in ("title", "description", "keywords")
        for lang in ("ar", "fr", "en", "zgh")
    }
    rid = created_id(
        idx.post(
            "/staff/resources/new",
            record_form(
                **texts,
                **{
                    "contributors-0-entity": PAYLOAD,
                    "contributors-1-role": "publisher",
                    "contributors-1-entity": "Éditeur " + PAYLOAD,
                },
            ),
        )
    )
    version = runtime.resources.get(rid).version
    assert (
        idx.post(
            f"/staff/resources/{rid}/acquisition",
            {
                "version": str(version),
                "mode": "don",
                "reference": PAYLOAD,
                "counterpart": PAYLOAD,
                "note": PAYLOAD,
            },
        ).status_code
        == 302
    )
    page = idx.text(f"/staff/resources/{rid}")
    step = re.search(r'name="step-([^"]+)-document_type"', page).group(1)
    assert (
        idx.post(
            f"/staff/resources/{rid}/documents",
            {
                f"step-{step}-step": step,
                f"step-{step}-document_type": "autre",
                f"step-{step}-file": (io.BytesIO(b"data"), 'x"><script>alert(1)</script>.pdf'),
            },
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    assert idx.post(f"/staff/resources/{rid}/submit", {"note": PAYLOAD}).status_code == 302
    assert (
        val.post(
            f"/staff/resources/{rid}/decision",
            {"decision": "conforme", "reference": PAYLOAD, "note": PAYLOAD},
        ).status_code
        == 302
    )
    assert idx.post(f"/staff/resources/{rid}/publish").status_code == 302
    assert runtime.resources.get(rid).status == "published"

    for url in (
        f"/staff/resources/{rid}",
        f"/staff/resources/{rid}?lang=ar",
        f"/staff/resources/{rid}/edit",
        "/staff/",
        "/staff/?q=script",
    ):
        assert_escaped(idx.text(url), url, shown=url != "/staff/?q=script" or True)

    public = staff_app.test_client()
    html = public.get(f"/resources/{rid}").get_data(as_text=True)
    assert_escaped(html, "the public resource page")
    html = public.get("/search?q=script").get_data(as_text=True)
    assert_escaped(html, "the public search page", shown=False)

    assert adm.post(f"/staff/resources/{rid}/withdraw", {"reason": PAYLOAD}).status_code == 302
    assert_escaped(adm.text(f"/staff/resources/{rid}"), "the history after withdrawal")


def test_payload_in_invalid_fields_is_escaped_when_shown_back(as_user):
    form = record_form(
        format=PAYLOAD,
        duration=PAYLOAD,
        typical_learning_time=PAYLOAD,
        typical_age_range=PAYLOAD,
        location=PAYLOAD,
        size=PAYLOAD,
        **{"contributors-0-date": PAYLOAD},
    )
    response = as_user("idx").post("/staff/resources/new", form)
    assert response.status_code == 422
    assert_escaped(response.get_data(as_text=True), "the form with errors")


def test_payload_in_search_and_login_is_escaped(staff_app, as_user):
    html = as_user("idx").get("/staff/?q=" + PAYLOAD).get_data(as_text=True)
    assert_escaped(html, "the dashboard search box")
    client = staff_app.test_client()
    html = client.get("/staff/login?next=" + PAYLOAD).get_data(as_text=True)
    assert_escaped(html, "the login page", shown=False)


def test_payload_in_an_account_name_is_escaped(as_user, runtime):
    adm = as_user("adm")
    response = adm.post(
        "/staff/users",
        {
            "username": "xss.user",
            "display_name": PAYLOAD,
            "password": "xss-user-password",
            "confirm": "xss-user-password",
            "roles": ["indexer"],
        },
    )
    assert response.status_code == 302
    assert_escaped(adm.text("/staff/users"), "the accounts page")
