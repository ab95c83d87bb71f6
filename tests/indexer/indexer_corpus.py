"""The indexer tests' fixed bilingual corpus, importable by test modules.

Test modules import these names from here, not from ``conftest`` (several
``conftest`` modules exist in the suite and only one can own that name).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from indexer import IndexableResource
from metadata_schemas.record import load_record

CORPUS = Path(__file__).with_name("corpus.json")


def _resource(item: dict) -> IndexableResource:
    published = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
    return IndexableResource(
        id=item["id"],
        record=load_record(item["record"], record=item["id"]),
        acquisition_mode=item["acquisition_mode"],
        published_at=published,
        updated_at=published,
    )


def load_corpus() -> list[IndexableResource]:
    return [_resource(item) for item in json.loads(CORPUS.read_text("utf-8"))["resources"]]


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}
