"""The OAI-PMH driver schema (tests/support/xsd.py) validates whole responses, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from metadata_schemas.lom_xml import record_to_lom_element
from metadata_schemas.oai_dc import record_to_oai_dc_element
from metadata_schemas.record import load_record
from metadata_schemas.scolomfr_xml import record_to_scolomfr_element
from tests.support.xsd import (
    LOM_FLAVOURS,
    OAI_ID_NS,
    OAI_NS,
    assert_valid,
    oai_pmh_schema,
    standards_dir,
    validation_errors,
)

SAMPLES = Path(__file__).parent / "samples"
RECORDS = {p.stem: load_record(json.loads(p.read_text("utf-8"))) for p in SAMPLES.glob("*.json")}


def _response(verb: str, metadata_prefix: str, payload) -> etree._Element:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS})
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = "2025-01-06T08:00:00Z"
    request = etree.SubElement(
        root, f"{{{OAI_NS}}}request", verb=verb, metadataPrefix=metadata_prefix
    )
    request.text = "https://mawarid.men.gov.ma/oai"
    container = etree.SubElement(root, f"{{{OAI_NS}}}{verb}")
    for identifier, metadata in payload:
        record = etree.SubElement(container, f"{{{OAI_NS}}}record")
        header = etree.SubElement(record, f"{{{OAI_NS}}}header")
        etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = identifier
        etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = "2025-01-05T10:00:00Z"
        etree.SubElement(record, f"{{{OAI_NS}}}metadata").append(metadata)
    return root


def test_list_records_with_lom_validates():
    payload = [
        (f"oai:mawarid.men.gov.ma:{name}", record_to_lom_element(r, identifier=name))
        for name, r in RECORDS.items()
    ]
    assert_valid(oai_pmh_schema("loose"), _response("ListRecords", "lom", payload))


def test_list_records_with_oai_dc_validates():
    payload = [
        (
            f"oai:mawarid.men.gov.ma:{name}",
            record_to_oai_dc_element(r, identifier=name, base_url="https://mawarid.men.gov.ma"),
        )
        for name, r in RECORDS.items()
    ]
    assert_valid(oai_pmh_schema("loose"), _response("ListRecords", "oai_dc", payload))


def test_list_records_with_scolomfr_validates_against_the_scolomfr_driver():
    payload = [
        (f"oai:mawarid.men.gov.ma:{name}", record_to_scolomfr_element(r))
        for name, r in RECORDS.items()
    ]
    assert_valid(oai_pmh_schema("scolomfr-3.1"), _response("ListRecords", "scolomfr", payload))


def test_identify_with_oai_identifier_description_validates():
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS})
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = "2025-01-06T08:00:00Z"
    etree.SubElement(root, f"{{{OAI_NS}}}request", verb="Identify").text = "https://x.ma/oai"
    identify = etree.SubElement(root, f"{{{OAI_NS}}}Identify")
    for name, text in [
        ("repositoryName", "Mawarid"),
        ("baseURL", "https://x.ma/oai"),
        ("protocolVersion", "2.0"),
        ("adminEmail", "lnrn@men.gov.ma"),
        ("earliestDatestamp", "2024-01-01T00:00:00Z"),
        ("deletedRecord", "persistent"),
        ("granularity", "YYYY-MM-DDThh:mm:ssZ"),
    ]:
        etree.SubElement(identify, f"{{{OAI_NS}}}{name}").text = text
    desc = etree.SubElement(identify, f"{{{OAI_NS}}}description")
    ident = etree.SubElement(desc, f"{{{OAI_ID_NS}}}oai-identifier", nsmap={None: OAI_ID_NS})
    for name, text in [
        ("scheme", "oai"),
        ("repositoryIdentifier", "mawarid.men.gov.ma"),
        ("delimiter", ":"),
        ("sampleIdentifier", "oai:mawarid.men.gov.ma:r-1"),
    ]:
        etree.SubElement(ident, f"{{{OAI_ID_NS}}}{name}").text = text
    assert_valid(oai_pmh_schema(), root)


@pytest.mark.parametrize("bad", ["unknown element", "bad vocabulary"])
def test_driver_checks_the_embedded_metadata(bad):
    lom = record_to_lom_element(RECORDS["minimal"])
    if bad == "unknown element":
        etree.SubElement(lom[0], "{http://ltsc.ieee.org/xsd/LOM}colour").text = "red"
        schema = oai_pmh_schema("loose")
    else:  # our own vocabulary terms are not LOMv1.0 values: the strict driver says so
        lom = record_to_lom_element(RECORDS["tifinagh"])
        schema = oai_pmh_schema("strict")
    errors = validation_errors(schema, _response("ListRecords", "lom", [("oai:x:1", lom)]))
    assert errors, "the driver must validate what <metadata> carries"


def test_every_schema_the_drivers_load_is_a_local_file():
    """No include/import reachable from the drivers points to the web (nothing is fetched)."""
    base = standards_dir()
    todo = [
        base / rel
        for rel in (
            "oai-pmh/OAI-PMH.xsd",
            "oai-pmh/oai_dc.xsd",
            "oai-pmh/oai-identifier.xsd",
            "oai-pmh/provenance.xsd",
            *LOM_FLAVOURS.values(),
        )
    ]
    seen: set[Path] = set()
    while todo:
        path = todo.pop().resolve()
        if path in seen:
            continue
        seen.add(path)
        tree = etree.parse(str(path))
        for ref in tree.iter(
            "{http://www.w3.org/2001/XMLSchema}import", "{http://www.w3.org/2001/XMLSchema}include"
        ):
            location = ref.get("schemaLocation")
            if location is None:
                continue  # namespace already brought in by the composite schema
            assert "://" not in location, f"{path.name} loads {location}"
            assert (path.parent / location).is_file(), f"{path.name}: {location} missing"
            todo.append(path.parent / location)
    assert len(seen) > 40
