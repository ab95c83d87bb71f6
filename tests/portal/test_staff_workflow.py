"""The lifecycle through the console: create → provenance → documents → submit → decide →
publish → public search; rejection; withdrawal; the history and the dashboard."""

from __future__ import annotations

import hashlib
import re

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app  # noqa: F401

from tests.support.records import complete


def _follow(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.text(response.headers["Location"])


def test_create_submit_decide_publish_then_found_in_public_search(staff_app, as_user, runtime):
    idx, val = as_user("idx"), as_user("val")
    rid = created_id(
        idx.post("/staff/resources/new", record_form(title_fr="Géométrie dans l'espace zorblax"))
    )
    page = _follow(
        idx,
        idx.post(
            f"/staff/resources/{rid}/acquisition",
            {
                "version": str(runtime.resources.get(rid).version),
                "mode": "achat",
                "reference": "AO 12/2024/LNRN",
                "counterpart": "Éditions Atlas",
                "started_on": "2024-01-10",
                "completed_on": "2024-06-30",
            },
        ),
    )
    assert "AO 12/2024/LNRN" in page and "Éditions Atlas" in page

    pdf = b"%PDF-1.4 PV de la sous-commission technique"
    # Each step offers only the document types its procedure allows (and "autre").
    offers = {
        step: re.findall(r'<option value="([^"]+)"', options)
        for step, options in re.findall(
            r'name="step-([^"]+)-document_type"[^>]*>(.*?)</select>', page, re.S
        )
    }
    step = next(s for s, types in offers.items() if "rapport-evaluation-technique" in types)
    assert all(len(types) < 6 and types[-1] == "autre" for types in offers.values()), offers
    other = next(s for s, types in offers.items() if "rapport-evaluation-technique" not in types)

    def attach(step_id, document_type, name):
        return idx.post(
            f"/staff/resources/{rid}/documents",
            {
                f"step-{step_id}-step": step_id,
                f"step-{step_id}-document_type": document_type,
                f"step-{step_id}-file": (__import__("io").BytesIO(pdf), name),
            },
            content_type="multipart/form-data",
        )

    refused = _follow(idx, attach(other, "rapport-evaluation-technique", "ailleurs.pdf"))
    assert "flash-error" in refused and "ailleurs.pdf" not in refused
    page = _follow(idx, attach(step, "rapport-evaluation-technique", "rapport technique.pdf"))
    assert hashlib.sha256(pdf).hexdigest() in page
    assert "rapport technique.pdf" in page
    # The step is then marked done, with its date.
    version = runtime.resources.get(rid).version
    page = _follow(
        idx,
        idx.post(
            f"/staff/resources/{rid}/steps/{step}",
            {"status": "done", "date": "2025-02-03", "version": str(version)},
        ),
    )
    done = next(
        s for s in runtime.resources.provenance(rid)["acquisition"]["steps"] if s["id"] == step
    )
    assert (done["status"], done["date"]) == ("done", "2025-02-03")
    assert re.search(rf'id="step-{step}"[^>]*>.*?\(faite, <bdi>2025-02-03</bdi>\)', page, re.S)

    page = _follow(idx, idx.post(f"/staff/resources/{rid}/submit", {"note": "Prête"}))
    assert runtime.resources.get(rid).status == "submitted"

    page = _follow(
        val,
        val.post(
            f"/staff/resources/{rid}/decision",
            {"decision": "conforme", "reference": "PV 3/2025", "note": "Conforme au programme"},
        ),
    )
    assert runtime.resources.get(rid).status == "validated"
    assert "PV 3/2025" in page

    page = _follow(idx, idx.post(f"/staff/resources/{rid}/publish"))
    assert runtime.resources.get(rid).status == "published"
    history = re.search(r'<section class="card" id="history".*?</section>', page, re.S).group(0)
    for who in ("idx", "val"):
        assert who in history
    assert history.count("<tr>") >= 6  # create, acquisition, attach, submit, decide, publish

    found = staff_app.test_client().get("/api/search?q=zorblax").get_json()
    assert [hit["id"] for hit in found["hits"]] == [rid]


def test_non_conforme_sends_the_resource_back_to_be_corrected(as_user, runtime):
    idx, val = as_user("idx"), as_user("val")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    idx.post(f"/staff/resources/{rid}/submit")
    val.post(
        f"/staff/resources/{rid}/decision",
        {"decision": "non_conforme", "reference": "PV 4/2025", "note": "Erreurs"},
    )
    assert runtime.resources.get(rid).status == "rejected"
    page = idx.text(f"/staff/resources/{rid}")
    assert f'href="/staff/resources/{rid}/edit"' in page
    assert f'action="/staff/resources/{rid}/publish"' not in page
    # Publishing a rejected resource is refused with a message, not an error page.
    page = _follow(idx, idx.post(f"/staff/resources/{rid}/publish"))
    assert "flash-error" in page
    assert runtime.resources.get(rid).status == "rejected"
    version = runtime.resources.get(rid).version
    assert (
        idx.post(f"/staff/resources/{rid}/edit", record_form(version=str(version))).status_code
        == 302
    )
    assert runtime.resources.get(rid).status == "draft"


def test_admin_withdraws_with_a_reason_recorded_in_the_history(as_user, runtime):
    from catalogue.services import SYSTEM

    idx, adm = as_user("idx"), as_user("adm")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    runtime.resources.submit(SYSTEM, rid)
    runtime.resources.decide(
        SYSTEM, rid, commission="validation", decision="conforme", reference="PV 5/2025"
    )
    runtime.resources.publish(SYSTEM, rid)
    empty = adm.post(f"/staff/resources/{rid}/withdraw", {"reason": ""})
    assert runtime.resources.get(rid).status == "published"
    assert "flash-error" in _follow(adm, empty)
    page = _follow(adm, adm.post(f"/staff/resources/{rid}/withdraw", {"reason": "Droits expirés"}))
    assert runtime.resources.get(rid).status == "withdrawn"
    assert "Droits expirés" in page


def test_dashboard_lists_by_status_with_search_and_pages(as_user, runtime):
    from catalogue.services import SYSTEM

    for n in range(27):
        runtime.resources.create_draft(
            SYSTEM, {"general": {"title": {"fr": f"Quokka fiche {n:02d}"}}}
        )
    one = runtime.resources.create_draft(
        SYSTEM, complete({"general": {"title": {"fr": "Quokka soumise"}}})
    )
    runtime.resources.submit(SYSTEM, one.id)
    idx = as_user("idx")
    first = idx.text("/staff/?q=Quokka")
    assert "28 ressource(s)" in first and "Page 1 sur 2" in first
    second = idx.text("/staff/?q=Quokka&page=2")
    assert "Page 2 sur 2" in second
    titles = set(re.findall(r"Quokka fiche \d\d", first)) | set(
        re.findall(r"Quokka fiche \d\d", second)
    )
    assert len(titles) == 27
    submitted = idx.text("/staff/?q=Quokka&status=submitted")
    assert "Quokka soumise" in submitted and "Quokka fiche" not in submitted
    # Junk parameters are ignored, not a 500.
    assert idx.get("/staff/?status=<x>&page=-3&q=" + "é" * 5000).status_code == 200


def test_unknown_resource_is_a_404_page_not_a_500(as_user):
    idx = as_user("idx")
    assert idx.get("/staff/resources/no-such-thing").status_code == 404
    assert idx.post("/staff/resources/no-such-thing/submit").status_code in (302, 404)


def test_a_stale_provenance_form_changes_nothing(as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    opened = runtime.resources.get(rid).version
    idx.post(
        f"/staff/resources/{rid}/acquisition",
        {"version": str(opened), "mode": "don", "reference": "Convention 1"},
    )
    page = _follow(
        idx,
        idx.post(
            f"/staff/resources/{rid}/acquisition",
            {"version": str(opened), "mode": "achat", "reference": "AO 9"},
        ),
    )
    assert "modifiée par quelqu" in page
    acquisition = runtime.resources.get(rid).acquisition
    assert acquisition["mode"] == "don" and acquisition["reference"] == "Convention 1"


def test_a_bad_upload_is_refused_with_a_message(as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    # No acquisition yet: the catalogue refuses, the page says why.
    page = _follow(
        idx,
        idx.post(
            f"/staff/resources/{rid}/documents",
            {
                "step-reception-step": "reception",
                "step-reception-document_type": "autre",
                "step-reception-file": (__import__("io").BytesIO(b"x"), "x.pdf"),
            },
            content_type="multipart/form-data",
        ),
    )
    assert "flash-error" in page
    assert len(runtime.resources.history(rid)) == 1
