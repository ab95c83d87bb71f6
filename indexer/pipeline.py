"""Catalogue changes → index: the listener the runtime registers on the resource service.

``published`` and ``updated`` upsert the resource (only while it is published: an
edit of a draft never reaches the public index), ``withdrawn`` deletes it. Every
operation is idempotent (upsert replaces by id, deleting a missing id is a
no-op), so replaying events or running :meth:`IndexPipeline.reindex` after a
failure converges to the catalogue's state.

The listener runs after the catalogue's commit. If the index cannot be written
the change is logged and kept in :attr:`IndexPipeline.failures` instead of
turning a successful publication into an error page; ``mawarid reindex``
repairs the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .model import SearchBackend, to_indexable

log = logging.getLogger(__name__)

UPSERT_KINDS = ("published", "updated")
DELETE_KINDS = ("withdrawn",)


class IndexPipeline:
    def __init__(
        self, backend: SearchBackend, vocabularies: Mapping[str, Any], *, strict: bool = False
    ) -> None:
        self.backend = backend
        self.vocabularies = vocabularies
        self.strict = strict
        self.failures: list[tuple[str, str, str]] = []  # (kind, resource id, error)

    def apply(self, change: Any) -> bool:
        """Apply one ``ResourceChange(kind, resource)``; True when the index was written."""
        kind = getattr(change, "kind", None)
        resource = getattr(change, "resource", None)
        resource_id = getattr(resource, "id", None)
        try:
            if kind in UPSERT_KINDS:
                status = getattr(resource, "status", "published")
                if status == "published":
                    self.backend.upsert([to_indexable(resource)])
                else:
                    self.backend.delete([resource_id])
                return True
            if kind in DELETE_KINDS:
                self.backend.delete([resource_id])
                return True
            log.warning("ignored catalogue change of kind %r for %s", kind, resource_id)
            return False
        except Exception as exc:
            if self.strict:
                raise
            log.exception("index not updated for %s %s", kind, resource_id)
            self.failures.append((str(kind), str(resource_id), str(exc)))
            return False

    def reindex(
        self,
        resources: Iterable[Any],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Rebuild the whole index from ``resources`` (published ones are kept); atomic switch."""
        docs = (
            to_indexable(r) for r in resources if getattr(r, "status", "published") == "published"
        )
        count = self.backend.rebuild(docs, total=total, progress=progress)
        self.failures.clear()
        return count
