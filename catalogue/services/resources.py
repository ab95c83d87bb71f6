"""The resource service: every change to a resource goes through here.

Each public method is one unit of work (:class:`~.work.Work`): permission check →
input check → change plus its append-only event (plus, when the public view changes,
the OAI rows and a row of the index journal) → commit → listeners with a
:class:`ResourceChange`, then the commit hooks (the runtime's: bring the search index
up to date from the journal). Importers group many operations in one transaction with
:meth:`ResourceService.batch`, isolating each record in a SAVEPOINT so a bad record
never leaves half of itself behind and never takes the good ones with it; large
ingests go through :mod:`.bulk` instead.

The lifecycle table is in :mod:`.lifecycle`, the roles in :mod:`.actors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_
from metadata_schemas.textnorm import fold

from ..errors import InvalidInput, NotFound
from ..store import Database
from ..store.database import guard_store
from ..store.models import Document, Resource, ResourceVersion
from .actors import Actor
from .bulk import BulkWriter, Publication
from .documents import DocumentStore
from .journal import index_entries
from .lifecycle import STATUSES
from .prepare import Preparer, Target
from .procedures import Procedures
from .provenance import (
    document_dict,
    events_of,
    last_decision,
    provenance_document,
    provenance_summary,
)

# Re-exported: importers and tests use them from here.
from .unit_of_work import (  # noqa: F401
    _strip_catalogue_ids,
    check_resource_id,
    new_resource_id,
    stale_version,
    to_view,
)
from .views import EventView, IndexEntry, Page, ResourceChange, ResourceView, VersionView
from .work import Work

log = logging.getLogger(__name__)

Listener = Callable[[ResourceChange], object]
#: Called once after each commit that changed a public view (with its changes).
CommitHook = Callable[[list[ResourceChange]], object]
MAX_LIST_SIZE = 500


def not_found(resource_id: object) -> NotFound:
    return NotFound(N_("no resource %(id)r"), id=resource_id)


class ResourceService:
    """See the module docstring. Reads open their own short sessions."""

    def __init__(
        self,
        db: Database,
        *,
        vocabularies: Any,
        procedures: Procedures,
        documents: DocumentStore,
        repository_id: str = "mawarid.men.gov.ma",
        base_url: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.db = db
        self.vocabularies = vocabularies
        self.procedures = procedures
        self.documents = documents
        self.repository_id = repository_id
        self.base_url = base_url
        self.clock = clock
        self._listeners: list[Listener] = []
        self._commit_hooks: list[CommitHook] = []
        #: Public views changed by this process's commits (the CLI drains the index
        #: journal before exiting when it is not 0).
        self.changed = 0

    # -- units of work ---------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def add_commit_hook(self, fn: CommitHook) -> None:
        """``fn(changes)`` runs once after each commit that changed a public view."""
        self._commit_hooks.append(fn)

    @contextmanager
    def batch(self, *, notify: bool = True) -> Iterator[Work]:
        """One transaction for many operations; listeners and commit hooks run after the
        commit (if ``notify``; a bulk writer brings the index up to date once at its end).

        Whatever the database says (disk full, locked, gone) the transaction is rolled back
        whole and the refusal is a :class:`~catalogue.errors.StoreUnavailable`.
        """
        with guard_store():
            session = self.db.new_session(write=True)
            work = Work(self, session)
            try:
                with session.begin():
                    yield work
                    try:
                        work._flush_bulk()
                        session.flush()
                    except StaleDataError:
                        raise stale_version() from None
            finally:
                session.close()
        self.changed += len(work.changes)
        if notify:
            self.notify(work.changes)

    def notify(self, changes: list[ResourceChange]) -> None:
        """Tell the listeners, then the commit hooks; the change is committed whatever
        they do (the index follows from the journal, not from them)."""
        for change in changes:
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:
                    log.exception(
                        "listener %r failed on %s %s", listener, change.kind, change.resource.id
                    )
        if not changes:
            return
        for hook in list(self._commit_hooks):
            try:
                hook(changes)
            except Exception:
                log.exception("commit hook %r failed", hook)

    def _one(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self.batch() as work:
            return getattr(work, method)(*args, **kwargs)

    # -- writes ----------------------------------------------------------------

    def create_draft(
        self, actor: Actor, record: Any, *, acquisition: Any = None, resource_id: str | None = None
    ) -> ResourceView:
        return self._one(
            "create_draft", actor, record, acquisition=acquisition, resource_id=resource_id
        )

    def create_published(
        self,
        actor: Actor,
        record: Any,
        *,
        reference: str,
        acquisition: Any = None,
        resource_id: str | None = None,
        note: str | None = None,
    ) -> ResourceView:
        """See :meth:`Work.create_published` (one record; many go through :meth:`bulk`)."""
        return self._one(
            "create_published",
            actor,
            record,
            reference=reference,
            acquisition=acquisition,
            resource_id=resource_id,
            note=note,
        )

    def bulk(
        self,
        *,
        actor: Actor,
        publication: Publication | None = None,
        validate: bool = True,
        preparer: Preparer | None = None,
        notify: bool = False,
        fsync_documents: bool = True,
        inserted: Callable[[Work, list[str]], object] | None = None,
    ) -> BulkWriter:
        """A :class:`~.bulk.BulkWriter` of new resources (imports, the demo, harvests)."""
        return BulkWriter(
            self,
            actor=actor,
            publication=publication,
            validate=validate,
            preparer=preparer,
            notify=notify,
            fsync_documents=fsync_documents,
            inserted=inserted,
        )

    def preparer(self, procs: int = 1) -> Preparer:
        """The preparers of records for :meth:`bulk`: ``procs - 1`` worker processes and the
        writing process (close it when done)."""
        return Preparer(Target(self.repository_id, self.base_url), procs=procs)

    def update(self, actor: Actor, id: str, record: Any, *, expected_version: int) -> ResourceView:
        return self._one("update", actor, id, record, expected_version=expected_version)

    def set_acquisition(
        self, actor: Actor, id: str, acquisition: Any, *, expected_version: int
    ) -> ResourceView:
        return self._one(
            "set_acquisition", actor, id, acquisition, expected_version=expected_version
        )

    def attach_document(
        self,
        actor: Actor,
        id: str,
        *,
        step: str,
        document_type: str,
        filename: str,
        data: bytes,
        note: str | None = None,
    ) -> dict[str, Any]:
        return self._one(
            "attach_document",
            actor,
            id,
            step=step,
            document_type=document_type,
            filename=filename,
            data=data,
            note=note,
        )

    def submit(self, actor: Actor, id: str, *, note: str | None = None) -> ResourceView:
        return self._one("submit", actor, id, note=note)

    def decide(
        self,
        actor: Actor,
        id: str,
        *,
        commission: str,
        decision: str,
        reference: str,
        note: str | None = None,
        document_id: int | None = None,
    ) -> ResourceView:
        return self._one(
            "decide",
            actor,
            id,
            commission=commission,
            decision=decision,
            reference=reference,
            note=note,
            document_id=document_id,
        )

    def publish(self, actor: Actor, id: str, *, note: str | None = None) -> ResourceView:
        return self._one("publish", actor, id, note=note)

    def withdraw(self, actor: Actor, id: str, *, reason: str) -> ResourceView:
        return self._one("withdraw", actor, id, reason=reason)

    def retract(self, actor: Actor, id: str, *, reason: str) -> ResourceView:
        return self._one("retract", actor, id, reason=reason)

    # -- reads -----------------------------------------------------------------

    def get(self, id: str) -> ResourceView:
        with self.db.session() as session:
            row = session.get(Resource, id) if isinstance(id, str) else None
            if row is None:
                raise not_found(id)
            return to_view(row)

    def exists(self, id: str) -> bool:
        with self.db.session() as session:
            return session.get(Resource, id) is not None

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are already in the catalogue (one query; for resumable imports)."""
        if not ids:
            return set()
        with self.db.session() as session:
            return set(session.scalars(select(Resource.id).where(Resource.id.in_(list(ids)))))

    def documents_of(self, id: str, *, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The procedure documents attached to resource ``id`` (optionally of some types),
        in upload order, as :func:`~.provenance.document_dict` dicts."""
        stmt = select(Document).where(Document.resource_id == id)
        if types is not None:
            stmt = stmt.where(Document.document_type.in_(sorted(set(types))))
        with self.db.session() as session:
            return [document_dict(d) for d in session.scalars(stmt.order_by(Document.id))]

    def history(self, id: str) -> list[EventView]:
        with self.db.session() as session:
            if session.get(Resource, id) is None:
                raise not_found(id)
            return events_of(session, id)

    def versions(self, id: str) -> list[VersionView]:
        """The earlier descriptions of resource ``id``, newest first, each with the fields
        the edit that replaced it changed."""
        with self.db.session() as session:
            row = session.get(Resource, id)
            if row is None:
                raise not_found(id)
            kept = session.scalars(
                select(ResourceVersion)
                .where(ResourceVersion.resource_id == id)
                .order_by(ResourceVersion.version.desc())
            ).all()
            newer = row.record
            out = []
            for v in kept:
                out.append(
                    VersionView(
                        resource_id=id,
                        version=v.version,
                        record=v.record,
                        saved_at=v.saved_at,
                        replaced_by=v.replaced_by,
                        replaced_at=v.replaced_at,
                        changed=changed_fields(v.record, newer),
                    )
                )
                newer = v.record
            return out

    def provenance(self, id: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(Resource, id)
            if row is None:
                raise not_found(id)
            return provenance_document(
                session, row, procedures=self.procedures, vocabularies=self.vocabularies
            )

    def provenance_summary(self, id: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(Resource, id)
            if row is None:
                raise not_found(id)
            return provenance_summary(row, last_decision(session, id))

    def list(
        self, *, status: str | None = None, q: str | None = None, page: int = 1, size: int = 50
    ) -> Page:
        try:
            page, size = max(1, int(page)), min(max(1, int(size)), MAX_LIST_SIZE)
        except (TypeError, ValueError):
            raise InvalidInput(N_("page and size must be whole numbers")) from None
        if status and status not in STATUSES:
            raise InvalidInput(
                N_("unknown status %(value)r: expected one of %(choices)s"),
                value=status,
                choices=", ".join(STATUSES),
            )
        query = select(Resource)
        if status:
            query = query.where(Resource.status == status)
        if q and q.strip():
            key = fold(q.strip())
            pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(
                or_(Resource.title_key.like(pattern, escape="\\"), Resource.id == q.strip())
            )
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(
                query.order_by(Resource.updated_at.desc(), Resource.id)
                .offset((page - 1) * size)
                .limit(size)
            ).all()
            return Page(items=[to_view(r) for r in rows], total=total or 0, page=page, size=size)

    def count(self, *, status: str | None = None) -> int:
        query = select(func.count()).select_from(Resource)
        if status:
            query = query.where(Resource.status == status)
        with self.db.session() as session:
            return session.scalar(query) or 0

    def iter_published(self, batch: int = 1000) -> Iterator[ResourceView]:
        """Every published resource by id, one short transaction per batch (keyset paging)."""
        yield from self.iter_resources(status="published", batch=batch)

    def iter_index_entries(self, batch: int = 1000) -> Iterator[IndexEntry]:
        """What the search index needs of every published resource, by id (keyset paging,
        one short transaction per batch): columns only, no ORM objects nor acquisition
        steps, which a full rebuild would otherwise load for each resource and drop."""
        last = ""
        while True:
            query = index_entries().where(Resource.id > last).order_by(Resource.id).limit(batch)
            with self.db.session() as session:
                rows = session.execute(query).all()
            if not rows:
                return
            last = rows[-1][0]
            yield from (IndexEntry(*row) for row in rows)

    def iter_resources(
        self, *, status: str | None = None, batch: int = 1000
    ) -> Iterator[ResourceView]:
        for _session, rows in self.batches(status=status, batch=batch):
            yield from [to_view(r) for r in rows]

    def batches(
        self, *, status: str | None = None, batch: int = 1000
    ) -> Iterator[tuple[Session, Sequence[Resource]]]:
        """``(session, rows)`` by resource id, one short transaction per batch (keyset
        paging, no OFFSET): the rows are usable only until the caller asks for the next."""
        last = ""
        while True:
            query = select(Resource).where(Resource.id > last)
            if status:
                query = query.where(Resource.status == status)
            with self.db.session() as session:
                rows = session.scalars(query.order_by(Resource.id).limit(batch)).all()
                if not rows:
                    return
                last = rows[-1].id
                yield session, rows


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """The ``section.element`` paths (LOM categories and their elements) whose values
    differ between two descriptions, sorted."""
    paths: set[str] = set()
    for section in before.keys() | after.keys():
        old, new = before.get(section), after.get(section)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            paths.update(
                f"{section}.{name}"
                for name in old.keys() | new.keys()
                if old.get(name) != new.get(name)
            )
        else:
            paths.add(section)
    return tuple(sorted(paths))
