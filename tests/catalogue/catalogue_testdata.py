"""Records, acquisitions and actors shared by the catalogue tests."""

from __future__ import annotations

from catalogue.services import SYSTEM, Actor
from tests.support.records import complete

INDEXER = Actor("indexer1", frozenset({"indexer"}), frozenset())
VALIDATOR = Actor("validator1", frozenset({"validator"}), frozenset({"validation"}))
ADMIN = Actor("admin1", frozenset({"admin"}), frozenset())


def record(n: int = 1, **general) -> dict:
    """A small valid bilingual record, complete for submission; ``n`` varies the title."""
    return complete(
        {
            "general": {
                "title": {"fr": f"Les fractions {n}", "ar": f"الكسور {n}"},
                "language": ["fr", "ar"],
                **general,
            },
            "classification": [
                {
                    "purpose": "educational_level",
                    "taxon_path": [{"source": "level", "taxon": ["1ac"]}],
                },
                {
                    "purpose": "discipline",
                    "taxon_path": [{"source": "subject", "taxon": ["mathematiques"]}],
                },
            ],
        }
    )


ACHAT = {
    "mode": "achat",
    "reference": "AO 12/2024/LNRN",
    "counterpart": "Éditions Atlas",
    "started_on": "2024-01-10",
    "steps": [
        {"id": "definition-besoins", "status": "done", "date": "2024-01-10"},
        {"id": "ouverture-plis", "status": "done", "date": "2024-03-02"},
    ],
}

__all__ = ["ACHAT", "ADMIN", "INDEXER", "SYSTEM", "VALIDATOR", "record"]
