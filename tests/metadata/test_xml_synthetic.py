"""Every synthetic record (the demo and benchmark data) exports to valid XML and round-trips."""

from __future__ import annotations

import pytest

from metadata_schemas.lom_xml import lom_to_record, record_to_lom, record_to_lom_element
from metadata_schemas.oai_dc import record_to_oai_dc_element
from metadata_schemas.scolomfr_xml import record_to_scolomfr_element
from metadata_schemas.synthetic import generate_dataset
from tests.support.xsd import lom_loose_schema, oai_dc_schema, scolomfr_schema, validation_errors

COUNT = 150


@pytest.fixture(scope="module")
def dataset():
    out = []
    for index, (record, acquisition) in enumerate(generate_dataset(COUNT, seed=2026)):
        provenance = {
            **acquisition,
            "validated": {
                "date": "2025-01-02",
                "commission": "validation",
                "reference": f"PV {index}/2025",
            },
            "published": {"date": "2025-01-05T10:00:00Z", "by": "LNRN"},
        }
        out.append((f"syn-{index:05d}", record, provenance))
    return out


def _invalid(schema, build, dataset) -> dict[str, list[str]]:
    bad = {}
    for identifier, record, provenance in dataset:
        errors = validation_errors(schema, build(record, identifier, provenance))
        if errors:
            bad[identifier] = errors[:3]
    return bad


def test_lom_exports_are_valid(dataset):
    assert (
        _invalid(
            lom_loose_schema(),
            lambda r, i, p: record_to_lom_element(r, identifier=i, provenance=p),
            dataset,
        )
        == {}
    )


def test_oai_dc_exports_are_valid(dataset):
    assert (
        _invalid(
            oai_dc_schema(),
            lambda r, i, p: record_to_oai_dc_element(
                r, identifier=i, base_url="https://mawarid.men.gov.ma", provenance=p
            ),
            dataset,
        )
        == {}
    )


def test_scolomfr_exports_are_valid(dataset):
    assert (
        _invalid(
            scolomfr_schema("3.1"),
            lambda r, i, p: record_to_scolomfr_element(r, identifier=i, provenance=p),
            dataset,
        )
        == {}
    )


def test_lom_round_trip(dataset):
    for identifier, record, provenance in dataset:
        back = lom_to_record(
            record_to_lom(record, identifier=identifier, provenance=provenance), source=identifier
        )
        idents = back["general"].pop("identifier")
        assert idents[0] == {"catalog": "mawarid", "entry": identifier}
        if idents[1:]:
            back["general"]["identifier"] = idents[1:]
        assert back == record, identifier
