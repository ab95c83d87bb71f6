"""Import → LOM export keeps every element and value a partner wrote.

The comparison is on canonical leaves (:func:`intake_support.leaves`): each text leaf of
the record as written — its path of element names, its attributes, its
whitespace-normalised text; a language attribute or ``<language>`` compared as the
language it names — must be in the export. The export may say more (Mawarid's
identifiers, a mapped term beside the partner's value), never less, except what the
format cannot hold, which the export lists (a size written "1,5 Mo": LOM's size is a
number). Strict LOM and ScoLOMFR say what they left out.
"""

from __future__ import annotations

import pytest
from intake_support import lom_records, missing_after_export
from lxml import etree

from metadata_schemas.lom_reader import lom_to_record
from metadata_schemas.lom_xml import export_lom
from metadata_schemas.scolomfr_xml import export_scolomfr
from tests.support.xsd import assert_valid, lom_loose_schema, lom_strict_schema, scolomfr_schema

LOM_FILES = [
    "lom-ieee-full.xml",
    "lom-no-namespace.xml",
    "imsmd-1.2.xml",
    "lomfr-1.0.xml",
    "scolomfr-1.1.xml",
    "scolomfr-3.1.xml",
    "normetic-1.2.xml",
    "normetic-variants.xml",
    "lom-arabic.xml",
    "scorm-2004-inline.xml",
    "imscp-imsmd.xml",
    "imsld-package.xml",
    "oai-listrecords-lom.xml",
    "collection.xml",
    "scorm-1.2-package/metadata/course.xml",
]


@pytest.mark.parametrize("name", LOM_FILES)
def test_the_lom_export_keeps_every_element_and_value(name):
    for written, accepted in lom_records(name):
        exported = export_lom(accepted.record)
        assert_valid(lom_loose_schema(), exported.element)
        missing = missing_after_export(written, exported.element)
        # Only what LOM cannot hold is missing, and the export says so.
        assert all(any(text in entry for entry in exported.left_out) for _, _, text in missing)


@pytest.mark.parametrize("name", LOM_FILES)
def test_reading_the_export_back_gives_the_same_record(name):
    for _written, accepted in lom_records(name):
        exported = export_lom(accepted.record)
        if exported.left_out:
            continue  # a value LOM cannot hold was read from text: its reading is what is kept
        assert lom_to_record(exported.element, source=name) == accepted.record


@pytest.mark.parametrize("name", LOM_FILES)
def test_strict_lom_is_valid_and_says_what_it_left_out(name):
    for _written, accepted in lom_records(name):
        exported = export_lom(accepted.record, strict=True)
        assert_valid(lom_strict_schema(), exported.element)
        kept = [
            xml
            for section in accepted.record.values()
            if isinstance(section, dict)
            for xml in section.get("verbatim", [])
        ]
        assert len([p for p in exported.left_out if ".verbatim[" in p]) == len(kept)


@pytest.mark.parametrize("name", LOM_FILES)
def test_scolomfr_export_is_valid(name):
    for _written, accepted in lom_records(name):
        assert_valid(scolomfr_schema("3.1"), export_scolomfr(accepted.record).element)


def test_scolomfr_extensions_go_back_into_a_scolomfr_export():
    ((_written, accepted),) = lom_records("scolomfr-3.1.xml")
    exported = export_scolomfr(accepted.record)
    text = etree.tostring(exported.element, encoding="unicode")
    for element in ("generalResourceType", "documentType", "extendedLocation", "educationalMethod"):
        assert f":{element}" in text
    # Its relation kind has no term in the 3.1 vocabulary Mawarid writes: listed, not lost silently.
    assert any(p.startswith("relation[0].kind") for p in exported.left_out)


def test_strict_lom_moves_other_vocabularies_to_classifications():
    ((_written, accepted),) = lom_records("scolomfr-1.1.xml")
    exported = export_lom(accepted.record, strict=True)
    sources = [
        s.text
        for s in exported.element.iterfind("{*}classification/{*}taxonPath/{*}source/{*}string")
    ]
    assert any("learning_resource_type" in (s or "") for s in sources)


def test_what_a_normetic_repository_writes_comes_back_as_written():
    [(written, accepted)] = lom_records("normetic-variants.xml")
    record = accepted.record
    # One term for the record, both writings kept; the vCard whole, photo included.
    assert record["educational"]["learning_resource_type"] == ["exercise"]
    vcard = record["lifecycle"]["contribute"][0]["vcards"]["Hélène Tremblay"]
    assert "PHOTO;ENCODING=b" in vcard and len(vcard) > 30_000
    exported = export_lom(record).element
    ns = {"lom": "http://ltsc.ieee.org/xsd/LOM"}
    types = [
        (t.findtext("lom:source", namespaces=ns), t.findtext("lom:value", namespaces=ns))
        for t in exported.iterfind("lom:educational/lom:learningResourceType", ns)
    ]
    assert types == [
        ("LOMv1.0", "exercise"),
        ("http://www.normetic.org/vdex/typeressourcev1_2.xml", "exercice"),
    ]
    # "No language" tags as written; an empty identifier and a named classification kept.
    description = exported.find("lom:general/lom:description", ns)
    assert [s.get("language") for s in description] == ["fr", "zxx"]
    age = exported.find("lom:educational/lom:typicalAgeRange/lom:string", ns)
    assert (age.get("language"), age.text) == ("none", "10-12")
    assert exported.find("lom:general/lom:identifier/lom:entry", ns) is not None
    source = exported.find("lom:classification/lom:taxonPath/lom:source/lom:string", ns)
    assert source.text.startswith("Répertoire thématique")
    assert missing_after_export(written, exported) == []
    assert lom_to_record(exported, source="again") == record
