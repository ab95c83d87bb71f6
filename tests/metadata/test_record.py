"""The record schema: canonical loading, and every error reported with its field path."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metadata_schemas.errors import MetadataError, RecordValidationError
from metadata_schemas.record import (
    MAX_TITLE,
    dump_record,
    levels_of,
    load_record,
    subjects_of,
    taxon_paths,
    title_of,
)
from metadata_schemas.vocabularies import get_vocabularies


def _errors(data) -> dict[str, list[str]]:
    with pytest.raises(RecordValidationError) as info:
        load_record(data, record="partner-42.xml")
    assert str(info.value).startswith("partner-42.xml: ")
    return info.value.field_errors("en")


def _minimal(**sections) -> dict:
    return {"general": {"title": {"fr": "Les fractions"}}, **sections}


# -- valid records -------------------------------------------------------------------


def test_full_record_loads_with_labels_resolved_to_ids(full_record):
    record = load_record(full_record)
    assert record["educational"]["learning_resource_type"] == ["exercise"]
    assert record["educational"]["intended_end_user_role"] == ["learner"]
    assert record["educational"]["difficulty"] == "medium"
    assert record["general"]["language"] == ["fr", "ar"]
    assert record["general"]["structure"] == "atomic"
    assert record["lifecycle"]["contribute"][0]["role"] == "author"
    assert record["rights"]["licence"] == "cc-by-sa-4.0"
    assert record["general"]["title"] == {"fr": "Les nombres rationnels", "ar": "الأعداد الجذرية"}


def test_leaf_only_taxon_path_is_completed(full_record):
    record = load_record(full_record)
    assert taxon_paths(record, "level") == [["secondaire-collegial", "1ac"]]
    assert subjects_of(record) == ["mathematiques"]
    assert levels_of(record) == ["1ac"]


def test_taxon_path_given_by_labels_in_arabic():
    record = load_record(
        _minimal(
            classification=[
                {
                    "purpose": "المستوى الدراسي",
                    "taxon_path": [
                        {
                            "source": "level",
                            "taxon": [
                                "التعليم الثانوي التأهيلي",
                                "السنة الثانية باكالوريا",
                                "2BAC PC",
                            ],
                        }
                    ],
                }
            ]
        )
    )
    assert record["classification"][0] == {
        "purpose": "educational_level",
        "taxon_path": [{"source": "level", "taxon": ["secondaire-qualifiant", "2bac", "2bac-pc"]}],
    }


def test_wrong_taxon_path_is_rejected_with_expected_path():
    errors = _errors(
        _minimal(
            classification=[
                {
                    "purpose": "educational_level",
                    "taxon_path": [{"source": "level", "taxon": ["primaire", "1ac"]}],
                }
            ]
        )
    )
    message = errors["classification[0].taxon_path[0].taxon"][0]
    assert "primaire > 1ac" in message and "secondaire-collegial > 1ac" in message


def test_unknown_taxon_and_source():
    errors = _errors(
        _minimal(
            classification=[
                {
                    "purpose": "discipline",
                    "taxon_path": [
                        {"source": "level", "taxon": ["7ac"]},
                        {"source": "matieres", "taxon": ["svt"]},
                    ],
                }
            ]
        )
    )
    assert "'7ac'" in errors["classification[0].taxon_path[0].taxon"][0]
    assert errors["classification[0].taxon_path[1].source"] == [
        "unknown classification source 'matieres'"
    ]


def test_server_id_is_dropped_on_load_and_added_on_dump(full_record):
    record = load_record({"id": "r-1", **full_record})
    assert "id" not in record
    assert dump_record(record, record_id="r-1")["id"] == "r-1"


def test_texts_are_stripped_and_empty_sections_pruned():
    record = load_record({"general": {"title": {"ar": "  الكسور \n"}, "keyword": []}, "rights": {}})
    assert record == {"general": {"title": {"ar": "الكسور"}}}


def test_title_of_prefers_requested_language(full_record):
    record = load_record(full_record)
    assert title_of(record, "ar") == "الأعداد الجذرية"
    assert title_of(record, "zgh") == "Les nombres rationnels"


# -- errors, each with its path ------------------------------------------------------


def test_missing_general_and_title():
    assert _errors({}) == {"general": ["required"]}
    assert _errors({"general": {}}) == {"general.title": ["required"]}


def test_wrong_language_code():
    errors = _errors({"general": {"title": {"xx": "Titre", "fr": "Titre"}}})
    assert list(errors) == ["general.title[xx]"]
    assert "wrong language code 'xx'" in errors["general.title[xx]"][0]
    errors = _errors({"general": {"title": {"fr": "T"}, "keyword": [{"fr": "a"}, {"xy": "b"}]}})
    assert "general.keyword[1][xy]" in errors
    # languages of the language vocabulary are kept (a partner's German title)
    assert load_record({"general": {"title": {"de": "Titel"}}})["general"]["title"] == {
        "de": "Titel"
    }


def test_empty_title_and_empty_langstring():
    assert _errors({"general": {"title": {"ar": "   "}}}) == {"general.title[ar]": ["empty text"]}
    assert _errors({"general": {"title": {}}}) == {
        "general.title": ["needs a text in at least one language"]
    }


def test_oversize_title():
    errors = _errors({"general": {"title": {"ar": "ب" * (MAX_TITLE + 1)}}})
    assert errors["general.title[ar]"] == [
        f"too long: {MAX_TITLE + 1} characters, at most {MAX_TITLE}"
    ]


def test_oversize_lists_are_refused():
    errors = _errors(_minimal(technical={"format": ["text/html"] * 500}))
    assert "technical.format" in errors


def test_unknown_vocabulary_term_names_field_value_and_vocabulary(full_record):
    full_record["educational"]["learning_resource_type"] = ["Exercice", "Exercise-sheet"]
    full_record["rights"]["licence"] = "GPL"
    errors = _errors(full_record)
    message = errors["educational.learning_resource_type[1]"][0]
    assert "'Exercise-sheet'" in message and "'learning_resource_type'" in message
    assert "did you mean" in message and "exercise" in message
    assert "'GPL'" in errors["rights.licence"][0]


def test_nul_and_control_characters_anywhere():
    errors = _errors(
        {
            "general": {
                "title": {"fr": "Les\x00fractions"},
                "identifier": [{"catalog": "ISBN", "entry": "97\x07"}],
            },
            "lifecycle": {"contribute": [{"role": "author", "entity": ["A\x00"]}]},
        }
    )
    assert errors["general.title[fr]"] == ["contains a NUL character"]
    assert errors["general.identifier[0].entry"] == ["contains a control character (U+0007)"]
    assert errors["lifecycle.contribute[0].entity[0]"] == ["contains a NUL character"]


def test_wrong_types():
    errors = _errors(
        {
            "general": {"title": "Les fractions", "language": "fr"},
            "technical": {"size": "12", "format": "video/mp4"},
            "rights": {"cost": "maybe"},
        }
    )
    assert set(errors) == {
        "general.title",
        "general.language",
        "technical.size",
        "technical.format",
        "rights.cost",
    }


def test_bad_formats_dates_and_durations():
    errors = _errors(
        _minimal(
            technical={
                "format": ["video mp4"],
                "duration": "12 minutes",
                "location": ["javascript:alert(1)"],
            },
            lifecycle={"contribute": [{"role": "author", "entity": ["X"], "date": "01/05/2024"}]},
            educational={"typical_age_range": ["douze ans"]},
        )
    )
    assert errors["technical.format[0]"] == ["not a MIME type"]
    assert errors["technical.duration"] == ["not an ISO 8601 duration"]
    assert "technical.location[0]" in errors
    assert errors["lifecycle.contribute[0].date"] == ["not an ISO 8601 date"]
    assert "educational.typical_age_range[0]" in errors


def test_unknown_field_and_missing_nested_required():
    errors = _errors(_minimal(colour="red", lifecycle={"contribute": [{"role": "author"}]}))
    assert errors["colour"] == ["unknown field"]
    assert errors["lifecycle.contribute[0].entity"] == ["required"]


def test_every_error_is_reported_at_once():
    errors = _errors(
        {
            "general": {"title": {"xx": "T"}, "language": ["klingon"]},
            "educational": {"difficulty": "impossible"},
            "relation": [{"kind": "isfriendof", "resource": {}}],
        }
    )
    assert {
        "general.title[xx]",
        "general.language[0]",
        "educational.difficulty",
        "relation[0].kind",
    } <= set(errors)


@pytest.mark.parametrize("data", [None, [], "record", 3])
def test_non_object_is_a_clear_error(data):
    with pytest.raises(RecordValidationError, match="must be a JSON object"):
        load_record(data)


# -- property tests ------------------------------------------------------------------

VOCABS = get_vocabularies()


def _spelling(vocab_id: str) -> st.SearchStrategy[str]:
    """Any accepted spelling of a term: id, URI, notation or a label, in odd case."""
    options = []
    for term in VOCABS[vocab_id]:
        options += [term.id, term.uri, *term.labels.values()]
        if term.notation:
            options.append(term.notation)
    return st.sampled_from(options).flatmap(
        lambda s: (
            st.sampled_from([s, s.upper(), f"  {s} "])
            if s.isascii() and not s.startswith("http")
            else st.just(s)
        )
    )


_text = st.text(st.sampled_from("abcdéèàç ابتثجحةىأإ ⵜⴰⵎ123-'«»"), min_size=1, max_size=20).filter(
    lambda s: s.strip()
)
_langstring = st.dictionaries(
    st.sampled_from(["ar", "fr", "en", "zgh"]), _text, min_size=1, max_size=4
)
_level_leaf = st.sampled_from([t.id for t in VOCABS["level"]])


@st.composite
def partner_records(draw) -> dict:
    leaf = draw(_level_leaf)
    full = [t.id for t in VOCABS["level"].path(leaf)]
    record = {
        "general": {
            "title": draw(_langstring),
            "language": draw(st.lists(_spelling("language"), max_size=3)),
            "keyword": draw(st.lists(_langstring, max_size=3)),
            "structure": draw(_spelling("structure")),
        },
        "educational": {
            "learning_resource_type": draw(
                st.lists(_spelling("learning_resource_type"), max_size=3)
            ),
            "difficulty": draw(_spelling("difficulty")),
            "intended_end_user_role": draw(
                st.lists(_spelling("intended_end_user_role"), max_size=2)
            ),
        },
        "rights": {"licence": draw(_spelling("licence")), "cost": draw(st.booleans())},
        "lifecycle": {
            "contribute": [{"role": draw(_spelling("contributor_role")), "entity": [draw(_text)]}]
        },
        "classification": [
            {
                "purpose": draw(_spelling("classification_purpose")),
                "taxon_path": [
                    {"source": "level", "taxon": draw(st.sampled_from([[leaf], full]))},
                    {"source": "subject", "taxon": [draw(_spelling("subject"))]},
                ],
            }
        ],
    }
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partner_records())
def test_load_is_idempotent(data):
    once = load_record(copy.deepcopy(data))
    assert load_record(copy.deepcopy(once)) == once
    # Canonical form: every vocabulary value is a term id.
    assert once["rights"]["licence"] in VOCABS["licence"]
    assert all(
        t in VOCABS["learning_resource_type"]
        for t in once["educational"].get("learning_resource_type", [])
    )
    path = once["classification"][0]["taxon_path"][0]["taxon"]
    assert [t.id for t in VOCABS["level"].path(path[-1])] == path


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_sections = st.sampled_from(
    [
        "general",
        "lifecycle",
        "meta_metadata",
        "technical",
        "educational",
        "rights",
        "relation",
        "annotation",
        "classification",
        "extra",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_sections, _json, max_size=4))
def test_garbage_is_refused_cleanly(data):
    """Whatever a partner sends, the answer is a record or a RecordValidationError."""
    try:
        load_record(data)
    except RecordValidationError as exc:
        assert exc.errors or exc.message
        assert isinstance(exc, MetadataError)
        str(exc)


def test_a_term_given_twice_by_two_spellings_is_kept_once(full_record):
    full_record["educational"]["learning_resource_type"] = [
        "Exercice",
        "تمرين",
        "exercise",
        "simulation",
    ]
    record = load_record(full_record)
    assert record["educational"]["learning_resource_type"] == ["exercise", "simulation"]
