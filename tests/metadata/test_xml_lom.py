"""LOM XML export/import: XSD-valid output, exact round trips, lenient but honest import."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from metadata_schemas.errors import MetadataError, RecordValidationError, UnsafeXMLError
from metadata_schemas.lom_xml import (
    LOM_NS,
    lom_to_record,
    mawarid_identifier,
    record_to_lom,
    record_to_lom_element,
)
from metadata_schemas.record import load_record
from metadata_schemas.safe_xml import parse_xml
from tests.metadata.strategies import provenances, record_ids, records
from tests.support.xsd import assert_valid, lom_loose_schema, lom_strict_schema

SAMPLES = Path(__file__).parent / "samples"
RECORD_SAMPLES = sorted(p.stem for p in SAMPLES.glob("*.json"))
NS = {"l": LOM_NS}
PROVENANCE = {
    "mode": "achat",
    "reference": "AO 12/2024/LNRN",
    "counterpart": "Éditions Al Madariss",
    "validated": {"date": "2025-01-02", "commission": "validation", "reference": "PV 3/2025"},
    "published": {"date": "2025-01-05T10:00:00Z", "by": "LNRN"},
}


def sample(name: str) -> dict:
    return load_record(json.loads((SAMPLES / f"{name}.json").read_text("utf-8")), record=name)


def with_id(record: dict, identifier: str) -> dict:
    expected = copy.deepcopy(record)
    idents = expected["general"].setdefault("identifier", [])
    idents.insert(0, {"catalog": "mawarid", "entry": identifier})
    return expected


# -- export is valid ---------------------------------------------------------------------


@pytest.mark.parametrize("name", RECORD_SAMPLES)
def test_samples_validate_against_lom_loose(name):
    assert_valid(lom_loose_schema(), record_to_lom(sample(name)))
    assert_valid(
        lom_loose_schema(),
        record_to_lom(sample(name), identifier="res-0001", provenance=PROVENANCE),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records(), identifier=record_ids(), provenance=provenances())
def test_generated_records_validate_and_round_trip(record, identifier, provenance):
    data = record_to_lom(record, identifier=identifier, provenance=provenance)
    assert_valid(lom_loose_schema(), data)
    back = lom_to_record(data, source="generated.xml")
    assert back == with_id(record, identifier)
    assert mawarid_identifier(back) == identifier


@settings(max_examples=40, deadline=None)
@given(record=records())
def test_round_trip_without_identifier(record):
    assert lom_to_record(record_to_lom(record), source="r.xml") == record


def test_records_with_only_lom_terms_pass_lom_strict():
    record = sample("all_categories")
    # drop the Mawarid-only terms (video-lesson) and the non-LOM classification sources
    record["educational"]["learning_resource_type"] = ["lecture", "exercise"]
    strict = lom_strict_schema()
    assert_valid(strict, record_to_lom(record, provenance=PROVENANCE))
    record["educational"]["learning_resource_type"] = ["video-lesson"]
    assert not strict.validate(etree.fromstring(record_to_lom(record)))


# -- the XML itself ----------------------------------------------------------------------


def test_vocabulary_values_use_lom_or_our_vocabulary_as_source():
    el = record_to_lom_element(sample("all_categories"))
    types = el.findall("l:educational/l:learningResourceType", NS)
    pairs = [
        (t.findtext("l:source", namespaces=NS), t.findtext("l:value", namespaces=NS)) for t in types
    ]
    assert ("LOMv1.0", "lecture") in pairs
    assert ("LOMv1.0", "narrative text") in pairs
    assert ("https://mawarid.men.gov.ma/voc/learning_resource_type", "video-lesson") in pairs


def test_langstrings_and_vcards():
    el = record_to_lom_element(sample("tifinagh"))
    title = {s.get("language"): s.text for s in el.findall("l:general/l:title/l:string", NS)}
    assert title["zgh"] == "ⵜⵉⵔⵔⴰ ⵏ ⵜⵎⴰⵣⵉⵖⵜ" and title["ar"] == "كتابة الأمازيغية"
    entity = el.findtext("l:lifeCycle/l:contribute/l:entity", namespaces=NS)
    assert entity == (
        'BEGIN:VCARD\nVERSION:3.0\nFN:IRCAM\\, pôle pédagogique\\; équipe "ABC"\nEND:VCARD'
    )


def test_rights_description_carries_licence_label_and_url():
    el = record_to_lom_element(sample("arabic_only"))
    strings = {s.get("language"): s.text for s in el.findall("l:rights/l:description/l:string", NS)}
    assert strings["fr"].startswith("Creative Commons") and strings["fr"].endswith(
        "<https://creativecommons.org/licenses/by-sa/4.0/>"
    )
    assert strings["ar"].endswith(
        "<https://creativecommons.org/licenses/by-sa/4.0/>\n\nيرجى ذكر المصدر"
    )
    assert lom_to_record(etree.tostring(el), source="x")["rights"] == {
        "cost": False,
        "licence": "cc-by-sa-4.0",
        "description": {"ar": "يرجى ذكر المصدر"},
    }


def test_licence_without_public_url_round_trips_by_its_uri():
    record = sample("tifinagh")
    data = record_to_lom(record)
    assert b"https://mawarid.men.gov.ma/voc/licence/all-rights-reserved-ministry" in data
    assert lom_to_record(data, source="x")["rights"]["licence"] == "all-rights-reserved-ministry"


def test_taxon_path_names_our_vocabulary_and_bilingual_labels():
    el = record_to_lom_element(sample("arabic_only"))
    path = el.find("l:classification/l:taxonPath", NS)
    assert (
        path.findtext("l:source/l:string[@language='x-none']", namespaces=NS)
        == "https://mawarid.men.gov.ma/voc/level"
    )
    assert [t.findtext("l:id", namespaces=NS) for t in path.findall("l:taxon", NS)] == [
        "primaire",
        "5ap",
    ]
    labels = {s.get("language") for s in path.findall("l:taxon/l:entry/l:string", NS)}
    assert {"fr", "ar"} <= labels


def test_provenance_entries_are_written():
    el = record_to_lom_element(sample("minimal"), identifier="res-0001", provenance=PROVENANCE)
    first = el.find("l:general/l:identifier", NS)
    assert (
        first.findtext("l:catalog", namespaces=NS),
        first.findtext("l:entry", namespaces=NS),
    ) == ("mawarid", "res-0001")
    roles = {
        c.findtext("l:role/l:value", namespaces=NS): c
        for c in el.findall("l:lifeCycle/l:contribute", NS)
    }
    assert "FN:Laboratoire national des ressources numériques" in roles["publisher"].findtext(
        "l:entity", namespaces=NS
    )
    assert (
        roles["publisher"].findtext("l:date/l:dateTime", namespaces=NS) == "2025-01-05T10:00:00.0Z"
    )
    assert "FN:Éditions Al Madariss" in roles["content provider"].findtext(
        "l:entity", namespaces=NS
    )
    validator = el.find("l:metaMetadata/l:contribute", NS)
    assert validator.findtext("l:role/l:value", namespaces=NS) == "validator"
    assert "FN:Commission de validation" in validator.findtext("l:entity", namespaces=NS)
    assert validator.findtext("l:date/l:dateTime", namespaces=NS) == "2025-01-02"
    assert "PV 3/2025" in validator.findtext("l:date/l:description/l:string", namespaces=NS)
    acquisition = el.find("l:metaMetadata/l:identifier", NS)
    assert acquisition.findtext("l:entry", namespaces=NS) == "AO 12/2024/LNRN"


@pytest.mark.parametrize("name", RECORD_SAMPLES)
def test_samples_round_trip_with_provenance_ignored_on_import(name):
    record = sample(name)
    data = record_to_lom(record, identifier="res-0001", provenance=PROVENANCE)
    assert lom_to_record(data, source=f"{name}.xml") == with_id(record, "res-0001")


def test_existing_mawarid_identifier_is_replaced_not_duplicated():
    record = with_id(sample("minimal"), "old-id")
    back = lom_to_record(record_to_lom(record, identifier="new-id"), source="x")
    assert back["general"]["identifier"] == [{"catalog": "mawarid", "entry": "new-id"}]
    assert mawarid_identifier(sample("minimal")) is None


def test_dates_outside_lom_syntax_are_normalised_to_the_same_instant():
    record = load_record(
        {
            "general": {"title": {"fr": "t"}},
            "lifecycle": {
                "contribute": [{"role": "author", "entity": ["A"], "date": "2024-05-01T10:00+0100"}]
            },
        }
    )
    data = record_to_lom(record)
    assert_valid(lom_loose_schema(), data)
    assert b"<dateTime>2024-05-01T10:00:00.0+01:00</dateTime>" in data


def test_export_refuses_text_xml_cannot_carry():
    # load_record rejects control characters; a record stored before that rule still
    # must not produce a traceback or broken XML on export.
    record = {"general": {"title": {"fr": "bell \x07 char"}}}
    with pytest.raises(RecordValidationError) as info:
        record_to_lom(record)
    assert "general.title[fr]" in str(info.value)


# -- import of foreign LOM -------------------------------------------------------------------


def test_partner_record_is_read_leniently():
    record = lom_to_record((SAMPLES / "partner_lom.xml").read_bytes(), source="partner_lom.xml")
    general = record["general"]
    assert general["title"] == {"fr": "Les angles", "ar": "الزوايا"}
    assert general["language"] == ["fr"]
    # A second description in the same language is kept as written, not merged.
    assert general["description"] == {"fr": "Première partie."}
    assert {"key": "description", "text": {"fr": "Deuxième partie."}, "how": "none"} in general[
        "original"
    ]
    assert general["keyword"] == [{"ar": "زاوية"}]  # no language attribute: Arabic script
    contribute = record["lifecycle"]["contribute"][0]
    assert contribute["entity"] == ["Samir Alaoui", "Équipe TICE Rabat"]
    assert "N:Alaoui;Samir;;;" in contribute["vcards"]["Samir Alaoui"]  # the vCard, whole
    assert record["educational"]["learning_resource_type"] == ["exercise", "video-lesson"]
    assert record["educational"]["context"] == ["higher-education"]
    assert record["rights"]["licence"] == "cc-by-nc-4.0"
    assert record["rights"]["description"]["fr"].startswith("Diffusé sous licence http://")
    assert record["rights"]["copyright"] is True
    assert record["classification"][0]["taxon_path"] == [
        {"source": "level", "taxon": ["secondaire-collegial", "1ac"]}
    ]
    assert record["classification"][1]["taxon_path"][0]["taxon"] == ["mathematiques"]
    # ...and the LOM export writes back what the partner wrote.
    data = record_to_lom(record)
    assert_valid(lom_loose_schema(), data)
    for text in (
        b"Deuxi\xc3\xa8me partie.",
        b"N:Alaoui;Samir;;;",
        b"<value>Le\xc3\xa7on vid\xc3\xa9o</value>",
    ):
        assert text in data


def test_lom_inside_an_oai_pmh_response_is_found():
    data = (SAMPLES / "oai_getrecord_lom.xml").read_bytes()
    record = lom_to_record(data, source="oai")
    assert record["general"]["title"]["ar"] == "دورة الماء"
    element = parse_xml(data, source="oai").find(
        ".//{http://www.openarchives.org/OAI/2.0/}metadata"
    )
    assert lom_to_record(element, source="oai") == record


def _lom(body: str) -> bytes:
    return f'<lom xmlns="{LOM_NS}">{body}</lom>'.encode()


TITLE = '<general><title><string language="fr">T</string></title></general>'


def test_strings_without_language_follow_the_metadata_language_or_script():
    data = _lom(
        "<general><title><string>Titre</string><string>ⵜⵉⵔⵔⴰ</string></title></general>"
        "<metaMetadata><language>zxx</language></metaMetadata>"
    )
    assert lom_to_record(data, source="n.xml")["general"]["title"] == {
        "fr": "Titre",
        "zgh": "ⵜⵉⵔⵔⴰ",
    }
    data = _lom(
        "<general><title><string>Title</string></title></general>"
        "<metaMetadata><language>eng</language></metaMetadata>"
    )
    assert lom_to_record(data, source="n.xml")["general"]["title"] == {"en": "Title"}


def test_unknown_vocabulary_value_is_kept_as_written_not_refused():
    data = _lom(
        TITLE + "<educational><learningResourceType><source>LOMv1.0</source>"
        "<value>hologramme</value></learningResourceType></educational>"
    )
    record = lom_to_record(data, source="lot-3/notice-17.xml")
    assert "learning_resource_type" not in record["educational"]
    assert record["educational"]["original"] == [
        {"key": "learning_resource_type", "source": "LOMv1.0", "value": "hologramme", "how": "none"}
    ]
    assert b"<value>hologramme</value>" in record_to_lom(record)


def test_unknown_taxon_of_our_vocabulary_is_kept_as_a_foreign_path():
    data = _lom(
        TITLE + "<classification><purpose><source>LOMv1.0</source><value>discipline"
        "</value></purpose><taxonPath><source><string>https://mawarid.men.gov.ma/voc/"
        "subject</string></source><taxon><id>alchimie</id></taxon></taxonPath>"
        "</classification>"
    )
    record = lom_to_record(data, source="n.xml")
    classification = record["classification"][0]
    assert "taxon_path" not in classification
    assert classification["original"][0]["taxa"] == [{"id": "alchimie"}]
    assert b"<id>alchimie</id>" in record_to_lom(record)


def test_a_record_with_nothing_to_title_it_is_refused():
    with pytest.raises(RecordValidationError) as info:
        lom_to_record(_lom("<general><language>fr</language></general>"), source="n.xml")
    assert info.value.field_errors("en") == {"general.title": ["required"]}
    with pytest.raises(RecordValidationError) as info:
        lom_to_record(_lom(""), source="empty.xml")
    assert "general.title" in info.value.errors


def test_a_title_in_a_language_outside_the_vocabulary_is_kept():
    data = _lom('<general><title><string language="tlh">tlhIngan</string></title></general>')
    record = lom_to_record(data, source="n.xml")
    assert record["general"]["title"] == {"fr": "tlhIngan"}  # titled after the kept text
    assert {"key": "title", "text": {"tlh": "tlhIngan"}, "how": "none"} in record["general"][
        "original"
    ]
    data = _lom('<general><title><string language="de">Titel</string></title></general>')
    assert lom_to_record(data, source="n.xml")["general"]["title"] == {"de": "Titel"}


def test_oversize_value_is_kept_as_written_and_the_title_cut():
    data = _lom(f'<general><title><string language="fr">{"x" * 5000}</string></title></general>')
    record = lom_to_record(data, source="n.xml")
    assert record["general"]["title"] == {"fr": "x" * 1000}
    assert any(
        o.get("value") == "x" * 5000 or (o.get("text") or {}).get("fr") == "x" * 5000
        for o in record["general"]["original"]
    )


@pytest.mark.parametrize(
    "data, needle",
    [
        (
            b'<record xmlns="urn:x"><title>x</title></record>',
            "not a LOM record: root element <record>",
        ),
        (b"<lom><general/></lom>", "general.title: required"),
        (b"<html><body>oops</body></html>", "no namespace"),
        (
            f'<list><lom xmlns="{LOM_NS}"/><lom xmlns="{LOM_NS}"/></list>'.encode(),
            "contains 2 LOM records",
        ),
    ],
)
def test_not_lom_at_all(data, needle):
    with pytest.raises(MetadataError) as info:
        lom_to_record(data, source="upload.xml")
    assert str(info.value).startswith("upload.xml: ") and needle in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE lom [<!ENTITY x SYSTEM "file:///etc/passwd">]><lom xmlns="http://ltsc.ieee.org'
        b'/xsd/LOM"><general><title><string language="fr">&x;</string></title></general></lom>',
        b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
        b'<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general>',
        '<?xml version="1.0" encoding="UTF-8"?><lom>é</lom>'.encode("latin-1"),
    ],
    ids=["xxe", "laughs", "truncated", "encoding"],
)
def test_hostile_or_broken_xml_is_an_unsafe_xml_error(data):
    with pytest.raises(UnsafeXMLError) as info:
        lom_to_record(data, source="upload.xml")
    assert str(info.value).startswith("upload.xml: ")
    assert "root:" not in str(info.value)


# -- fuzzing: random LOM-shaped documents never crash the reader ----------------------------


def _element_names() -> list[str]:
    from metadata_schemas.lom_xml import MAPPING

    names = {
        "string",
        "source",
        "value",
        "label",
        "dateTime",
        "duration",
        "description",
        "taxon",
        "id",
        "entry",
        "catalog",
        "custom",
    }

    def walk(fields):
        for spec in fields:
            names.add(spec["element"])
            walk(spec.get("fields", []))

    walk(MAPPING["fields"])
    return sorted(names)


_NAMES = _element_names()
_FUZZ_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "fr",
            "ar",
            "LOMv1.0",
            "exercise",
            "BEGIN:VCARD\nFN:x\nEND:VCARD",
            "BEGIN:VCARD",
            "²",
            "9" * 5000,
            "https://creativecommons.org/licenses/by/4.0/",
            "https://mawarid.men.gov.ma/voc/level",
            "1ac",
            "2024-13-45",
            "P1W",
            "-1",
        ]
    ),
    st.text(max_size=30),
)


@st.composite
def _lom_trees(draw, depth: int = 0):
    name = "lom" if depth == 0 else draw(st.sampled_from(_NAMES))
    el = etree.Element(f"{{{LOM_NS}}}{name}")
    if draw(st.booleans()):
        el.set("language", draw(st.sampled_from(["fr", "ar", "fre", "x-none", "de", "zz-ZZ", ""])))
    if depth < 5 and draw(st.integers(0, 3)):
        for _ in range(draw(st.integers(1, 4))):
            el.append(draw(_lom_trees(depth + 1)))
    else:
        try:
            el.text = draw(_FUZZ_TEXT)
        except ValueError:
            el.text = "x"
    return el


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_lom_trees())
def test_reader_never_crashes_on_random_lom_shapes(tree):
    data = etree.tostring(tree)
    try:
        record = lom_to_record(data, source="fuzz.xml")
    except MetadataError as exc:
        assert str(exc).startswith("fuzz.xml")
    else:
        assert load_record(record) == record
