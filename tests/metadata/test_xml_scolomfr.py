"""ScoLOMFR 3.1 export: concept URIs only, Moroccan classification kept, valid against the XSD."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from metadata_schemas.lom_xml import LOM_NS, lom_to_record
from metadata_schemas.record import load_record
from metadata_schemas.scolomfr_xml import record_to_scolomfr, record_to_scolomfr_element
from metadata_schemas.vocabularies import get_vocabularies
from tests.metadata.strategies import provenances, record_ids, records
from tests.metadata.xml_fixtures import PROVENANCE, SAMPLES, sample
from tests.support.xsd import assert_valid, scolomfr_schema

NS = {"l": LOM_NS}


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.json")))
def test_samples_are_valid_scolomfr_3_1(name):
    assert_valid(
        scolomfr_schema("3.1"),
        record_to_scolomfr(sample(name), identifier="r-001", provenance=PROVENANCE),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records(), identifier=record_ids(), provenance=provenances())
def test_generated_records_are_valid_scolomfr_3_1(record, identifier, provenance):
    assert_valid(
        scolomfr_schema("3.1"),
        record_to_scolomfr_element(record, identifier=identifier, provenance=provenance),
    )


def test_every_vocabulary_term_is_either_a_valid_concept_or_left_out():
    """One record using every term of every LOM vocabulary still validates."""
    vocabs = get_vocabularies()
    ids = lambda v: [t.id for t in vocabs[v]]  # noqa: E731
    record = load_record(
        {
            "general": {"title": {"fr": "Tous les termes"}, "language": ids("language")},
            "lifecycle": {
                "contribute": [{"role": r, "entity": ["N"]} for r in ids("contributor_role")]
            },
            "meta_metadata": {
                "contribute": [{"role": r, "entity": ["N"]} for r in ids("metadata_role")]
            },
            "educational": {
                "learning_resource_type": ids("learning_resource_type"),
                "intended_end_user_role": ids("intended_end_user_role"),
                "context": ids("context"),
            },
            "relation": [
                {"kind": k, "resource": {"description": {"fr": "x"}}} for k in ids("relation_kind")
            ],
            "classification": [
                {"purpose": p, "taxon_path": [{"source": "subject", "taxon": ["svt"]}]}
                for p in ids("classification_purpose")
            ],
        }
    )
    singles = {
        ("general", "structure"): "structure",
        ("general", "aggregation_level"): "aggregation_level",
        ("lifecycle", "status"): "lifecycle_status",
        ("educational", "interactivity_type"): "interactivity_type",
        ("educational", "interactivity_level"): "interactivity_level",
        ("educational", "semantic_density"): "semantic_density",
        ("educational", "difficulty"): "difficulty",
    }
    for (category, key), vocabulary in singles.items():
        for term_id in ids(vocabulary):
            variant = {**record, category: {**record.get(category, {}), key: term_id}}
            assert_valid(scolomfr_schema("3.1"), record_to_scolomfr(variant))


def test_values_are_concept_uris_with_labels():
    el = record_to_scolomfr_element(sample("all_categories"))
    lrt = el.findall("l:educational/l:learningResourceType", NS)
    values = [t.findtext("l:value", namespaces=NS) for t in lrt]
    # lecture and exercise have concepts; narrative text and video-lesson are written as
    # their nearest concept, and exactly in a classification (below)
    assert values == [
        "http://data.education.fr/voc/scolomfr/concept/lecture",
        "http://data.education.fr/voc/scolomfr/concept/exercise",
        "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-015",
        "http://data.education.fr/voc/scolomfr/concept/lecture",
    ]
    exact = [
        t.text
        for t in el.findall("l:classification/l:taxonPath/l:taxon/l:id", NS)
        if t.text in ("narrative-text", "video-lesson")
    ]
    assert exact == ["narrative-text", "video-lesson"]
    assert {t.findtext("l:source", namespaces=NS) for t in lrt} == {"SCOLOMFRv3.1"}
    assert lrt[1].findtext("l:label", namespaces=NS) == "exercice"
    kind = el.findtext("l:relation/l:kind/l:value", namespaces=NS)
    assert kind == "http://purl.org/dc/terms/isPartOf"
    assert (
        el.findtext("l:rights/l:cost/l:value", namespaces=NS)
        == "http://data.education.fr/voc/scolomfr/concept/no"
    )
    schemas = [s.text for s in el.findall("l:metaMetadata/l:metadataSchema", NS)]
    assert schemas == ["LOMv1.0", "ScoLOMFRv3.1", "LOMFRv1.0"]  # case-insensitive dedup
    minimal = record_to_scolomfr_element(sample("minimal"))
    assert [s.text for s in minimal.findall("l:metaMetadata/l:metadataSchema", NS)] == [
        "LOMv1.0",
        "LOMFRv1.0",
        "SCOLOMFRv3.1",
    ]


def test_moroccan_levels_stay_in_classification_with_our_source():
    el = record_to_scolomfr_element(sample("all_categories"))
    sources = [
        s.text
        for s in el.findall(
            "l:classification/l:taxonPath/l:source/l:string[@language='x-none']", NS
        )
    ]
    assert (
        sources
        == ["https://mawarid.men.gov.ma/voc/level"] * 2
        + ["https://mawarid.men.gov.ma/voc/subject"]
        + ["https://mawarid.men.gov.ma/voc/learning_resource_type"] * 2
    )


def test_scolomfr_export_reads_back_with_the_concepts_it_could_express():
    record = sample("all_categories")
    back = lom_to_record(
        record_to_scolomfr(record, identifier="r-1", provenance=PROVENANCE), source="scolomfr.xml"
    )

    def without_originals(value):
        if isinstance(value, dict):
            return {k: without_originals(v) for k, v in value.items() if k != "original"}
        if isinstance(value, list):
            return [without_originals(v) for v in value]
        return value

    assert [without_originals(r) for r in back["relation"]] == record["relation"]
    assert without_originals(back["rights"]) == record["rights"]
    kept = without_originals(back["classification"])
    assert kept[: len(record["classification"])] == record["classification"]
    # the nearest concepts read back as their terms; the exact ones are in the classification
    assert back["educational"]["learning_resource_type"] == [
        "lecture",
        "exercise",
        "reference-material",
    ]
    # ScoLOMFR has no vocabulary of its own for these: their LOMv1.0 values go out
    for key in ("interactivity_type", "interactivity_level", "semantic_density"):
        assert back["educational"].get(key) == record["educational"].get(key)
