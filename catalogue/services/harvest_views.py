"""What the harvest services hand out and take in: plain data, no session attached.

The harvesting logic (``harvesters``) reads partners and hands pages of
:class:`Incoming` records to :class:`~.harvest_sources.HarvestSources`, which
applies them in the catalogue; staff and the CLI read :class:`SourceView` and
:class:`RunView`. Problems are kept as message ids with parameters
(:class:`core.messages.Message`), rendered in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.errors import MawaridError
from core.messages import N_, Message, gettext, plural_message
from metadata_schemas.notes import Note

from .views import iso

#: Counters of a run, in the order reports show them (``to_review``: records created or
#: updated with notes that wait in the review queue, as in the import summary;
#: ``retried``: records refused by an earlier run asked again with GetRecord;
#: ``missing``: listed by the partner in a full comparison but not here — refused when it
#: came, and retried).
COUNTS = (
    "seen",
    "created",
    "updated",
    "unchanged",
    "to_review",
    "withdrawn",
    "pending",
    "failed",
    "retried",
    "missing",
    "pages",
)
#: What each counter is called in reports (message ids).
COUNT_LABELS = {
    "seen": N_("seen"),
    "created": N_("new"),
    "updated": N_("updated"),
    "unchanged": N_("unchanged"),
    "to_review": N_("to review"),
    "withdrawn": N_("withdrawn"),
    "pending": N_("waiting for the commission"),
    "failed": N_("failed"),
    "retried": N_("retried"),
    "missing": N_("missing here"),
    "pages": N_("pages"),
}
#: What run statuses and kinds are called in reports (message ids).
STATUS_LABELS = {
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
    "first": N_("first"),
    "incremental": N_("incremental"),
    "full": N_("full"),
}
#: Problems kept per run, and records with notes listed per run (counts stay exact beyond
#: them; every note stays on its record, in the review queue).
MAX_PROBLEMS = 500
MAX_NOTED = 500
#: A failed run (partner down, misconfigured) is tried again after this, at the latest.
RETRY_FAILED_MINUTES = 60


class HarvestSourceError(MawaridError):
    """A source that cannot be added, found or run as asked."""

    code = "invalid_source"


class SourceNotFound(HarvestSourceError):
    code = "not_found"


class SourceBusy(HarvestSourceError):
    """Another run holds the source's lease."""

    code = "source_busy"


class LeaseLost(HarvestSourceError):
    """This run's lease was taken over (it had expired): the run stops, nothing of the page kept."""

    code = "lease_lost"


@dataclass(frozen=True)
class SourceSpec:
    """A partner repository to follow, as staff describe it."""

    name: str
    base_url: str
    metadata_prefix: str = "oai_lom"
    sets: tuple[str, ...] = ()
    acquisition_mode: str = "cooperation"
    agreement: str = ""
    counterpart: str | None = None
    publish: bool = False
    interval_minutes: int = 24 * 60
    full_every_days: int = 7


@dataclass(frozen=True)
class RunView:
    id: int
    source: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    since: str | None
    resumed: bool
    counts: dict[str, int]
    problems: list[dict[str, Any]]
    error: dict[str, Any] | None

    def count(self, name: str) -> int:
        return int(self.counts.get(name, 0))

    def counts_line(self, lang: str | None = None, *, all: bool = False) -> str:
        """``new 8, updated 1, …`` in ``lang`` (only the counters above 0 unless ``all``)."""
        separator = "، " if lang == "ar" else ", "
        return separator.join(
            f"{gettext(COUNT_LABELS[name], lang)} {self.count(name)}"
            for name in COUNTS
            if all or self.count(name)
        )

    def status_label(self, lang: str | None = None) -> str:
        return gettext(STATUS_LABELS.get(self.status, self.status), lang)

    def kind_label(self, lang: str | None = None) -> str:
        return gettext(STATUS_LABELS.get(self.kind, self.kind), lang)

    def problem_messages(self) -> list[tuple[str, Message]]:
        return [(p.get("identifier", ""), message_from_json(p)) for p in self.problems]

    def error_message(self) -> Message | None:
        return message_from_json(self.error) if self.error else None

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        error = self.error_message()
        return {
            "id": self.id,
            "source": self.source,
            "kind": self.kind,
            "status": self.status,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "from": self.since,
            "resumed": self.resumed,
            "counts": {name: self.count(name) for name in COUNTS},
            "problems": [
                _problem_dict(p, msg, lang)
                for p, (_, msg) in zip(self.problems, self.problem_messages(), strict=True)
            ],
            "error": None
            if error is None
            else {
                "code": self.error.get("code") if self.error else None,
                "message": error.render(lang),
            },
        }


@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    base_url: str
    metadata_prefix: str
    sets: tuple[str, ...]
    acquisition_mode: str
    agreement: str
    counterpart: str | None
    publish: bool
    interval_minutes: int
    full_every_days: int
    enabled: bool
    created_at: datetime
    created_by: str
    granularity: str | None
    deleted_record: str | None
    next_from: datetime | None
    last_datestamp: datetime | None
    last_full_at: datetime | None
    resume: dict[str, Any] | None
    lease_owner: str | None
    lease_until: datetime | None
    last_run: RunView | None = None
    record_count: int = 0
    #: Records refused by a run, asked again by the next ones until they come in.
    refused_count: int = 0

    @property
    def next_due(self) -> datetime:
        """When ``harvest --due`` runs it next: at once if it never ran or a run was cut short;
        an hour after a failed run (at most its interval); else its interval after the last."""
        run = self.last_run
        if run is None:
            return self.created_at
        if run.status in ("running", "interrupted") and self.lease_owner is None:
            return run.started_at
        minutes = self.interval_minutes
        if run.status == "failed":
            minutes = min(minutes, RETRY_FAILED_MINUTES)
        return run.started_at + timedelta(minutes=minutes)

    def full_comparison_due(self, now: datetime) -> bool:
        """A partner that keeps no deletions is compared in full every ``full_every_days``."""
        if self.deleted_record == "persistent":
            return False
        if self.last_full_at is None:
            return True
        return now >= self.last_full_at + timedelta(days=self.full_every_days)

    @property
    def acquisition(self) -> dict[str, Any]:
        return {
            "mode": self.acquisition_mode,
            "reference": self.agreement,
            "counterpart": self.counterpart or self.base_url,
        }

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_url": self.base_url,
            "metadata_prefix": self.metadata_prefix,
            "sets": list(self.sets),
            "acquisition": self.acquisition,
            "publish": self.publish,
            "interval_minutes": self.interval_minutes,
            "full_every_days": self.full_every_days,
            "enabled": self.enabled,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "granularity": self.granularity,
            "deleted_record": self.deleted_record,
            "next_from": iso(self.next_from),
            "last_datestamp": iso(self.last_datestamp),
            "last_full_at": iso(self.last_full_at),
            "records": self.record_count,
            "refused": self.refused_count,
            "running": self.lease_owner is not None,
            "interrupted": self.resume is not None and self.lease_owner is None,
            "next_due": iso(self.next_due),
            "last_run": self.last_run.to_dict(lang) if self.last_run else None,
        }


@dataclass(frozen=True)
class Lease:
    """The right to run one source now; every write of the run checks it still holds."""

    source_id: int
    source: str
    owner: str
    run_id: int = 0


@dataclass(frozen=True)
class Incoming:
    """One record (or header) as the partner sent it, read by the harvester.

    ``record`` is None for a deleted record, a header of a full comparison, or a
    record that could not be read (then ``problem`` says why).
    """

    identifier: str
    datestamp: datetime | None
    deleted: bool = False
    record: dict[str, Any] | None = None
    problem: Message | None = None
    #: What the intake's readers noted (mappings, values kept as written, proposals).
    notes: tuple[Note, ...] = ()
    #: The record's family as the intake detected it (``lom``, ``imsmd``, ``dublin-core``…).
    family: str = ""


@dataclass
class PageOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def problem(self, identifier: str, message: Message) -> None:
        self.add("failed")
        self.problems.append({"identifier": identifier, **message_to_json(message)})

    def noted(self, identifier: str, resource_id: str, notes: tuple[Note, ...]) -> None:
        """A record applied with the intake's notes: listed with their counts, as the import
        report does (the notes themselves are on the record, in the review queue)."""
        review = sum(1 for n in notes if n.review)
        if review:
            self.add("to_review")
        message = plural_message(
            "%(num)d note (%(review)d to review)",
            "%(num)d notes (%(review)d to review)",
            len(notes),
            review=review,
        )
        self.problems.append(
            {
                "identifier": identifier,
                "note": True,
                "resource_id": resource_id,
                "notes": len(notes),
                "to_review": review,
                **message_to_json(message),
            }
        )


def _problem_dict(problem: dict[str, Any], message: Message, lang: str | None) -> dict[str, Any]:
    out = {
        "identifier": problem.get("identifier", ""),
        "message": message.render(lang),
        "note": bool(problem.get("note")),
    }
    for key in ("resource_id", "notes", "to_review"):
        if key in problem:
            out[key] = problem[key]
    return out


def message_to_json(message: Message) -> dict[str, Any]:
    """A message as stored data (nested messages kept as messages, translated when read)."""
    params: dict[str, Any] = {}
    for key, value in message.params.items():
        if isinstance(value, Message):
            params[key] = message_to_json(value)
        elif isinstance(value, (str, int, float, bool)) or value is None:
            params[key] = value
        else:
            params[key] = str(value)
    out: dict[str, Any] = {"msgid": message.msgid, "params": params}
    if message.plural is not None:
        out["plural"], out["n"] = message.plural, message.n
    return out


def message_from_json(data: dict[str, Any]) -> Message:
    params = {
        k: message_from_json(v) if isinstance(v, dict) and "msgid" in v else v
        for k, v in (data.get("params") or {}).items()
    }
    return Message(data["msgid"], plural=data.get("plural"), n=data.get("n"), **params)
