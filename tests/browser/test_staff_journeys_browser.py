"""Staff journeys in a real browser, beyond the French walk of test_staff_flow.py:

* a documentalist working in Arabic (RTL) describes a resource from an empty form to its
  publication: a refused form comes back with what was typed and the error beside the
  field, the type and size are detected from the address, the completeness score tells
  what is missing until submission is allowed, the commission sends it back, it is
  corrected, validated and published, then found by a teacher;
* an indexer completes an acquisition procedure: each step is marked done with its date,
  and a step offers only the document types it allows for its attachment.
"""

from __future__ import annotations

import re
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WORD = "متوازيات"  # an Arabic word no seeded resource uses


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def resource_host(tmp_path_factory):
    """The partner's site where the resource lives (a PDF), on this machine."""
    root = tmp_path_factory.mktemp("resource-host")
    (root / "lecon.pdf").write_bytes(b"%PDF-1.4\n" + b"% lecon\n" * 200 + b"%%EOF\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def people(live_server):
    accounts = live_server.app.extensions["mawarid"].accounts
    users = {
        "jr-idx": ("journey-indexer-1", ["indexer"], []),
        "jr-val": ("journey-validator-1", ["validator"], ["validation"]),
    }
    for name, (password, roles, commissions) in users.items():
        accounts.create_user(
            name, password, display_name=name, roles=roles, commissions=commissions
        )
    return {name: password for name, (password, _, _) in users.items()}


def _score(page) -> int:
    text = page.locator(".completeness").first.inner_text()
    return int(re.search(r"(\d+)\s*%", text).group(1))


def test_describe_in_arabic_from_empty_to_published(
    new_page, live_server, people, resource_host, screenshot, staff_login
):
    rt = live_server.app.extensions["mawarid"]
    page = new_page(locale="ar-MA")
    staff_login(page, "jr-idx", people["jr-idx"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto("/staff/resources/new")

    # A first try with a duration typed as words: refused, nothing lost, the error beside it.
    page.locator("#title_ar").fill(f"المستقيمات {WORD} في المستوى")
    page.locator("#duration").fill("عشر دقائق")
    page.locator("form.record-form button[type=submit]:not([name])").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.locator("#title_ar")).to_have_value(f"المستقيمات {WORD} في المستوى")
    duration_row = page.locator(".field.has-error", has=page.locator("#duration"))
    expect(duration_row).to_contain_text("ISO 8601")
    screenshot(page, "journey-refused-form-ar")

    page.locator("#duration").fill("")
    page.locator("form.record-form button[type=submit]:not([name])").click()
    expect(page.locator("#status")).to_be_visible()
    rid = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert _score(page) < 50
    # Submitting now is refused, each missing item named in Arabic.
    page.locator(f"form[action='/staff/resources/{rid}/submit'] button").click()
    expect(page.locator(".flash-error")).to_contain_text("rights.licence")
    expect(page.locator(".flash-error")).to_contain_text("ترخيص")
    assert rt.resources.get(rid).status == "draft"

    # Complete it; type and size come from the address, not from typing.
    page.goto(f"/staff/resources/{rid}/edit")
    page.locator("#title_fr").fill(f"Droites parallèles {WORD}")
    page.locator("#description_fr").fill("Tracer des droites parallèles au collège.")
    page.locator("#description_ar").fill("رسم مستقيمات متوازية في الإعدادي.")
    page.locator("#languages").select_option(["ar", "fr"])
    page.locator("#levels").select_option(["1ac"])
    page.locator("#subjects").select_option(["mathematiques"])
    page.locator("#licence").select_option("cc-by-sa-4.0")
    page.locator("#location").fill(f"{resource_host}/lecon.pdf")
    page.locator("button[name=detect][value=url]").click()
    expect(page.locator("#format")).to_have_value("application/pdf")
    expect(page.locator("#size")).to_have_value(re.compile(r"^\d+$"))
    expect(page.locator("#title_fr")).to_have_value(f"Droites parallèles {WORD}")  # kept
    screenshot(page, "journey-detected-ar")
    page.locator("form.record-form button[type=submit]:not([name])").click()
    expect(page.locator("#status")).to_be_visible()
    assert _score(page) == 100

    page.locator(f"form[action='/staff/resources/{rid}/submit'] button").click()
    expect(page.locator("#status")).to_have_text(re.compile("المصادقة"))

    # The commission sends it back with a remark …
    validator = new_page(locale="ar-MA")
    staff_login(validator, "jr-val", people["jr-val"])
    validator.goto(f"/staff/resources/{rid}")
    validator.locator("input[name=decision][value=non_conforme]").check()
    validator.locator("#reference").fill("محضر 12/2025")
    validator.locator("#note").fill("أضف كلمات مفتاحية")
    validator.locator("form#decision button[type=submit]").click()
    assert rt.resources.get(rid).status == "rejected"

    # … the documentalist corrects and submits again …
    page.goto(f"/staff/resources/{rid}/edit")
    page.locator("#keywords_ar").fill("مستقيمات\nتوازي")
    page.locator("form.record-form button[type=submit]:not([name])").click()
    page.locator(f"form[action='/staff/resources/{rid}/submit'] button").click()
    assert rt.resources.get(rid).status == "submitted"

    # … found conforming, published, and a teacher finds it in Arabic.
    validator.reload()
    validator.locator("input[name=decision][value=conforme]").check()
    validator.locator("#reference").fill("محضر 13/2025")
    validator.locator("form#decision button[type=submit]").click()
    page.reload()
    page.locator(f"form[action='/staff/resources/{rid}/publish'] button").click()
    expect(page.locator("#status")).to_have_text(re.compile("منشور"))
    screenshot(page, "journey-published-ar")

    teacher = new_page(locale="ar-MA")
    teacher.goto(f"/search?q={WORD}")
    expect(teacher.locator(".hits")).to_contain_text("المستقيمات")


def test_complete_a_procedure_step_by_step(new_page, live_server, people, screenshot, staff_login):
    rt = live_server.app.extensions["mawarid"]
    actor = rt.accounts.actor("jr-idx")
    rid = rt.resources.create_draft(actor, {"general": {"title": {"fr": "Procédure suivie"}}}).id
    page = new_page()
    staff_login(page, "jr-idx", people["jr-idx"])
    page.goto(f"/staff/resources/{rid}")

    form = page.locator("form.acquisition-form")
    form.locator("select[name=mode]").select_option("achat")
    form.locator("input[name=reference]").fill("AO 77/2025/LNRN")
    form.locator("input[name=counterpart]").fill("Éditions du Détroit")
    form.locator("button[type=submit]").click()
    step = page.locator("#step-ouverture-plis")
    expect(step).to_be_visible()

    # The step offers only the documents its procedure allows (and "autre").
    offered = step.locator("form.attach-form select[name$=document_type] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert set(offered) == {"pv-ouverture-plis", "autre"}, offered
    step.locator("form.attach-form select[name$=document_type]").select_option("pv-ouverture-plis")
    step.locator("form.attach-form input[type=file]").set_input_files(
        {"name": "pv-plis.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 PV\n%%EOF"}
    )
    step.locator("form.attach-form button[type=submit]").click()
    step = page.locator("#step-ouverture-plis")
    expect(step.locator(".documents")).to_contain_text("pv-plis.pdf")
    expect(step.locator(".sha")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    # Mark two steps done with their dates.
    for step_id, day in (("definition-besoins", "2025-01-15"), ("ouverture-plis", "2025-03-02")):
        step = page.locator(f"#step-{step_id}")
        step.locator("form.step-form select[name=status]").select_option("done")
        step.locator("form.step-form input[name=date]").fill(day)
        step.locator("form.step-form button[type=submit]").click()
        expect(page.locator(f"#step-{step_id}")).to_have_class(re.compile("step-done"))
        expect(page.locator(f"#step-{step_id} .step-status")).to_contain_text(day)
    screenshot(page, "journey-procedure-fr")
    steps = {s["id"]: s for s in rt.resources.provenance(rid)["acquisition"]["steps"]}
    assert steps["ouverture-plis"]["status"] == "done"
    assert steps["ouverture-plis"]["documents"][0]["type"] == "pv-ouverture-plis"


LOM = """<?xml version="1.0" encoding="UTF-8"?>
<lom xmlns="http://ltsc.ieee.org/xsd/LOM">
  <general>
    <identifier><catalog>URI</catalog><entry>https://partner.example/queue/{n}</entry></identifier>
    <title><string language="fr">{title}</string></title>
    <language>fr</language>
  </general>
  <educational>
    <learningResourceType><source>LOM-FRv1.0</source><value>cyberquête</value></learningResourceType>
  </educational>
</lom>
"""


def test_clear_a_review_queue(new_page, live_server, people, tmp_path, screenshot, staff_login):
    titles = ["Cyberquête des volcans", "Cyberquête des oasis"]
    archive = tmp_path / "lot-partenaire.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for n, title in enumerate(titles):
            z.writestr(f"notice-{n}.xml", LOM.format(n=n, title=title))
    page = new_page()
    staff_login(page, "jr-idx", people["jr-idx"])
    page.goto("/staff/review/")
    page.set_input_files("#import-file", str(archive))
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("body")).to_contain_text("2 importées (2 à revoir)")
    page.goto("/staff/review/")
    queue = page.locator("#review-queue")
    for title in titles:
        expect(queue).to_contain_text(title)

    # Settle each one until none of them waits.
    for title in titles:
        page.goto("/staff/review/")
        page.locator("#review-queue").get_by_role("link", name=title).click()
        page.get_by_role("button", name="Accepter toutes les propositions").click()
        expect(page.locator("body")).to_contain_text("Revue terminée")
    page.goto("/staff/review/")
    waiting = page.locator("#review-queue")
    for title in titles:
        expect(waiting if waiting.count() else page.locator("main")).not_to_contain_text(title)
    page.goto("/staff/review/?status=reviewed")
    for title in titles:
        expect(page.locator("#review-queue")).to_contain_text(title)
    screenshot(page, "journey-review-queue-cleared")
