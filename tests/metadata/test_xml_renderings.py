"""The texts the catalogue stores for OAI-PMH (``catalogue.services.oai_records.render``)
are the writers' elements as text, though made more cheaply: LOM and ScoLOMFR from one
walk (ScoLOMFR rewriting what it writes differently in LOM's tree), Dublin Core written
without a tree."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from metadata_schemas.lom_xml import record_to_lom_element
from metadata_schemas.oai_dc import record_to_oai_dc_element, record_to_oai_dc_text
from metadata_schemas.scolomfr_xml import (
    _ScoLOMFRWriter,
    lom_and_scolomfr_texts,
    record_to_scolomfr_element,
)
from tests.metadata.strategies import provenances, record_ids, records
from tests.metadata.xml_fixtures import PROVENANCE, SAMPLES, sample


def assert_same_texts(record: dict, identifier: str, provenance: dict | None) -> None:
    lom, scolomfr = lom_and_scolomfr_texts(record, identifier=identifier, provenance=provenance)
    kw = {"identifier": identifier, "provenance": provenance}
    assert lom == etree.tostring(record_to_lom_element(record, **kw), encoding="unicode")
    assert scolomfr == etree.tostring(record_to_scolomfr_element(record, **kw), encoding="unicode")
    dc = {"identifier": identifier, "base_url": "https://mawarid.men.gov.ma", **kw}
    assert record_to_oai_dc_text(record, **dc) == etree.tostring(
        record_to_oai_dc_element(record, **dc), encoding="unicode"
    )


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.json")))
@pytest.mark.parametrize("provenance", [None, PROVENANCE])
def test_samples(name, provenance):
    assert_same_texts(sample(name), "r-001", provenance)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: r.pop("meta_metadata"), id="no metaMetadata"),
        pytest.param(lambda r: r["meta_metadata"].pop("metadata_schema"), id="no schemas"),
        pytest.param(lambda r: [r.pop("general"), r.pop("lifecycle")], id="metaMetadata first"),
        pytest.param(
            lambda r: r["meta_metadata"].update(metadata_schema=["SCOLOMFRv3.1"]),
            id="ScoLOMFR's schema already",
        ),
        pytest.param(
            lambda r: r["educational"].update(learning_resource_type=["video-lesson", "diagram"]),
            id="nearest concepts",
        ),
    ],
)
def test_where_scolomfr_writes_more(change):
    record = copy.deepcopy(sample("all_categories"))
    change(record)
    assert_same_texts(record, "r-001", None)


def test_a_refusal_is_the_same():
    record = copy.deepcopy(sample("all_categories"))
    record["general"]["title"]["fr"] = "a\x0bb"
    with pytest.raises(Exception) as separate:
        record_to_oai_dc_element(record, identifier="r")
    with pytest.raises(Exception) as direct:
        record_to_oai_dc_text(record, identifier="r")
    assert (type(direct.value), str(direct.value)) == (type(separate.value), str(separate.value))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.one_of(st.none(), provenances()), record_ids())
def test_any_record(record, provenance, identifier):
    assert_same_texts(record, identifier, provenance)


#: What ScoLOMFR's writer overrides and how LOM's walk accounts for it: each override
#: changing the tree must be noted (see _LomWriterNotingDifferences), or ScoLOMFR's text
#: from LOM's tree would miss the change.
ACCOUNTED_FOR = {
    "__init__": "state only",
    "concept": "called by vocab_value only",
    "vocab_value": "called by w_vocab and w_rights only, both noted",
    "profile_value": "called by vocab_value only",
    "original_vocab": "called by w_vocab and w_rights only, both noted",
    "keeps_originals": "read by unplaced only, noted",
    "keeps": "called by verbatim only, noted",
    "label": "called by vocab_children only, within noted calls (LOM's values have none)",
    "lom": "the metadata schemas (noted) and write_exact (made after the rewrite)",
    "write_exact": "made after the rewrite",
    "rewrite": "the rewrite itself",
}


def test_every_change_scolomfr_makes_to_the_lom_writer_is_accounted_for():
    overrides = {
        name
        for name, value in vars(_ScoLOMFRWriter).items()
        if not name.startswith("__") or name == "__init__"
    } - {"kinds"}
    assert overrides == set(ACCOUNTED_FOR)
