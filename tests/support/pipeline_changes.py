"""Catalogue changes as the index pipeline sees them, for the tests of every search backend.

``View`` is shaped like ``catalogue.services.views.ResourceView`` (only what
``indexer.pipeline.IndexPipeline`` reads) so backends are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass
class View:
    id: str
    record: dict
    status: str = "published"
    acquisition: dict | None = None
    published_at: datetime | None = datetime(2025, 3, 1)
    updated_at: datetime | None = datetime(2025, 3, 1)


@dataclass
class Change:
    kind: str
    resource: View


def view_of(resource, **changes) -> View:
    """The pipeline's view of an ``IndexableResource``, with ``changes`` applied."""
    base = View(
        resource.id,
        resource.record,
        acquisition={"mode": resource.acquisition_mode},
        published_at=resource.published_at,
        updated_at=resource.updated_at,
    )
    return replace(base, **changes)
