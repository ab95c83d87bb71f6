"""Typo tolerance, engine-neutral: distances, choices, and the catalogue's own spelling."""

from __future__ import annotations

import pytest

from indexer.analysis import spelling_key
from indexer.spelling import (
    Candidate,
    LabelWords,
    distance,
    max_edits,
    near_forms,
    ranked,
    surface_forms,
)


@pytest.mark.parametrize(
    "a, b, edits",
    [
        ("fractions", "fractoins", 1),  # a swap is one edit
        ("fraction", "fractions", 1),
        ("كسور", "كسوز", 1),
        ("equation", "equasion", 1),
        ("secondary", "secondaire", 2),
        ("abc", "xyz", 3),
    ],
)
def test_damerau_distance(a, b, edits):
    assert distance(a, b, 2) == min(edits, 3)


def test_longer_words_allow_more_edits_and_short_ones_none():
    assert [max_edits(w) for w in ("ab", "abc", "abcd", "abcdefghi", "abcdefghij")] == [
        0,
        0,
        1,
        1,
        2,
    ]


def test_nearest_then_most_frequent_then_alphabetical():
    cands = [Candidate("tables", 9), Candidate("thales", 1), Candidate("tale", 50)]
    assert ranked("tales", cands) == ["tale", "tables", "thales"]  # all one edit: frequency
    assert ranked("fractoins", [Candidate("fractions", 1), Candidate("factions", 80)]) == [
        "fractions"
    ]
    assert ranked("zzzz", [Candidate("fractions", 3)]) == []


def test_near_forms_cover_swaps_and_confused_first_letters():
    assert "fractions" in near_forms("rfactions")
    assert "ذهني" in near_forms("دهني")  # ذ typed as د


def test_keys_ignore_case_accents_and_the_arabic_article():
    assert spelling_key("Équations") == spelling_key("equations") == "equations"
    assert spelling_key("الكسور") == spelling_key("كسور")
    assert spelling_key("de") is None and spelling_key("1AC") is None


def test_corrections_are_shown_as_the_catalogue_writes_them():
    texts = ["Les fractions décimales", "Fractions : simplification", "الرياضيات: الكسور"]
    forms = surface_forms({"fractions": "fraction", "كسور": "كسر"}, texts)
    assert forms == {"fractions": "fractions", "كسور": "الكسور"}
    accents = surface_forms({"mathematiques": "mathemat"}, ["Mathématiques au collège"])
    assert accents == {"mathematiques": "Mathématiques"}  # never the folded key


def test_label_words_give_candidates_with_their_written_form():
    labels = LabelWords(["Mathématiques", "الاجتماعيات"])
    assert [c.key for c in labels.candidates("mathematiqes")] == ["mathematiques"]
    assert labels.forms["mathematiques"] == "Mathématiques"
