"""Creating and editing records through the console form: what is stored, what is kept,
what the user sees when something is wrong."""

from __future__ import annotations

import re

from staff_fixtures import as_user, created_id, record_form, runtime, staff_app  # noqa: F401


def test_create_stores_the_record_the_form_describes(as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    view = runtime.resources.get(rid)
    record = view.record
    assert view.status == "draft"
    assert record["general"]["title"] == {
        "fr": "Les fractions au collège",
        "ar": "الكسور في الإعدادي",
    }
    assert record["general"]["keyword"] == [{"ar": "كسر"}, {"fr": "fraction"}, {"fr": "numérateur"}]
    assert record["general"]["language"] == ["fr", "ar"]
    paths = {
        (c["purpose"], tuple(p["taxon"])) for c in record["classification"] for p in c["taxon_path"]
    }
    # The leaf picked in the form is stored with its full path in the curriculum.
    assert ("educational_level", ("secondaire-collegial", "1ac")) in paths
    assert ("discipline", ("mathematiques",)) in paths
    assert record["technical"] == {
        "format": ["video/mp4"],
        "size": 123456,
        "location": ["https://example.org/fractions.mp4"],
        "duration": "PT12M",
    }
    assert record["rights"] == {"cost": False, "copyright": True, "licence": "cc-by-sa-4.0"}
    assert record["educational"]["typical_age_range"] == ["12-13"]
    assert record["lifecycle"]["contribute"] == [
        {"role": "author", "entity": ["Amina Benali", "Youssef Alaoui"], "date": "2024-05-01"}
    ]


def test_the_form_has_lang_and_dir_on_every_text_input(as_user):
    html = as_user("idx").text("/staff/resources/new")
    for field in ("title", "description", "keywords"):
        for lang, direction in (("ar", "rtl"), ("fr", "ltr"), ("en", "ltr"), ("zgh", "ltr")):
            tag = re.search(rf'<(?:input|textarea)[^>]*id="{field}_{lang}"[^>]*>', html).group(0)
            assert f'lang="{lang}"' in tag and f'dir="{direction}"' in tag, tag


def test_pickers_offer_levels_grouped_by_cycle_in_both_languages(as_user):
    html = as_user("idx").text("/staff/resources/new")
    levels = re.search(r'<select[^>]*id="levels".*?</select>', html, re.S).group(0)
    assert 'class="picker"' in levels and "multiple" in levels
    groups = re.findall(r'<optgroup label="([^"]+)"', levels)
    assert any("primaire" in g and "الابتدائي" in g for g in groups), groups
    assert re.search(r'<option[^>]* value="1ac"[^>]*>[^<]*1re année[^<]*—[^<]*السنة الأولى', levels)
    assert "/static/staff/picker.js" in html


def test_edit_shows_the_stored_values_and_keeps_what_the_form_does_not_show(as_user, runtime):
    from catalogue.services import SYSTEM

    record = {
        "general": {
            "title": {"fr": "Atlas du Maroc"},
            "identifier": [{"catalog": "ISBN", "entry": "978-9954-0-0000-1"}],
        },
        "relation": [{"kind": "ispartof", "resource": {"description": {"fr": "Collection X"}}}],
        "classification": [
            {"purpose": "educational_level", "taxon_path": [{"source": "level", "taxon": ["6ap"]}]}
        ],
    }
    view = runtime.resources.create_draft(SYSTEM, record)
    idx = as_user("idx")
    html = idx.text(f"/staff/resources/{view.id}/edit")
    assert 'value="Atlas du Maroc"' in html
    assert re.search(r'<option(?=[^>]* selected)(?=[^>]* value="6ap")[^>]*>', html)
    form = record_form(title_fr="Atlas du Maroc (2e éd.)", version=str(view.version))
    response = idx.post(f"/staff/resources/{view.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    stored = runtime.resources.get(view.id)
    assert stored.version == view.version + 1
    assert stored.record["general"]["title"]["fr"] == "Atlas du Maroc (2e éd.)"
    assert stored.record["general"]["identifier"] == record["general"]["identifier"]
    assert stored.record["relation"] == record["relation"]
    # The description the edit replaced stays readable on the record's page.
    page = idx.text(f"/staff/resources/{view.id}")
    earlier = re.search(r'<tr id="version-1">.*?</tr>', page, re.S).group(0)
    assert "general.title" in earlier and "Atlas du Maroc" in earlier and "idx" in earlier
    assert "Atlas du Maroc (2e" not in earlier


def test_a_stale_edit_shows_a_conflict_and_overwrites_nothing(as_user, runtime):
    idx = as_user("idx")
    rid = created_id(idx.post("/staff/resources/new", record_form()))
    opened = runtime.resources.get(rid).version
    # Someone else saves first.
    first = idx.post(
        f"/staff/resources/{rid}/edit",
        record_form(title_fr="Version de Fatima", version=str(opened)),
    )
    assert first.status_code == 302
    saved = runtime.resources.get(rid)
    # Our save, made on the version we opened, must not win.
    response = idx.post(
        f"/staff/resources/{rid}/edit",
        record_form(title_fr="Version de Karim", version=str(opened)),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Conflit de modification" in html and "rien n'a été écrasé" in html
    assert 'value="Version de Karim"' in html  # the user's input is kept on screen
    after = runtime.resources.get(rid)
    assert after.version == saved.version
    assert after.record["general"]["title"]["fr"] == "Version de Fatima"


def test_form_errors_are_shown_next_to_their_fields_with_the_record_path(as_user, runtime):
    idx = as_user("idx")
    before = runtime.resources.list().total
    form = record_form(
        title_fr="",
        title_ar="",
        duration="douze minutes",
        size="12 Mo",
        location="pas une adresse",
        **{"contributors-0-date": "hier"},
    )
    response = idx.post("/staff/resources/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert runtime.resources.list().total == before
    title_block = re.search(r"<legend>Titre</legend>.*?</fieldset>", html, re.S).group(0)
    assert "general.title" in title_block and "obligatoire" in title_block
    for field, path in (
        ("duration", "technical.duration"),
        ("size", "technical.size"),
        ("location", "technical.location"),
    ):
        block = re.search(
            rf'<div class="field has-error">\s*<label for="{field}".*?</div>', html, re.S
        )
        assert block, f"{field} not marked in error"
        assert path in block.group(0) and 'aria-invalid="true"' in block.group(0)
    row = re.search(r'<tr class="has-error">.*?</tr>', html, re.S).group(0)
    assert "lifecycle.contribute[0].date" in row
    # What the user typed is still there to be corrected.
    assert 'value="douze minutes"' in html


def test_an_unknown_vocabulary_value_is_reported_on_its_picker(as_user):
    response = as_user("idx").post("/staff/resources/new", record_form(levels=["9ap"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    block = re.search(
        r'<div class="field picker-field has-error">\s*<label for="levels".*?</div>', html, re.S
    )
    assert block and "9ap" in block.group(0)


def test_the_console_speaks_arabic_right_to_left(as_user):
    html = as_user("idx").text("/staff/resources/new?lang=ar")
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert "عنوان" in html or "العنوان" in html  # the "Titre" label, translated


def test_form_and_record_round_trip(staff_app):
    """Opening a record in the form and saving it unchanged changes nothing."""
    from werkzeug.datastructures import MultiDict

    from metadata_schemas.record import load_record
    from portal import record_form as rf
    from portal.forms import RecordForm

    with staff_app.test_request_context(
        "/staff/resources/new", method="POST", data=MultiDict(list(_items(record_form())))
    ):
        first, _ = rf.record_from_form(RecordForm(meta={"csrf": False}))
        first = load_record(first)
        form = RecordForm(meta={"csrf": False}, formdata=None, data=rf.form_data(first))
        second, _ = rf.record_from_form(form, base=first)
        assert load_record(second) == first


def _items(data):
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            yield key, item
