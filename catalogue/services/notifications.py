"""Who is told what: e-mails planned from the lifecycle's events, sent, retried, reported.

The source is the append-only ``resource_events`` table, read after its commit (never
inside an action: an action never waits for, nor fails because of, a mail server):

* a ``submit`` whose record still waits for the commission → every active member of the
  validation commission with an address (``to_validate``);
* a ``decide`` ``non_conforme`` whose record is still rejected → the indexers who
  described and submitted it (``refused``).

Nobody is told about their own action. A migrated or published-at-once record is no
longer waiting when its events are read: nobody is told (its history holds the same
events). :meth:`NotificationQueue.plan` reads events past a cursor (re-reading the last
:data:`LOOKBACK` ones: on PostgreSQL a lower sequence number may commit after a higher
one), one row per event and recipient (unique: planning twice plans once).
:meth:`due` claims rows to send (a lease, so two processes never send one twice),
:meth:`sent` and :meth:`failed` record the outcome; a failed attempt is retried after
:data:`BACKOFF` and kept ``failed`` with its reason once they are spent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import SYSTEM_CLOCK, Clock, utcnow

from ..store import Database
from ..store.console_models import Notification, NotificationCursor, UserContact
from ..store.models import Resource, ResourceEvent, User
from .actors import EDITORS
from .lifecycle import VALIDATION_COMMISSION

TO_VALIDATE = "to_validate"
REFUSED = "refused"
#: Events read again at every pass (late commits of lower sequence numbers).
LOOKBACK = 1000
#: Events read per query.
BATCH = 1000
#: Waits before each new attempt; after the last one a notification is ``failed``.
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 2, 4, 8, 16))
#: How long a claimed notification is left to its sender before another may try.
LEASE = timedelta(minutes=5)
CURSOR = "events"


@dataclass(frozen=True)
class Outgoing:
    """One e-mail to send."""

    id: int
    kind: str
    resource_id: str
    title: dict[str, str]
    actor: str
    note: str | None
    username: str
    address: str
    language: str
    attempts: int


@dataclass(frozen=True)
class Failure:
    id: int
    kind: str
    resource_id: str
    username: str
    address: str
    attempts: int
    error: str | None
    at: datetime


class NotificationQueue:
    def __init__(self, db: Database, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.db = db
        self.clock = clock

    def now(self) -> datetime:
        return utcnow(self.clock)

    # -- planning ------------------------------------------------------------------------

    def start(self) -> None:
        """Begin at the events written from now on (the past is not announced)."""
        with self.db.write_session() as session:
            if session.get(NotificationCursor, CURSOR) is None:
                last = session.scalar(select(func.max(ResourceEvent.seq))) or 0
                session.add(NotificationCursor(name=CURSOR, last_seq=last))

    def plan(self) -> int:
        """Plan the e-mails of the events read since the last pass; how many were planned."""
        self.start()
        planned = 0
        while True:
            with self.db.write_session() as session:
                cursor = session.get(NotificationCursor, CURSOR)
                assert cursor is not None
                events = list(
                    session.scalars(
                        select(ResourceEvent)
                        .where(
                            ResourceEvent.seq > cursor.last_seq - LOOKBACK,
                            ResourceEvent.action.in_(("submit", "decide")),
                        )
                        .order_by(ResourceEvent.seq)
                        .limit(BATCH + LOOKBACK)
                    )
                )
                fresh = [e for e in events if e.seq > cursor.last_seq]
                planned += self._plan(session, events)
                if fresh:
                    cursor.last_seq = fresh[-1].seq
            if len(fresh) < BATCH:
                return planned

    def _plan(self, session: Session, events: list[ResourceEvent]) -> int:
        if not events:
            return 0
        ids = {e.resource_id for e in events}
        resources = {r.id: r for r in session.scalars(select(Resource).where(Resource.id.in_(ids)))}
        known: set[tuple[int, str]] = {
            (seq, name)
            for seq, name in session.execute(
                select(Notification.event_seq, Notification.username).where(
                    Notification.event_seq.in_([e.seq for e in events])
                )
            )
        }
        people = _people(session)
        now = self.now()
        count = 0
        for event in events:
            resource = resources.get(event.resource_id)
            if resource is None:
                continue
            if event.action == "submit" and resource.status == "submitted":
                kind, names = TO_VALIDATE, _validators(people)
            elif (
                event.action == "decide"
                and event.decision == "non_conforme"
                and resource.status == "rejected"
            ):
                kind, names = REFUSED, _authors(session, resource, event, people)
            else:
                continue
            for name in names:
                person = people[name]
                if name == event.actor or (event.seq, name) in known or not person.email:
                    continue
                session.add(
                    Notification(
                        event_seq=event.seq,
                        resource_id=resource.id,
                        kind=kind,
                        username=name,
                        address=person.email,
                        language=person.language,
                        status="pending",
                        attempts=0,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
                known.add((event.seq, name))
                count += 1
        return count

    # -- sending -------------------------------------------------------------------------

    def due(self, limit: int = 100) -> list[Outgoing]:
        """Claim the notifications due now (each claimed by one sender at a time)."""
        now = self.now()
        with self.db.write_session() as session:
            rows = list(
                session.scalars(
                    select(Notification)
                    .where(Notification.status == "pending", Notification.next_attempt_at <= now)
                    .order_by(Notification.id)
                    .limit(limit)
                )
            )
            claimed = []
            for row in rows:
                taken = session.execute(
                    update(Notification)
                    .where(
                        Notification.id == row.id,
                        Notification.status == "pending",
                        Notification.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=now + LEASE)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(row)
            if not claimed:
                return []
            events = {
                e.seq: e
                for e in session.scalars(
                    select(ResourceEvent).where(
                        ResourceEvent.seq.in_([r.event_seq for r in claimed])
                    )
                )
            }
            titles: dict[str, dict[str, Any]] = dict(
                session.execute(
                    select(Resource.id, Resource.record).where(
                        Resource.id.in_({r.resource_id for r in claimed})
                    )
                ).all()
            )
            return [
                Outgoing(
                    id=row.id,
                    kind=row.kind,
                    resource_id=row.resource_id,
                    title=dict(
                        (titles.get(row.resource_id) or {}).get("general", {}).get("title", {})
                    ),
                    actor=events[row.event_seq].actor,
                    note=events[row.event_seq].note,
                    username=row.username,
                    address=row.address,
                    language=row.language,
                    attempts=row.attempts,
                )
                for row in claimed
            ]

    def sent(self, notification_id: int) -> None:
        now = self.now()
        with self.db.write_session() as session:
            row = session.get(Notification, notification_id)
            if row is not None:
                row.status, row.sent_at = "sent", now
                row.attempts += 1
                row.last_error = None

    def failed(self, notification_id: int, error: str) -> bool:
        """Record a failed attempt; True when it will be tried again."""
        now = self.now()
        with self.db.write_session() as session:
            row = session.get(Notification, notification_id)
            if row is None:
                return False
            row.attempts += 1
            row.last_error = error[:2000]
            if row.attempts > len(BACKOFF):
                row.status = "failed"
                return False
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]
            return True

    # -- reading -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            return dict(
                session.execute(
                    select(Notification.status, func.count()).group_by(Notification.status)
                ).all()
            )

    def failures(self, limit: int = 100) -> list[Failure]:
        with self.db.session() as session:
            return [
                Failure(
                    r.id,
                    r.kind,
                    r.resource_id,
                    r.username,
                    r.address,
                    r.attempts,
                    r.last_error,
                    r.created_at,
                )
                for r in session.scalars(
                    select(Notification)
                    .where(Notification.status == "failed")
                    .order_by(Notification.id.desc())
                    .limit(limit)
                )
            ]

    def of_resource(self, resource_id: str) -> list[Notification]:
        with self.db.session() as session:
            rows = list(
                session.scalars(
                    select(Notification)
                    .where(Notification.resource_id == resource_id)
                    .order_by(Notification.id)
                )
            )
            session.expunge_all()
            return rows

    def retry(self, ids: Iterable[int] | None = None) -> int:
        """Put failed notifications back in the queue (all of them when ``ids`` is None)."""
        with self.db.write_session() as session:
            query = update(Notification).where(Notification.status == "failed")
            if ids is not None:
                query = query.where(Notification.id.in_(list(ids)))
            done = session.execute(
                query.values(status="pending", attempts=0, next_attempt_at=self.now())
            )
            return int(done.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Person:
    roles: frozenset[str]
    commissions: frozenset[str]
    email: str | None
    language: str


def _people(session: Session) -> dict[str, _Person]:
    """Active accounts with how to reach them."""
    rows = session.execute(
        select(User.username, User.roles, User.commissions, UserContact.email, UserContact.language)
        .join(UserContact, UserContact.user_id == User.id, isouter=True)
        .where(User.active.is_(True))
    )
    return {
        name: _Person(frozenset(roles or ()), frozenset(comms or ()), email, language or "fr")
        for name, roles, comms, email, language in rows
    }


def _validators(people: dict[str, _Person]) -> list[str]:
    return sorted(
        name
        for name, p in people.items()
        if "validator" in p.roles and VALIDATION_COMMISSION in p.commissions
    )


def _authors(
    session: Session, resource: Resource, decision: ResourceEvent, people: dict[str, _Person]
) -> list[str]:
    """Who described the record and who submitted it last before the decision."""
    submitter = session.scalar(
        select(ResourceEvent.actor)
        .where(
            ResourceEvent.resource_id == resource.id,
            ResourceEvent.action == "submit",
            ResourceEvent.seq < decision.seq,
        )
        .order_by(ResourceEvent.seq.desc())
        .limit(1)
    )
    names = dict.fromkeys(n for n in (resource.created_by, submitter) if n)
    return [n for n in names if n in people and people[n].roles & EDITORS]
