"""Partner repositories as data: adding, listing, scheduling and leasing harvest sources.

:class:`HarvestSources` is the only door to the harvest tables
(:mod:`catalogue.store.harvest_models`). The harvesting logic lives in ``harvesters``:
it takes a :class:`~.harvest_views.Lease` on a source (two runs of one source at once
are refused), reads the partner, and hands each page of records to
:meth:`HarvestSources.apply_page` (:mod:`.harvest_apply`), which writes the records,
the run's counts and the position in the partner's list in **one transaction** — a run
killed at any point resumes from its last committed page.

A lease is a row-level compare-and-set (owner, until): it expires, is renewed by each
page, and a lease whose owner is known dead (``alive(owner)`` is False: a process of
this host that no longer exists) can be taken over at once instead of waiting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import SYSTEM_CLOCK, Clock, utcnow
from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.errors import UnknownTermError
from oaipmh.syntax import METADATA_PREFIX, SET_SPEC

from ..store import Database
from ..store.harvest_models import HarvestRecord, HarvestRefused, HarvestRun, HarvestSource
from .harvest_apply import PageWriter
from .harvest_record import ReviewWriter
from .harvest_refused import refused_count, refused_of
from .harvest_views import (
    HarvestSourceError,
    Incoming,
    Lease,
    LeaseLost,
    PageOutcome,
    RunView,
    SourceBusy,
    SourceNotFound,
    SourceSpec,
    SourceView,
    message_to_json,
)
from .prepare import Preparer
from .resources import ResourceService

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
#: A lease lasts this long unless renewed (each page renews it).
LEASE_SECONDS = 30 * 60


class HarvestSources:
    def __init__(
        self,
        db: Database,
        resources: ResourceService,
        vocabularies: Any,
        *,
        clock: Clock = SYSTEM_CLOCK,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        self.db = db
        self.resources = resources
        self.vocabularies = vocabularies
        self.clock = clock
        self.lease_seconds = lease_seconds
        self._writer = PageWriter(resources, self.check_lease, self.now)

    def now(self) -> datetime:
        return utcnow(self.clock)

    # -- sources -----------------------------------------------------------------

    def add(self, spec: SourceSpec, *, created_by: str) -> SourceView:
        values = self._checked(spec)
        with self.db.write_session() as session:
            if session.scalar(select(HarvestSource.id).where(HarvestSource.name == spec.name)):
                raise HarvestSourceError(
                    N_("a source named %(name)s already exists"), name=spec.name
                )
            row = HarvestSource(**values, created_at=self.now(), created_by=created_by)
            session.add(row)
            session.flush()
            return self._view(session, row)

    def remove(self, name: str) -> None:
        """Forget a source, its runs and its record map; the resources harvested stay."""
        with self.db.write_session() as session:
            row = self._row(session, name)
            if self._held(row):
                raise SourceBusy(
                    N_("%(name)s is being harvested (by %(owner)s); try again when the run ends"),
                    name=name,
                    owner=row.lease_owner,
                )
            for table in (HarvestRecord, HarvestRefused, HarvestRun):
                session.query(table).filter(table.source_id == row.id).delete()
            session.delete(row)

    def set_enabled(self, name: str, enabled: bool) -> SourceView:
        with self.db.write_session() as session:
            row = self._row(session, name)
            row.enabled = enabled
            return self._view(session, row)

    def get(self, name: str) -> SourceView:
        with self.db.session() as session:
            return self._view(session, self._row(session, name))

    def all(self) -> list[SourceView]:
        with self.db.session() as session:
            rows = session.scalars(select(HarvestSource).order_by(HarvestSource.name)).all()
            return [self._view(session, row) for row in rows]

    def due(self) -> list[SourceView]:
        """Enabled sources not running now whose interval has passed (see ``next_due``)."""
        now = self.now()
        return [s for s in self.all() if s.enabled and not s.lease_owner and s.next_due <= now]

    def runs(self, name: str, *, limit: int = 20) -> list[RunView]:
        with self.db.session() as session:
            row = self._row(session, name)
            runs = session.scalars(
                select(HarvestRun)
                .where(HarvestRun.source_id == row.id)
                .order_by(HarvestRun.id.desc())
                .limit(limit)
            ).all()
            return [_run_view(run, row.name) for run in runs]

    def resource_ids(self, name: str) -> dict[str, str]:
        """The partner's identifier → our resource id, for every record followed."""
        with self.db.session() as session:
            row = self._row(session, name)
            pairs = session.execute(
                select(HarvestRecord.identifier, HarvestRecord.resource_id).where(
                    HarvestRecord.source_id == row.id
                )
            ).all()
            return dict(pairs)

    # -- a run -------------------------------------------------------------------

    def acquire(self, name: str, *, owner: str, alive: Callable[[str], bool]) -> SourceView:
        """Take the source's lease for ``owner`` or raise :class:`SourceBusy`."""
        now = self.now()
        with self.db.write_session() as session:
            row = self._row(session, name)
            previous = row.lease_owner
            if self._held(row, now) and previous is not None and alive(previous):
                raise SourceBusy(
                    N_("%(name)s is already being harvested by %(owner)s (lease until %(until)s)"),
                    name=name,
                    owner=previous,
                    until=row.lease_until.isoformat() + "Z" if row.lease_until else "",
                )
            taken = session.execute(
                update(HarvestSource)
                .where(
                    HarvestSource.id == row.id,
                    HarvestSource.lease_owner.is_(None)
                    if previous is None
                    else HarvestSource.lease_owner == previous,
                )
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=self.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult
                raise SourceBusy(N_("%(name)s was taken by another run just now"), name=name)
            session.execute(
                update(HarvestRun)
                .where(HarvestRun.source_id == row.id, HarvestRun.status == "running")
                .values(status="interrupted", finished_at=now)
            )
            session.refresh(row)
            return self._view(session, row)

    def begin_run(
        self, name: str, *, owner: str, kind: str, since: str | None, resume: dict[str, Any]
    ) -> Lease:
        """Record a new run (resuming when ``resume`` continues a cut-short one)."""
        with self.db.write_session() as session:
            row = self._row(session, name)
            lease = Lease(row.id, row.name, owner)
            self.check_lease(session, lease)
            resumed = row.resume is not None
            run = HarvestRun(
                source_id=row.id,
                kind=kind,
                status="running",
                owner=owner,
                started_at=self.now(),
                since=since,
                resumed=resumed,
                counts={},
                problems=[],
            )
            session.add(run)
            session.flush()
            row.resume = {**resume, "run": run.id}
            return Lease(row.id, row.name, owner, run.id)

    def save_identify(
        self, lease: Lease, *, granularity: str, deleted_record: str, since: str | None
    ) -> None:
        """What the partner's Identify said, and the ``from`` this run asks."""
        with self.db.write_session() as session:
            row = self.check_lease(session, lease)
            row.granularity, row.deleted_record = granularity[:32], deleted_record[:16]
            run = session.get(HarvestRun, lease.run_id)
            if run is not None:
                run.since = since

    def apply_page(
        self,
        lease: Lease,
        items: list[Incoming],
        *,
        resume: dict[str, Any],
        review: ReviewWriter,
        retried: bool = False,
        gone: Sequence[str] = (),
    ) -> PageOutcome:
        """Apply one page of the partner's records and save ``resume``, in one transaction.

        ``review`` writes the review row of a record with notes (the intake's
        :func:`catalogue.intake.queue.write_review`); ``retried``/``gone``: a page of
        refused records asked again (see :meth:`to_retry`)."""
        return self._writer.apply_page(
            lease, items, resume=resume, review=review, retried=retried, gone=gone
        )

    def prepare_with(self, preparer: Preparer | None) -> None:
        """Prepare the new records of large pages (validation, renderings) in
        ``preparer``'s worker processes; None: in this process (see :mod:`.prepare`)."""
        self._writer.preparer = preparer

    def to_retry(self, lease: Lease, *, before_run: int, limit: int) -> list[str]:
        """Identifiers of records refused by earlier runs, to ask again (at most ``limit``,
        those tried longest ago first; none tried by run ``before_run`` or later)."""
        return self._writer.to_retry(lease, before_run=before_run, limit=limit)

    def refused(self, name: str) -> dict[str, Message]:
        """The partner's records refused and waiting to be asked again, with why."""
        with self.db.session() as session:
            return refused_of(session, self._row(session, name).id)

    def mark_seen(
        self, lease: Lease, headers: list[Incoming], *, resume: dict[str, Any]
    ) -> PageOutcome:
        """One page of a full comparison: note each identifier as seen (deleted ones withdrawn)."""
        return self._writer.mark_seen(lease, headers, resume=resume)

    def withdraw_unseen(self, lease: Lease, pass_id: int) -> PageOutcome:
        """After a full comparison: withdraw what the partner no longer has."""
        return self._writer.withdraw_unseen(lease, pass_id)

    def apply_pending(self, lease: Lease, *, review: ReviewWriter) -> PageOutcome:
        """Changes that waited for the commission, applied once the resource is editable."""
        return self._writer.apply_pending(lease, review=review)

    def note(self, lease: Lease, outcome: PageOutcome) -> None:
        """Add counts and problems found outside a page to the run's report."""
        with self.db.write_session() as session:
            self.check_lease(session, lease)
            self._writer.count(session, lease, outcome)

    def finish(
        self,
        lease: Lease,
        *,
        next_from: datetime | None,
        full_comparison: bool,
        error: MawaridError | None = None,
    ) -> RunView:
        """End the run: done (the next run starts from ``next_from``) or failed (it resumes)."""
        now = self.now()
        with self.db.write_session() as session:
            row = self.check_lease(session, lease)
            run = session.get(HarvestRun, lease.run_id)
            if run is None:
                raise LeaseLost(N_("the run %(run)s has vanished"), run=lease.run_id)
            run.finished_at = now
            if error is None:
                run.status = "done"
                row.resume = None
                if next_from is not None:
                    row.next_from = next_from
                if full_comparison:
                    row.last_full_at = now
            else:
                run.status = "failed"
                run.error = {"code": error.code, **message_to_json(error.msg)}
            row.lease_owner = row.lease_until = None
            return _run_view(run, row.name)

    def release(self, lease: Lease) -> None:
        """Give the lease back without touching the run (a run refused before it began)."""
        with self.db.write_session() as session:
            session.execute(
                update(HarvestSource)
                .where(
                    HarvestSource.id == lease.source_id, HarvestSource.lease_owner == lease.owner
                )
                .values(lease_owner=None, lease_until=None)
            )

    def check_lease(self, session: Session, lease: Lease) -> HarvestSource:
        """Renew the lease in ``session``'s transaction, or raise :class:`LeaseLost`."""
        renewed = session.execute(
            update(HarvestSource)
            .where(HarvestSource.id == lease.source_id, HarvestSource.lease_owner == lease.owner)
            .values(lease_until=self.now() + timedelta(seconds=self.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult
            raise LeaseLost(
                N_("the run of %(name)s lost its lease (another run took the source over)"),
                name=lease.source,
            )
        row = session.get(HarvestSource, lease.source_id)
        assert row is not None
        session.refresh(row)
        return row

    # -- helpers -------------------------------------------------------------------

    def _held(self, row: HarvestSource, now: datetime | None = None) -> bool:
        return (
            row.lease_owner is not None
            and row.lease_until is not None
            and row.lease_until > (now or self.now())
        )

    def _row(self, session: Session, name: str) -> HarvestSource:
        row = session.scalars(select(HarvestSource).where(HarvestSource.name == name)).first()
        if row is None:
            raise SourceNotFound(N_("no harvest source named %(name)s"), name=name)
        return row

    def _view(self, session: Session, row: HarvestSource) -> SourceView:
        last = session.scalars(
            select(HarvestRun)
            .where(HarvestRun.source_id == row.id)
            .order_by(HarvestRun.id.desc())
            .limit(1)
        ).first()
        count = session.scalar(
            select(func.count())
            .select_from(HarvestRecord)
            .where(HarvestRecord.source_id == row.id, HarvestRecord.deleted.is_(False))
        )
        return SourceView(
            id=row.id,
            name=row.name,
            base_url=row.base_url,
            metadata_prefix=row.metadata_prefix,
            sets=tuple(row.sets or ()),
            acquisition_mode=row.acquisition_mode,
            agreement=row.agreement,
            counterpart=row.counterpart,
            publish=row.publish,
            interval_minutes=row.interval_minutes,
            full_every_days=row.full_every_days,
            enabled=row.enabled,
            created_at=row.created_at,
            created_by=row.created_by,
            granularity=row.granularity,
            deleted_record=row.deleted_record,
            next_from=row.next_from,
            last_datestamp=row.last_datestamp,
            last_full_at=row.last_full_at,
            resume=row.resume,
            lease_owner=row.lease_owner if self._held(row) else None,
            lease_until=row.lease_until,
            last_run=_run_view(last, row.name) if last else None,
            record_count=count or 0,
            refused_count=refused_count(session, row.id),
        )

    def _checked(self, spec: SourceSpec) -> dict[str, Any]:

        if not NAME.fullmatch(spec.name or ""):
            raise HarvestSourceError(
                N_(
                    "source name %(name)r: 2 to 64 lowercase letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit"
                ),
                name=spec.name,
            )
        url = (spec.base_url or "").strip()
        if (
            not url.startswith(("http://", "https://"))
            or len(url) > 500
            or any(c in url for c in " ?#\t\n")
        ):
            raise HarvestSourceError(
                N_(
                    "base URL %(url)r: expected the partner's OAI-PMH address, "
                    "http:// or https://, without arguments"
                ),
                url=spec.base_url,
            )
        if not METADATA_PREFIX.fullmatch(spec.metadata_prefix or ""):
            raise HarvestSourceError(
                N_("metadata prefix %(prefix)r has an illegal syntax"), prefix=spec.metadata_prefix
            )
        for spec_set in spec.sets:
            if not SET_SPEC.fullmatch(spec_set):
                raise HarvestSourceError(
                    N_("set %(set)r has an illegal syntax (a setSpec such as level:primaire)"),
                    set=spec_set,
                )
        try:
            mode = self.vocabularies["acquisition_mode"].resolve(spec.acquisition_mode).id
        except UnknownTermError as exc:
            raise HarvestSourceError(
                N_("acquisition mode: %(problem)s"), problem=str(exc)
            ) from None
        agreement = " ".join((spec.agreement or "").split())
        if not agreement or len(agreement) > 200:
            raise HarvestSourceError(
                N_(
                    "the agreement reference is required (at most 200 characters): "
                    "it is recorded as the provenance of every record"
                )
            )
        counterpart = " ".join((spec.counterpart or "").split())[:500] or None
        if spec.interval_minutes < 1 or spec.full_every_days < 1:
            raise HarvestSourceError(
                N_("the interval and the days between full comparisons must be at least 1")
            )
        return {
            "name": spec.name,
            "base_url": url,
            "metadata_prefix": spec.metadata_prefix,
            "sets": list(dict.fromkeys(spec.sets)),
            "acquisition_mode": mode,
            "agreement": agreement,
            "counterpart": counterpart,
            "publish": bool(spec.publish),
            "interval_minutes": int(spec.interval_minutes),
            "full_every_days": int(spec.full_every_days),
            "enabled": True,
        }


def _run_view(run: HarvestRun, source: str) -> RunView:
    return RunView(
        id=run.id,
        source=source,
        kind=run.kind,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        since=run.since,
        resumed=run.resumed,
        counts=dict(run.counts or {}),
        problems=list(run.problems or []),
        error=run.error,
    )
