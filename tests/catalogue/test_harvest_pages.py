"""A harvest page writes the partner's records new to us in bulk
(:meth:`~catalogue.services.bulk.BulkWriter.write_within`) and the others one by one:
the outcome and every row it leaves are those of the one-by-one path.

Two sources get the same pages at the same (frozen) times: one through the page writer
as it is, the other with the bulk path turned off — every record then goes through
:meth:`RecordWriter.apply` in its savepoint, as before the bulk path. Their rows
(resources, events, versions, OAI rows and sets, index journal, review rows, record
map, refused records, the source's position, the run's counts and report) must be the
same once the names that differ (source, address, agreement, resource ids) are
normalised.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from catalogue_testdata import INDEXER, record
from sqlalchemy import select

from catalogue.intake.queue import write_review
from catalogue.services.bulk import BulkWriter
from catalogue.services.harvest_apply import PageWriter
from catalogue.services.harvest_record import RecordWriter, resource_id_for
from catalogue.services.harvest_views import Incoming, SourceSpec
from catalogue.store.harvest_models import HarvestRecord, HarvestRefused, HarvestRun, HarvestSource
from catalogue.store.models import (
    Acquisition,
    IndexJournalEntry,
    OAIItem,
    OAIItemSet,
    Resource,
    ResourceEvent,
    ResourceVersion,
    table_of,
)
from catalogue.store.reviews import IntakeReview
from core.messages import N_, Message
from metadata_schemas.notes import Note

BULK, SINGLE = "src-bulk", "src-single"
NOTE = Note("kept", {"field": "general.title", "value": "x"}, path="general", review=True)
SOFT = Note("text_kept", {"field": "general.description", "language": "zxx"}, review=False)
UNTITLED = {"general": {"language": ["fr"]}}  # read, but the catalogue refuses it
LONG = "oai:p:" + "x" * 300


def day(n: int) -> datetime:
    return datetime(2026, 1, n, 8, 0)


def new(identifier: str, n: int, when: int = 1, **kw: Any) -> Incoming:
    return Incoming(identifier, day(when), record=record(n), family="lom", **kw)


#: New (clean, with notes, refused, unreadable, too long), deleted before we had it, one
#: identifier twice (created then changed, created then deleted, created then the same).
PAGE_1 = [
    new("oai:p:1", 1, notes=(NOTE, SOFT)),
    new("oai:p:2", 2),
    Incoming("oai:p:bad", day(1), record=UNTITLED, family="lom"),
    Incoming("oai:p:unread", day(1), problem=Message(N_("a record without a header"))),
    Incoming("oai:p:early", day(1), deleted=True),
    new("oai:p:3", 3),
    new(LONG, 4),
    new("oai:p:5", 5, notes=(NOTE,)),
    new("oai:p:3", 33, 2),
    Incoming("oai:p:5", day(2), deleted=True),
    new("oai:p:6", 6),
    new("oai:p:6", 6),
]
#: Changed, deleted, the refused and unreadable ones now fine, new, the same again.
PAGE_2 = [
    new("oai:p:1", 11, 3),
    Incoming("oai:p:2", day(3), deleted=True),
    new("oai:p:bad", 7, 3),
    new("oai:p:unread", 8, 3, notes=(SOFT,)),
    new("oai:p:9", 9, 3, notes=(NOTE,)),
    new("oai:p:3", 33, 2),
]
#: Restored after its deletion (a new resource), new, refused.
PAGE_3 = [
    new("oai:p:2", 2, 4),
    new("oai:p:10", 10, 4),
    Incoming("oai:p:bad2", day(4), record=UNTITLED, family="lom"),
]


def add_source(services, name: str, *, publish: bool) -> None:
    services.harvest.add(
        SourceSpec(
            name=name,
            base_url=f"http://{name}.example/oai",
            agreement=f"Accord {name}",
            publish=publish,
        ),
        created_by="test",
    )


def begin(services, name: str):
    harvest = services.harvest
    harvest.acquire(name, owner=f"test-{name}", alive=lambda _owner: True)
    return harvest.begin_run(
        name, owner=f"test-{name}", kind="first", since=None, resume={"phase": "records"}
    )


def one_by_one(monkeypatch):
    """The page writer before the bulk path: every record through RecordWriter.apply."""
    monkeypatch.setattr(PageWriter, "_create_new", lambda self, work, writer, items: set())


def apply_both(services, clock, monkeypatch, pages, *, publish: bool):
    """Each page applied to both sources at the same time; their outcomes."""
    for name in (BULK, SINGLE):
        add_source(services, name, publish=publish)
    leases = {name: begin(services, name) for name in (BULK, SINGLE)}
    outcomes: dict[str, list[Any]] = {BULK: [], SINGLE: []}
    for n, page in enumerate(pages):
        resume = {"phase": "records", "seen": n + 1}
        outcomes[BULK].append(
            services.harvest.apply_page(leases[BULK], page, resume=resume, review=write_review)
        )
        with monkeypatch.context() as patch:
            one_by_one(patch)
            outcomes[SINGLE].append(
                services.harvest.apply_page(
                    leases[SINGLE], page, resume=resume, review=write_review
                )
            )
        clock.advance(60)
    return outcomes


def rows(session, model, *where, order=(), drop=()) -> list[dict[str, Any]]:
    table = table_of(model)
    statement = select(table).where(*where).order_by(*order)
    return [
        {k: v for k, v in row.items() if k not in drop}
        for row in session.execute(statement).mappings()
    ]


def snapshot(services, name: str, identifiers: list[str], outcomes) -> str:
    """Everything the source's runs left, its names normalised (a JSON text)."""
    base = f"http://{name}.example/oai"
    ids = {
        resource_id_for(base, identifier, generation): f"RID<{identifier}:{generation}>"
        for identifier in identifiers
        for generation in range(3)
    }
    with services.db.session() as session:
        source = session.scalars(select(HarvestSource).where(HarvestSource.name == name)).one()
        mine = sorted(ids)
        by_resource = [Resource.id.in_(mine)]
        acquisitions = {
            a.id: (a.mode, a.reference, a.counterpart, a.procedure)
            for a in session.scalars(select(Acquisition))
        }
        resources = rows(session, Resource, *by_resource, order=[Resource.id])
        for row in resources:
            row["acquisition"] = acquisitions.get(row.pop("acquisition_id"))
        taken = {
            "resources": resources,
            "events": rows(
                session,
                ResourceEvent,
                ResourceEvent.resource_id.in_(mine),
                order=[ResourceEvent.resource_id, ResourceEvent.seq],
                drop=("seq",),
            ),
            "versions": rows(session, ResourceVersion, ResourceVersion.resource_id.in_(mine)),
            "oai": rows(session, OAIItem, OAIItem.resource_id.in_(mine)),
            "sets": rows(
                session,
                OAIItemSet,
                OAIItemSet.resource_id.in_(mine),
                order=[OAIItemSet.resource_id, OAIItemSet.set_spec],
            ),
            "journal": rows(
                session,
                IndexJournalEntry,
                IndexJournalEntry.resource_id.in_(mine),
                order=[IndexJournalEntry.resource_id, IndexJournalEntry.seq],
                drop=("seq",),
            ),
            "reviews": rows(
                session,
                IntakeReview,
                IntakeReview.resource_id.in_(mine),
                drop=("imported_at",),  # the intake's own clock (wall time)
            ),
            "record_map": rows(
                session,
                HarvestRecord,
                HarvestRecord.source_id == source.id,
                order=[HarvestRecord.identifier],
                drop=("source_id",),
            ),
            "refused": rows(
                session,
                HarvestRefused,
                HarvestRefused.source_id == source.id,
                order=[HarvestRefused.identifier],
                drop=("source_id", "first_refused_at", "last_tried_at", "last_run"),
            ),
            "runs": [
                (run.counts, run.problems)
                for run in session.scalars(
                    select(HarvestRun).where(HarvestRun.source_id == source.id)
                )
            ],
            "position": (source.resume, source.last_datestamp),
            "outcomes": [(o.counts, o.problems) for o in outcomes],
        }
    text = json.dumps(taken, sort_keys=True, default=str, ensure_ascii=False)
    for rid, label in ids.items():
        text = text.replace(rid, label)
    text = text.replace(base, "BASE").replace(name, "SRC")
    # Resource ids sort differently under each name: compare in a stable order.
    data = json.loads(text)
    for key in ("resources", "events", "versions", "oai", "sets", "journal", "reviews"):
        data[key].sort(key=lambda row: str(row.get("resource_id") or row.get("id")))
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False)


def identifiers_of(pages) -> list[str]:
    return sorted({item.identifier for page in pages for item in page})


@pytest.mark.parametrize("publish", [False, True], ids=["review", "published"])
def test_a_mixed_page_comes_out_as_one_by_one(services, clock, monkeypatch, publish):
    bulk_created: list[str] = []
    write_within = BulkWriter.write_within

    def spy(self, work, items):
        report = write_within(self, work, items)
        bulk_created.extend(report.created)
        return report

    monkeypatch.setattr(BulkWriter, "write_within", spy)
    pages = [PAGE_1, PAGE_2, PAGE_3]
    outcomes = apply_both(services, clock, monkeypatch, pages, publish=publish)

    first = outcomes[BULK][0].counts
    assert (first["created"], first["updated"], first["withdrawn"], first["failed"]) == (5, 1, 1, 3)
    assert first["unchanged"] == 2  # deleted before we had it; sent twice the same
    assert [o.counts.get("created", 0) for o in outcomes[BULK]] == [5, 3, 2]
    # New records went the bulk way; the one restored after a deletion did not (its
    # identifier is mapped: a new generation), nor the refused ones.
    bulk_ids = {resource_id_for(f"http://{BULK}.example/oai", i) for i in identifiers_of(pages)}
    assert len(bulk_created) == 5 + 3 + 1 and set(bulk_created) <= bulk_ids
    assert not any(o.counts.get("failed") for o in outcomes[BULK][1:2])

    identifiers = identifiers_of(pages)
    mine = snapshot(services, BULK, identifiers, outcomes[BULK])
    before = snapshot(services, SINGLE, identifiers, outcomes[SINGLE])
    assert mine == before
    taken = json.loads(mine)
    assert len(taken["reviews"]) == 4 and len(taken["refused"]) == 1
    assert bool(taken["oai"]) is publish and bool(taken["journal"]) is publish


def test_records_the_bulk_writer_refuses_are_refused_in_the_one_by_one_words(
    services, clock, monkeypatch
):
    """An agreement recorded with another counterpart: every new record of the second
    source is refused, each reported and kept to be asked again; the page goes on."""
    services.harvest.add(
        SourceSpec(name="first", base_url="http://first.example/oai", agreement="Accord commun"),
        created_by="test",
    )
    for name in (BULK, SINGLE):
        services.harvest.add(
            SourceSpec(name=name, base_url=f"http://{name}.example/oai", agreement="Accord commun"),
            created_by="test",
        )
    first = begin(services, "first")
    services.harvest.apply_page(first, [new("oai:f:1", 1)], resume={}, review=write_review)
    page = [
        new("oai:p:1", 1),
        new("oai:p:2", 2, notes=(NOTE,)),
        Incoming("oai:p:x", day(1), deleted=True),
    ]
    leases = {name: begin(services, name) for name in (BULK, SINGLE)}
    mine = services.harvest.apply_page(leases[BULK], page, resume={}, review=write_review)
    with monkeypatch.context() as patch:
        one_by_one(patch)
        before = services.harvest.apply_page(leases[SINGLE], page, resume={}, review=write_review)
    assert mine.counts == before.counts == {"pages": 1, "seen": 3, "failed": 2, "unchanged": 1}
    assert mine.problems == [
        {**p, "params": {**p["params"], "given": p["params"]["given"].replace(SINGLE, BULK)}}
        for p in before.problems
    ]
    assert "counterpart" in mine.problems[0]["msgid"]
    assert set(services.harvest.refused(BULK)) == {"oai:p:1", "oai:p:2"}


def test_an_id_written_meanwhile_sends_the_page_the_one_by_one_way(services, monkeypatch):
    """The database refuses the bulk rows (a resource of one of the ids appeared after the
    page looked): the savepoint drops them all and each record goes one by one, as before
    the bulk path — the one that clashes refused and kept to be asked again."""
    for name in (BULK, SINGLE):
        add_source(services, name, publish=False)
        services.resources.create_draft(
            INDEXER,
            record(99),
            resource_id=resource_id_for(f"http://{name}.example/oai", "oai:p:2"),
        )
    load = RecordWriter.load

    def blind(self, identifiers, *, resources=False):  # looked before it was written
        load(self, identifiers, resources=resources)
        for rid, row in list(self.rows.items()):
            if row is not None and row.record == services.resources.get(rid).record:
                self.rows[rid] = None
                self.work._rows.pop(rid, None)

    monkeypatch.setattr(RecordWriter, "load", blind)
    monkeypatch.setattr(BulkWriter, "_existing", lambda self, ids, within=None: {})
    page = [new("oai:p:1", 1), new("oai:p:2", 2), new("oai:p:3", 3, notes=(NOTE,))]
    leases = {name: begin(services, name) for name in (BULK, SINGLE)}
    mine = services.harvest.apply_page(leases[BULK], page, resume={}, review=write_review)
    with monkeypatch.context() as patch:
        one_by_one(patch)
        before = services.harvest.apply_page(leases[SINGLE], page, resume={}, review=write_review)
    assert mine.counts == before.counts
    assert mine.counts == {"pages": 1, "seen": 3, "created": 2, "failed": 1, "to_review": 1}
    assert [p["msgid"] for p in mine.problems] == [p["msgid"] for p in before.problems]
    assert "already exists" in mine.problems[0]["msgid"]
    assert set(services.harvest.resource_ids(BULK)) == {"oai:p:1", "oai:p:3"}
    assert set(services.harvest.refused(BULK)) == {"oai:p:2"}
