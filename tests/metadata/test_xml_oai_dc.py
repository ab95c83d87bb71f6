"""Dublin Core (oai_dc) crosswalk: valid against oai_dc.xsd, bilingual, complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from metadata_schemas.oai_dc import DC_NS, record_to_oai_dc, record_to_oai_dc_element
from metadata_schemas.record import load_record
from tests.metadata.strategies import provenances, record_ids, records
from tests.support.xsd import assert_valid, oai_dc_schema

SAMPLES = Path(__file__).parent / "samples"
BASE = "https://mawarid.men.gov.ma"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def sample(name: str) -> dict:
    return load_record(json.loads((SAMPLES / f"{name}.json").read_text("utf-8")))


def dc_values(element, name: str) -> list[tuple[str, str | None]]:
    return [(e.text, e.get(XML_LANG)) for e in element.findall(f"{{{DC_NS}}}{name}")]


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.json")))
def test_samples_are_valid_oai_dc(name):
    data = record_to_oai_dc(sample(name), identifier="res-0001", base_url=BASE)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert_valid(oai_dc_schema(), data)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records(), identifier=record_ids(), provenance=provenances())
def test_generated_records_are_valid_oai_dc(record, identifier, provenance):
    element = record_to_oai_dc_element(
        record, identifier=identifier, base_url=BASE, provenance=provenance
    )
    assert_valid(oai_dc_schema(), element)
    titles = {lang: text for text, lang in dc_values(element, "title")}
    assert titles == record["general"]["title"]


def test_crosswalk_of_a_full_record():
    el = record_to_oai_dc_element(
        sample("all_categories"),
        identifier="res-0001",
        base_url=BASE + "/",
        provenance={"published": {"date": "2025-01-05T10:00:00Z", "by": "LNRN"}},
    )
    assert ("التفاعلات الحمضية القاعدية", "ar") in dc_values(el, "title")
    assert [t for t, _ in dc_values(el, "creator")] == ["Benali, Karim", "Naïma El Idrissi"]
    publishers = [t for t, _ in dc_values(el, "publisher")]
    assert "Laboratoire national des ressources numériques" in publishers
    assert "Éditions Al Madariss; Casablanca" in [t for t, _ in dc_values(el, "contributor")]
    subjects = dc_values(el, "subject")
    assert ("Physique-chimie", "fr") in subjects and ("الفيزياء والكيمياء", "ar") in subjects
    assert ("titrage", "fr") in subjects and ("معايرة", "ar") in subjects
    assert dc_values(el, "date") == [("2025-01-05", None)]
    types = [t for t, _ in dc_values(el, "type")]
    assert types == ["Text", "InteractiveResource", "MovingImage"]
    identifiers = [t for t, _ in dc_values(el, "identifier")]
    assert identifiers[:2] == [f"{BASE}/resources/res-0001", "oai:mawarid.men.gov.ma:res-0001"]
    assert "urn:isbn:978-9954-0-1234-5" in identifiers
    assert [t for t, _ in dc_values(el, "language")] == ["fr", "ar"]
    rights = dc_values(el, "rights")
    assert ("https://creativecommons.org/licenses/by-nc-sa/4.0/", None) in rights
    assert any(lang == "ar" for _, lang in rights) and any(lang == "fr" for _, lang in rights)
    assert ("https://taalimtice.ma/collections/chimie", None) in dc_values(el, "relation")
    assert ("Maroc", "fr") in dc_values(el, "coverage")


def test_level_and_subject_labels_in_french_and_arabic():
    el = record_to_oai_dc_element(sample("arabic_only"), identifier="x1y")
    subjects = dc_values(el, "subject")
    assert ("الرياضيات", "ar") in subjects and ("Mathématiques", "fr") in subjects
    assert sum(1 for _, lang in subjects if lang == "fr") == 2  # subject + level, no keywords
    # no base_url: no portal URL, no invented OAI identifier
    assert dc_values(el, "identifier") == []


def test_explicit_oai_identifier_and_type_from_mime_when_no_resource_type():
    record = load_record(
        {"general": {"title": {"fr": "Podcast"}}, "technical": {"format": ["audio/mpeg"]}}
    )
    el = record_to_oai_dc_element(
        record, identifier="p-1", base_url=BASE, oai_identifier="oai:mawarid:p-1"
    )
    assert dc_values(el, "type") == [("Sound", None)]
    assert ("oai:mawarid:p-1", None) in dc_values(el, "identifier")


def test_identifier_is_url_quoted():
    el = record_to_oai_dc_element(sample("minimal"), identifier="a/b c", base_url=BASE)
    assert dc_values(el, "identifier")[0] == (f"{BASE}/resources/a%2Fb%20c", None)


def test_every_dc_element_is_in_the_dc_namespace():
    el = record_to_oai_dc_element(sample("all_categories"), identifier="r-1", base_url=BASE)
    assert el.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert {etree.QName(child).namespace for child in el} == {DC_NS}
