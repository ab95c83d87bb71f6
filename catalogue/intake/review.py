"""The review queue: imported records whose mappings and kept values wait for a person.

Each note of an import (:class:`metadata_schemas.notes.Note`) that needs a look is
settled one of three ways:

* ``accept`` — the proposed mapping (or the warning) is right as it is;
* ``choose`` — another term replaces the proposed one (or gives one to a value
  kept without equivalent); the partner's value stays kept as written;
* ``keep`` — no Mawarid term: the proposed one is taken out, the partner's value
  stays kept as written (and exported as such).

When every note is settled the record is ``reviewed`` and can be submitted for
validation. Changing the record goes through the resource service (permissions,
lifecycle, versions, history); the queue row is updated in the same transaction.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from core.errors import MawaridError
from core.messages import N_
from metadata_schemas.lom_binding import MAPPING
from metadata_schemas.notes import Note

from ..errors import NotFound
from ..services.actors import Actor, require
from ..services.resources import ResourceService
from ..store.models import Resource, utcnow
from ..store.reviews import REVIEW_STATUSES as REVIEW_STATUSES
from ..store.reviews import IntakeReview

ACTIONS = ("accept", "choose", "keep")
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class ReviewError(MawaridError):
    """A review action that cannot be applied as asked."""

    code = "review_error"


@dataclass(frozen=True)
class QueueItem:
    resource_id: str
    title: str
    status: str
    review_status: str
    open_notes: int
    source: str
    family: str
    imported_at: Any


class ReviewService:
    def __init__(self, resources: ResourceService) -> None:
        self.resources = resources

    # -- reads ------------------------------------------------------------------------------
    def queue(
        self, *, status: str = "to_review", page: int = 1, size: int = 50
    ) -> tuple[list[QueueItem], int]:
        if status not in REVIEW_STATUSES:
            raise ReviewError(N_("unknown review status %(status)s"), status=status)
        page, size = max(1, int(page)), min(max(1, int(size)), 200)
        query = (
            select(IntakeReview, Resource)
            .join(Resource, Resource.id == IntakeReview.resource_id)
            .where(IntakeReview.status == status)
        )
        with self.resources.db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.execute(
                query.order_by(IntakeReview.imported_at.desc(), IntakeReview.resource_id)
                .offset((page - 1) * size)
                .limit(size)
            ).all()
            items = [
                QueueItem(
                    resource_id=review.resource_id,
                    title=resource.title,
                    status=resource.status,
                    review_status=review.status,
                    open_notes=sum(
                        1 for n in review.notes if n.get("review") and not n.get("resolution")
                    ),
                    source=review.source,
                    family=review.family,
                    imported_at=review.imported_at,
                )
                for review, resource in rows
            ]
        return items, total

    def count(self, status: str = "to_review") -> int:
        with self.resources.db.session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(IntakeReview)
                    .where(IntakeReview.status == status)
                )
                or 0
            )

    def get(self, resource_id: str) -> dict[str, Any] | None:
        """The review of one resource: its notes (as :class:`Note`), source and state."""
        with self.resources.db.session() as session:
            row = session.get(IntakeReview, resource_id)
            if row is None:
                return None
            return {
                "resource_id": row.resource_id,
                "status": row.status,
                "notes": [Note.from_dict(n) for n in row.notes],
                "source": row.source,
                "family": row.family,
                "partner_identifier": row.partner_identifier,
                "imported_at": row.imported_at,
                "imported_by": row.imported_by,
                "reviewed_at": row.reviewed_at,
                "reviewed_by": row.reviewed_by,
            }

    # -- actions ----------------------------------------------------------------------------
    def resolve(
        self, actor: Actor, resource_id: str, index: int, action: str, term: str | None = None
    ) -> str:
        """Settle note ``index`` of a resource; returns the review's new status."""
        return self._apply(actor, resource_id, [(index, action, term)])

    def accept_all(self, actor: Actor, resource_id: str) -> str:
        """Accept every open note (the proposed mappings are right)."""
        review = self.get(resource_id)
        if review is None:
            raise NotFound(f"no import review for {resource_id!r}")
        steps: list[tuple[int, str, str | None]] = [
            (i, "accept", None)
            for i, note in enumerate(review["notes"])
            if note.review and not note.resolution
        ]
        return self._apply(actor, resource_id, steps)

    def _apply(
        self, actor: Actor, resource_id: str, steps: list[tuple[int, str, str | None]]
    ) -> str:
        require(actor, "update")
        with self.resources.batch() as work:
            row = work.session.get(IntakeReview, resource_id)
            resource = work.session.get(Resource, resource_id)
            if row is None or resource is None:
                raise NotFound(f"no import review for {resource_id!r}")
            notes = [Note.from_dict(n) for n in row.notes]
            record = copy.deepcopy(resource.record)
            changed = False
            for index, action, term in steps:
                if not 0 <= index < len(notes):
                    raise ReviewError(N_("no note %(number)s on this record"), number=index + 1)
                if action not in ACTIONS:
                    raise ReviewError(N_("unknown review action %(action)s"), action=action)
                note = notes[index]
                if action == "choose":
                    if not term:
                        raise ReviewError(N_("choose a term first"))
                    changed |= _replace(record, note, term)
                    note.term, note.resolution = term, "chosen"
                elif action == "keep":
                    changed |= _take_out(record, note)
                    note.term, note.resolution = None, "kept"
                else:
                    note.resolution = "accepted"
            if changed:
                work.update(actor, resource_id, record, expected_version=resource.version)
            row.notes = [n.to_json() for n in notes]
            if all(n.resolution or not n.review for n in notes):
                row.status = "reviewed"
                row.reviewed_at, row.reviewed_by = utcnow(), actor.username
            return row.status


def _locate(record: dict[str, Any], path: str) -> dict[str, Any]:
    """The group at ``path`` (``lifecycle.contribute[0]``) of ``record``."""
    node: Any = record
    for name, index in _TOKEN.findall(path):
        node = (
            node.get(name)
            if name
            else (node[int(index)] if isinstance(node, list) and int(index) < len(node) else None)
        )
        if node is None:
            break
    if not isinstance(node, dict):
        raise ReviewError(N_("the record changed since it was imported: edit it directly"))
    return node


def _original(group: dict[str, Any], note: Note) -> dict[str, Any] | None:
    originals = group.get("original") or []
    if note.original is not None and note.original < len(originals):
        found: dict[str, Any] = originals[note.original]
        return found
    return None


def _replace(record: dict[str, Any], note: Note, term: str) -> bool:
    """Put ``term`` where the note's proposed term is (or where none was)."""
    if note.key is None:
        raise ReviewError(N_("this note has no value to choose"))
    group = _locate(record, note.path)
    key = note.key
    if key == "taxon_path":
        source = "level" if note.code == "levels_from_age" else _taxon_source(group, note)
        kept = [p for p in group.get("taxon_path", []) if not _proposed(p, note.term)]
        group["taxon_path"] = [*kept, {"source": source, "taxon": [term]}]
    elif isinstance(group.get(key), list) or key in _LIST_FIELDS:
        values = [v for v in group.get(key, []) if v != note.term]
        group[key] = [*values, term] if term not in values else values
    else:
        group[key] = term
    original = _original(group, note)
    if original is not None:
        original["term"], original["how"] = term, "chosen"
    return True


def _take_out(record: dict[str, Any], note: Note) -> bool:
    """Remove the note's proposed term; the partner's value stays kept as written."""
    if note.key is None or note.term is None:
        return False
    group = _locate(record, note.path)
    key = note.key
    if key == "taxon_path":
        group["taxon_path"] = [
            p for p in group.get("taxon_path", []) if not _proposed(p, note.term)
        ]
    elif isinstance(group.get(key), list):
        group[key] = [v for v in group[key] if v != note.term]
    elif group.get(key) == note.term:
        group.pop(key)
    original = _original(group, note)
    if original is not None:
        original.pop("term", None)
        original["how"] = "none"
    return True


_LIST_FIELDS = frozenset(
    {
        "learning_resource_type",
        "intended_end_user_role",
        "context",
        "language",
        "typical_age_range",
        "format",
    }
)


def _taxon_source(group: dict[str, Any], note: Note) -> str:
    if isinstance(note.term, dict) and note.term.get("source"):
        return str(note.term["source"])
    return "level" if group.get("purpose") == "educational_level" else "subject"


def _proposed(path: dict[str, Any], term: Any) -> bool:
    """Whether a taxon path is the one a note proposed (a path, or levels by id)."""
    leaf = (path.get("taxon") or [None])[-1]
    if isinstance(term, dict):
        return (
            path.get("source") == term.get("source") and leaf == (term.get("taxon") or [None])[-1]
        )
    if isinstance(term, list):
        return path.get("source") == "level" and leaf in term
    return bool(leaf == term)


def vocabulary_for(record: dict[str, Any], note: Note) -> str | None:
    """The vocabulary a note's value comes from (to offer its terms), or None."""
    if note.code == "levels_from_age":
        return "level"
    if note.key == "taxon_path":
        try:
            group = _locate(record, note.path)
        except ReviewError:
            return None
        return _taxon_source(group, note)
    if note.key is None:
        return None
    return vocabulary_of(note.path, note.key)


def vocabulary_of(path: str, key: str) -> str | None:
    """The vocabulary of field ``key`` of the group at ``path`` (``lifecycle.contribute[0]``)."""
    fields: list[dict[str, Any]] = MAPPING["fields"]
    for name in [n for n, _ in _TOKEN.findall(path) if n]:
        spec = next((f for f in fields if f["key"] == name), None)
        if spec is None:
            return None
        fields = spec.get("fields") or []
    spec = next((f for f in fields if f["key"] == key), None)
    if spec is None:
        return {"licence": "licence"}.get(key)
    if spec["type"] == "language":
        return "language"
    vocabulary = spec.get("vocabulary")
    return str(vocabulary) if vocabulary else None
