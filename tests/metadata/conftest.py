"""Generic fixtures for the metadata tests (kept minimal: shared by several files)."""

from __future__ import annotations

import copy

import pytest

from core.messages import use_language
from metadata_schemas.vocabularies import get_vocabularies


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, the language of the message ids."""
    with use_language("en"):
        yield


# A complete record as a partner might send it: labels instead of ids in places,
# a leaf-only taxon path. Tests take a deep copy and break one thing.
_FULL_RECORD = {
    "general": {
        "identifier": [{"catalog": "ISBN", "entry": "978-9954-0-1234-5"}],
        "title": {"fr": "Les nombres rationnels", "ar": "الأعداد الجذرية"},
        "language": ["fr", "العربية"],
        "description": {
            "fr": "Leçon et exercices sur les nombres rationnels.",
            "ar": "درس وتمارين حول الأعداد الجذرية.",
        },
        "keyword": [{"fr": "fraction"}, {"ar": "كسر"}],
        "coverage": [{"fr": "Maroc", "ar": "المغرب"}],
        "structure": "atomique",
        "aggregation_level": "2",
    },
    "lifecycle": {
        "version": "1.0",
        "status": "final",
        "contribute": [
            {"role": "Auteur", "entity": ["Fatima Alaoui"], "date": "2024-05-01"},
            {"role": "publisher", "entity": ["LNRN"], "date": "2024-05-01"},
        ],
    },
    "meta_metadata": {
        "contribute": [{"role": "creator", "entity": ["LNRN"], "date": "2024-06-01"}],
        "metadata_schema": ["LOMv1.0", "ScoLOMFRv3.1"],
        "language": "fr",
    },
    "technical": {
        "format": ["video/mp4"],
        "size": 123456,
        "location": ["https://mawarid.men.gov.ma/ressources/x/video.mp4"],
        "duration": "PT12M",
    },
    "educational": {
        "interactivity_type": "expositive",
        "learning_resource_type": ["Exercice"],
        "interactivity_level": "low",
        "semantic_density": "medium",
        "intended_end_user_role": ["apprenant"],
        "context": ["school"],
        "typical_age_range": ["12-13"],
        "difficulty": "moyen",
        "typical_learning_time": "PT30M",
        "language": ["fr"],
    },
    "rights": {"cost": False, "copyright": True, "licence": "CC BY-SA 4.0"},
    "relation": [
        {
            "kind": "ispartof",
            "resource": {
                "identifier": [{"catalog": "LNRN", "entry": "COLL-1AC-MATH"}],
                "description": {"fr": "Collection mathématiques 1AC"},
            },
        }
    ],
    "classification": [
        {"purpose": "educational_level", "taxon_path": [{"source": "level", "taxon": ["1AC"]}]},
        {
            "purpose": "discipline",
            "taxon_path": [{"source": "subject", "taxon": ["Mathématiques"]}],
        },
    ],
}


@pytest.fixture(scope="session")
def vocabularies():
    """The vocabularies shipped with the package."""
    return get_vocabularies()


@pytest.fixture
def full_record() -> dict:
    """A fresh copy of a complete, valid partner record (labels, leaf-only paths)."""
    return copy.deepcopy(_FULL_RECORD)
