"""One run of one harvest source: incremental, complete, resumable, idempotent.

:meth:`SourceHarvester.run` takes the source's lease (two runs of one source at once
are refused), asks the partner's Identify (granularity, deleted records), then goes
through the phases of the run, each page committed with its position
(:meth:`catalogue.services.harvest_sources.HarvestSources.apply_page`):

1. ``records`` — ``ListRecords`` of each set, ``from`` the partner's ``responseDate``
   when the last complete run began (at the partner's granularity, minus
   :data:`OVERLAP`: records committed late, or stamped in the same second/day, come
   again and change nothing), or from the beginning on a first (or ``--full``) run;
2. ``identifiers`` — for a partner that keeps no deletions (``deletedRecord`` no or
   transient), every ``full_every_days``: ``ListIdentifiers`` of everything, each
   identifier noted as seen (one listed but never received here is kept to be asked);
3. ``retry`` — records refused by earlier runs (unreadable, or refused by the
   catalogue) are asked again with ``GetRecord``, at most :data:`RETRY_LIMIT` a run,
   those tried longest ago first: a record the partner fixed (or that a newer Mawarid
   reads) comes in without waiting for a full harvest; one the partner no longer has
   is forgotten;
4. ``sweep`` — after a complete listing (2, or a full 1), our records the partner no
   longer lists are withdrawn, unless the listing looks truncated;
5. ``pending`` — changes that waited for the commission are applied where possible.

Every record is read by the intake (:mod:`.reading`), and the notes of a record applied
go to the intake's review queue (:func:`catalogue.intake.queue.write_review`).

A run cut short (kill -9, network down, a partner's 503 for too long) leaves its
position saved: the next run resumes there. A token the partner no longer accepts
(``badResumptionToken``, expired) restarts the list from the run's saved ``from``;
records applied already come again unchanged.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from catalogue.intake.queue import write_review
from catalogue.services.harvest_sources import HarvestSources
from catalogue.services.harvest_views import (
    Incoming,
    Lease,
    LeaseLost,
    PageOutcome,
    RunView,
    SourceView,
)
from core.clock import Clock, utcnow
from core.errors import MawaridError
from core.messages import N_, Message
from oaipmh.dates import format_datestamp, parse_datestamp
from oaipmh.errors import BadResumptionToken, IdDoesNotExist, NoRecordsMatch, OAIError

from .client import OAI, Page, PoliteClient
from .errors import HarvestError
from .reading import read_record

log = logging.getLogger(__name__)

#: Asked again before the last run's responseDate: late commits and same-second stamps.
OVERLAP = timedelta(minutes=5)
#: Restarts of a list after a refused token, per run, before giving up.
MAX_RESTARTS = 3
#: A full listing below this share of the records we follow is not trusted for a sweep.
SWEEP_TRUST = 0.5
#: Refused records asked again per run, and per transaction.
RETRY_LIMIT = 100
RETRY_PAGE = 20

Progress = Callable[[str, PageOutcome], None]


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_alive(owner: str) -> bool:
    """False only when ``owner`` is a process of this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine's run: wait for its lease to expire
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SourceHarvester:
    """Runs sources of :class:`HarvestSources` (see the module docstring)."""

    def __init__(
        self,
        sources: HarvestSources,
        *,
        client_factory: Callable[[str], PoliteClient] | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
        attempts: int = 5,
        backoff: float = 2.0,
        max_wait: float = 600.0,
        progress: Progress | None = None,
        retry_limit: int = RETRY_LIMIT,
    ) -> None:
        self.sources = sources
        self.retry_limit = retry_limit
        self.clock = clock or sources.clock  # one time for the plan and the records of runs
        self.client_factory = client_factory or (
            lambda url: PoliteClient(
                url,
                timeout=timeout,
                retries=attempts - 1,
                backoff=backoff,
                max_wait=max_wait,
                sleep=sleep,
                clock=self.clock,
            )
        )
        self.progress = progress
        self.owner = process_owner()

    def run(self, name: str, *, full: bool = False, since: str | None = None) -> RunView:
        source = self.sources.acquire(name, owner=self.owner, alive=owner_alive)
        plan = dict(source.resume or {})
        if not plan:
            plan = {"phase": "start", "full": full, "since": since}
        if source.next_from is None:
            kind = "first"
        else:
            kind = "full" if plan.get("full") else "incremental"
        lease = self.sources.begin_run(
            name, owner=self.owner, kind=kind, since=plan.get("from"), resume=plan
        )
        plan["run"] = lease.run_id
        try:
            self._run(lease, source, plan)
        except LeaseLost:
            raise
        except MawaridError as exc:
            return self.sources.finish(lease, next_from=None, full_comparison=False, error=exc)
        except Exception as exc:  # a bug must not leave the source leased: record, then log
            log.exception("harvest of %s failed", name)
            error = HarvestError(N_("unexpected error: %(problem)s"), problem=type(exc).__name__)
            return self.sources.finish(lease, next_from=None, full_comparison=False, error=error)
        next_from = parse_datestamp(plan["response_date"]) if plan.get("response_date") else None
        return self.sources.finish(
            lease, next_from=next_from, full_comparison=bool(plan.get("pass"))
        )

    # -- phases ------------------------------------------------------------------------

    def _run(self, lease: Lease, source: SourceView, plan: dict[str, Any]) -> None:
        client = self.client_factory(source.base_url)
        identity = client.identify()
        if plan["phase"] == "start":
            plan.update(self._plan(source, identity.granularity, identity.deleted_record, plan))
        self.sources.save_identify(
            lease,
            granularity=identity.granularity,
            deleted_record=identity.deleted_record,
            since=plan.get("from"),
        )
        if plan["phase"] == "records":
            self._list(lease, client, source, plan, "ListRecords")
            plan.update(phase="identifiers" if plan.get("compare") else "retry", set=0)
            plan["token"], plan["seen"] = None, 0
        if plan["phase"] == "identifiers":
            self._list(lease, client, source, plan, "ListIdentifiers")
            plan.update(phase="retry", set=0, token=None)
        if plan["phase"] == "retry":
            self._retry(lease, client, source, plan)
            plan["phase"] = "sweep"
        if plan["phase"] == "sweep":
            if plan.get("pass"):
                self._sweep(lease, source, plan)
            plan["phase"] = "pending"
        self._report("pending", self.sources.apply_pending(lease, review=write_review))

    def _plan(
        self, source: SourceView, granularity: str, deleted_record: str, plan: dict[str, Any]
    ) -> dict[str, Any]:
        """What this run asks: from when, and whether it compares everything."""
        now = utcnow(self.clock)
        since = plan.get("since")
        full = bool(plan.get("full")) or source.next_from is None
        if since is None and not full and source.next_from is not None:
            since = format_datestamp(source.next_from - OVERLAP, granularity)
        compare = not full and source.full_comparison_due(now)
        if deleted_record != "persistent" and source.last_full_at is None and not full:
            compare = True
        run_id = int(plan["run"])
        return {
            "phase": "records",
            "from": since,
            "set": 0,
            "token": None,
            # A full listing (records or identifiers) is a pass: what it does not see is swept.
            "pass": run_id if (full and since is None) or compare else 0,
            "compare": compare,
            "known": source.record_count,
            "seen": 0,
            "restarts": 0,
        }

    def _list(
        self,
        lease: Lease,
        client: PoliteClient,
        source: SourceView,
        plan: dict[str, Any],
        verb: str,
    ) -> None:
        sets: list[str | None] = list(source.sets) or [None]
        while int(plan["set"]) < len(sets):
            token = plan.get("token")
            if token:
                params = {"verb": verb, "resumptionToken": token}
            else:
                params = {"verb": verb, "metadataPrefix": source.metadata_prefix}
                spec = sets[int(plan["set"])]
                if spec:
                    params["set"] = spec
                if verb == "ListRecords" and plan.get("from"):
                    params["from"] = plan["from"]
            try:
                page = client.page(params)
            except NoRecordsMatch:
                page = Page(None)
            except BadResumptionToken:
                if not token or int(plan.get("restarts", 0)) >= MAX_RESTARTS:
                    raise
                # Expired or forgotten by the partner: this set again from the saved ``from``.
                plan.update(token=None, restarts=int(plan.get("restarts", 0)) + 1)
                continue
            if page.token is not None and page.token == token:
                raise HarvestError(
                    N_("%(url)s sent the same resumptionToken again: the list would never end"),
                    url=source.base_url,
                )
            if verb == "ListRecords" and not plan.get("response_date"):
                moment = page.response_date or utcnow(self.clock)
                plan["response_date"] = moment.isoformat() + "Z"
            plan["token"] = page.token
            if not page.token:
                plan["set"] = int(plan["set"]) + 1
            if verb == "ListRecords":
                items = [self._record(el, source.metadata_prefix) for el in page.items]
                plan["seen"] = int(plan.get("seen", 0)) + len(items)
                outcome = self.sources.apply_page(
                    lease, items, resume=dict(plan), review=write_review
                )
            else:
                headers = [self._header(el) for el in page.items]
                plan["seen"] = int(plan.get("seen", 0)) + len(headers)
                outcome = self.sources.mark_seen(lease, headers, resume=dict(plan))
            self._report(verb, outcome)

    def _retry(
        self, lease: Lease, client: PoliteClient, source: SourceView, plan: dict[str, Any]
    ) -> None:
        """Ask again, one ``GetRecord`` each, the records earlier runs refused."""
        # Runs from this one on (a resumed run has a new id) have tried what they saw.
        mark = int(plan.setdefault("retry_mark", plan["run"]))
        while int(plan.get("retried", 0)) < self.retry_limit:
            budget = self.retry_limit - int(plan.get("retried", 0))
            asked = self.sources.to_retry(lease, before_run=mark, limit=min(RETRY_PAGE, budget))
            if not asked:
                return
            items: list[Incoming] = []
            gone: list[str] = []
            for identifier in asked:
                try:
                    page = client.page(
                        {
                            "verb": "GetRecord",
                            "identifier": identifier,
                            "metadataPrefix": source.metadata_prefix,
                        }
                    )
                except IdDoesNotExist:
                    gone.append(identifier)
                    continue
                except OAIError as exc:  # cannotDisseminateFormat…: still refused, with why
                    items.append(Incoming(identifier, None, problem=exc.msg))
                    continue
                item = self._record(page.items[0], source.metadata_prefix) if page.items else None
                if item is None or item.identifier != identifier:
                    item = Incoming(
                        identifier,
                        None,
                        problem=Message(
                            N_("GetRecord of %(identifier)s answered another record or none"),
                            identifier=identifier,
                        ),
                    )
                items.append(item)
            plan["retried"] = int(plan.get("retried", 0)) + len(asked)
            outcome = self.sources.apply_page(
                lease, items, resume=dict(plan), review=write_review, retried=True, gone=gone
            )
            self._report("GetRecord", outcome)

    def _sweep(self, lease: Lease, source: SourceView, plan: dict[str, Any]) -> None:
        known, seen = int(plan.get("known", 0)), int(plan.get("seen", 0))
        if known and seen < known * SWEEP_TRUST:
            outcome = PageOutcome()
            outcome.problem(
                source.base_url,
                Message(
                    N_(
                        "the partner listed %(seen)d records where %(known)d were followed: "
                        "nothing withdrawn (is its list complete?)"
                    ),
                    seen=seen,
                    known=known,
                ),
            )
            self.sources.note(lease, outcome)
            self._report("sweep", outcome)
            return
        self._report("sweep", self.sources.withdraw_unseen(lease, int(plan["pass"])))

    # -- items -----------------------------------------------------------------------------

    def _header(self, header: Any) -> Incoming:
        identifier = _text(header, "identifier")
        deleted = header.get("status") == "deleted"
        try:
            datestamp = parse_datestamp(_text(header, "datestamp"))
        except ValueError:
            datestamp = None
        return Incoming(identifier, datestamp, deleted)

    def _record(self, element: Any, prefix: str) -> Incoming:
        header = element.find(OAI + "header")
        if header is None:
            return Incoming("?", None, problem=Message(N_("a record without a header")))
        base = self._header(header)
        if not base.identifier:
            return Incoming("?", None, problem=Message(N_("a record without an identifier")))
        if base.datestamp is None:
            return Incoming(
                base.identifier,
                None,
                problem=Message(
                    N_("datestamp %(value)r is not a UTC date"),
                    value=_text(header, "datestamp")[:40],
                ),
            )
        if base.deleted:
            return base
        metadata = element.find(OAI + "metadata")
        child = (
            next((c for c in metadata if isinstance(c.tag, str)), None)
            if metadata is not None
            else None
        )
        read = read_record(child, prefix, source=base.identifier)
        return Incoming(
            base.identifier,
            base.datestamp,
            False,
            read.record,
            read.problem,
            read.notes,
            read.family,
        )

    def _report(self, phase: str, outcome: PageOutcome) -> None:
        if self.progress is not None:
            self.progress(phase, outcome)


def _text(parent: Any, name: str) -> str:
    el = parent.find(OAI + name)
    return " ".join((el.text or "").split()) if el is not None else ""
