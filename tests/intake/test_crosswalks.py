"""Each crosswalk and text table, with its examples and the mappings a documentalist relies on."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from metadata_schemas.crosswalk import get_crosswalks, load_crosswalks
from metadata_schemas.errors import VocabularyFileError
from metadata_schemas.text_licences import licence_in_text
from metadata_schemas.text_values import (
    levels_for_age_range,
    parse_age_range,
    parse_date,
    parse_duration,
    parse_format,
    parse_size,
)
from metadata_schemas.vcard import display_name
from metadata_schemas.vocabularies import get_vocabularies

CROSSWALKS = Path(str(resources.files("metadata_schemas") / "crosswalks"))
MAPPINGS = Path(str(resources.files("metadata_schemas") / "mappings"))
S = "http://data.education.fr/voc/scolomfr/concept/"


@pytest.mark.parametrize("name", sorted(p.stem for p in CROSSWALKS.glob("*.json")))
def test_each_crosswalk_maps_its_examples(name):
    crosswalks = get_crosswalks()
    crosswalk = crosswalks.crosswalks[name]
    assert crosswalk.examples, f"{name}: give examples"
    for value, term in crosswalk.examples:
        found = crosswalks.lookup(crosswalk.vocabulary, value)
        assert found is not None and (found.term, found.crosswalk) == (term, name)


@pytest.mark.parametrize(
    "vocabulary, value, term",
    [
        ("learning_resource_type", S + "scolomfr-voc-010-num-024", "educational-activity"),
        ("learning_resource_type", "Cyberquête", "educational-activity"),
        ("contributor_role", S + "scolomfr-voc-003-num-031", "graphical-designer"),
        ("metadata_role", "logiciel de conversion de métadonnées", "creator"),
        ("context", S + "scolomfr-voc-012-num-007", "higher-education"),
        ("classification_purpose", "niveau éducatif détaillé", "educational_level"),
        ("level", "CM2", "5ap"),
        ("level", "3e", "3ac"),
        ("level", "Seconde", "tronc-commun"),
        ("level", S + "scolomfr-voc-022-num-016", "secondaire-collegial"),
        ("subject", "Histoire et géographie", "histoire-geographie"),
        ("subject", "Physics", "physique-chimie"),
        (
            "learning_resource_type",
            "Situation d'apprentissage et d'évaluation",
            "educational-activity",
        ),
    ],
)
def test_what_the_crosswalks_propose(vocabulary, value, term):
    found = get_crosswalks().lookup(vocabulary, value)
    assert found is not None and found.term == term
    assert term in get_vocabularies()[vocabulary]


def test_a_crosswalk_that_maps_one_value_to_two_terms_stops_loading(tmp_path):
    for name, to in (("a", "exercise"), ("b", "simulation")):
        doc = {
            "id": name,
            "vocabulary": "learning_resource_type",
            "map": [{"from": ["exo"], "to": to}],
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(VocabularyFileError, match="maps to"):
        load_crosswalks(tmp_path, get_vocabularies())


def test_a_crosswalk_to_a_term_that_does_not_exist_stops_loading(tmp_path):
    doc = {"id": "bad", "vocabulary": "level", "map": [{"from": ["CM3"], "to": "7ap"}]}
    (tmp_path / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(VocabularyFileError) as info:
        load_crosswalks(tmp_path, get_vocabularies())
    assert info.value.record == "bad.json" and "7ap" in str(info.value)


def _examples(name):
    return json.loads((MAPPINGS / f"{name}.json").read_text("utf-8"))["examples"]


@pytest.mark.parametrize("text, expected", _examples("ages"))
def test_ages_written_as_text(text, expected):
    assert parse_age_range(text) == expected


@pytest.mark.parametrize(
    "text", ["pour les grands", "niveau 3", "1999-2000", "12 ans et 4 mois de plus"]
)
def test_texts_that_are_not_ages_are_kept_not_guessed(text):
    assert parse_age_range(text) is None


def test_ages_propose_the_moroccan_levels_of_those_ages():
    assert levels_for_age_range("12-13") == ["1ac", "2ac"]
    assert levels_for_age_range("7-11") == ["primaire"]
    assert levels_for_age_range("7-90") == []  # too wide to say
    assert levels_for_age_range("15+") == []


@pytest.mark.parametrize("text, expected", _examples("licence_texts"))
def test_licences_written_as_text(text, expected):
    term = licence_in_text(text)
    assert term is not None and term.id == expected


@pytest.mark.parametrize(
    "text", ["Droits d'auteur de l'académie.", "Voir les conditions d'utilisation", "CC BY-ND-SA"]
)
def test_texts_that_name_no_licence(text):
    assert licence_in_text(text) is None


@pytest.mark.parametrize("text, expected", _examples("formats"))
def test_formats_written_otherwise(text, expected):
    assert parse_format(text) == expected


def test_dates_durations_and_sizes_written_as_text():
    assert parse_date("15/03/2009") == "2009-03-15"
    assert parse_date("2009-03-15 10:30") == "2009-03-15T10:30"
    assert parse_date("31/13/2009") is None
    assert parse_duration("1h30") == "PT1H30M"
    assert parse_duration("45 minutes") == "PT45M"
    assert parse_duration("une heure") == "PT1H"
    assert parse_duration("bientôt") is None
    assert parse_size("8 Ko") == 8192
    assert parse_size("9" * 40) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Hélène Tremblay\nEND:VCARD", "Hélène Tremblay"),
        # Written on one line by some repositories (spaces for line breaks).
        (
            "BEGIN:VCARD VERSION:3.0 FN:MOREAU, Philippe N:MOREAU;Philippe END:VCARD",
            "MOREAU, Philippe",
        ),
        (
            "BEGIN:VCARD VERSION:3.0 ORG:Centre régional (exemple) END:VCARD",
            "Centre régional (exemple)",
        ),
        # Carriage returns only; N without FN; folded lines (RFC 2426 §2.6).
        ("BEGIN:VCARD\rVERSION:3.0\rN:Alaoui;Fatima;;;\rEND:VCARD", "Fatima Alaoui"),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Omar\r\n  Idrissi\r\nEND:VCARD", "Omar Idrissi"),
        ("Université X", "Université X"),  # not a vCard: the name itself
    ],
)
def test_the_name_a_vcard_gives(text, name):
    assert display_name(text) == name
