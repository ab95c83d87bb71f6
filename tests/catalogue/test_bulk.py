"""The bulk path (``ResourceService.bulk``): one transaction per batch, the same rows and
rules as the one-by-one operations, one record refused — never the batch — and the
preparation the same in worker processes as in this one."""

from __future__ import annotations

import pytest
from catalogue_testdata import ACHAT, INDEXER, SYSTEM, VALIDATOR, record
from sqlalchemy import func, select

from catalogue.errors import DuplicateIdentifier, InvalidInput, PermissionDenied, UnknownEntity
from catalogue.services import Actor, Attachment, Incoming, Publication
from catalogue.store.models import (
    Acquisition,
    Document,
    IndexJournalEntry,
    OAIItem,
    ProcedureStep,
    Resource,
    ResourceEvent,
)

LEAD = Actor("lead", frozenset({"indexer", "validator"}), frozenset({"validation"}))


def counts(services) -> dict[str, int]:
    with services.db.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Resource, ResourceEvent, OAIItem, IndexJournalEntry, Document)
        }


def test_one_bad_record_is_refused_the_others_are_written(services, resources):
    writer = resources.bulk(actor=SYSTEM, publication=Publication("PV 9/2026"))
    report = writer.write(
        [
            Incoming("a", record(1), resource_id="bulk-a", acquisition=ACHAT),
            Incoming(
                "b", {"general": {"title": {"fr": "x"}, "language": ["xx"]}}, resource_id="bulk-b"
            ),
            Incoming("c", record(3), resource_id="../c"),
            Incoming("d", record(4), resource_id="bulk-d", acquisition={**ACHAT, "mode": "troc"}),
            Incoming(
                "e",
                record(5),
                resource_id="bulk-e",
                acquisition={**ACHAT, "counterpart": "Un autre éditeur"},
            ),
            Incoming(
                "f",
                record(6),
                resource_id="bulk-f",
                acquisition=ACHAT,
                attachments=(Attachment("nulle-part", "pv-commission-validation", "pv.txt", b"x"),),
            ),
            Incoming("g", record(7), resource_id="bulk-g"),
        ]
    )
    assert report.published == ["bulk-a", "bulk-g"]
    refused = {source: type(exc) for source, exc in report.refused}
    assert set(refused) == {"b", "c", "d", "e", "f"}
    assert refused["c"] is InvalidInput and refused["d"] is UnknownEntity
    assert refused["e"] is InvalidInput and refused["f"] is UnknownEntity
    # Nothing of a refused record: two resources, their events, OAI rows, journal rows.
    assert counts(services) == {
        "resources": 2,
        "resource_events": 5 + 4,  # create, acquisition, submit, decide, publish / no acq.
        "oai_item": 2,
        "index_journal": 2,
        "documents": 0,
    }
    history = [(e.action, e.actor) for e in resources.history("bulk-a")]
    assert history == [
        ("create", "system"),
        ("acquisition", "system"),
        ("submit", "system"),
        ("decide", "system"),
        ("publish", "system"),
    ]
    assert resources.provenance_summary("bulk-a")["validated"]["reference"] == "PV 9/2026"


def test_same_content_is_skipped_other_content_refused_drafts_published(services, resources):
    drafts = resources.bulk(actor=INDEXER).write(
        [
            Incoming("1", record(1), resource_id="same-1"),
            Incoming("2", record(2), resource_id="d-2"),
        ]
    )
    assert drafts.created == ["same-1", "d-2"] and drafts.published == []
    assert resources.get("d-2").status == "draft"
    migration = resources.bulk(
        actor=INDEXER, publication=Publication("PV 1/2019", by=LEAD, decide_note="avant Mawarid")
    )
    report = migration.write(
        [
            Incoming("again", record(1), resource_id="same-1"),  # the draft, validated earlier
            Incoming("other", record(9), resource_id="d-2"),  # same id, other content
            Incoming("twice", record(3), resource_id="t-3"),
            Incoming("twice-again", record(3), resource_id="t-3"),  # same id twice in a batch
        ]
    )
    assert report.published == ["same-1", "t-3"] and report.created == ["t-3"]
    assert report.skipped == ["t-3"]
    assert [type(e) for _s, e in report.refused] == [DuplicateIdentifier]
    assert resources.get("same-1").status == "published"
    decide = next(e for e in resources.history("same-1") if e.action == "decide")
    assert (decide.actor, decide.note, decide.reference) == ("lead", "avant Mawarid", "PV 1/2019")


def test_the_bulk_writer_checks_every_right_first(resources):
    with pytest.raises(PermissionDenied):
        resources.bulk(actor=VALIDATOR)  # may not create
    with pytest.raises(PermissionDenied):
        resources.bulk(actor=INDEXER, publication=Publication("PV", by=INDEXER))


def test_worker_processes_prepare_the_same_rows(services, resources):
    items = [Incoming(f"r{n}", record(n), resource_id=f"w-{n:04d}") for n in range(220)]
    with resources.preparer(2) as preparer:
        report = resources.bulk(
            actor=SYSTEM, publication=Publication("PV 2"), preparer=preparer
        ).write(items)
        assert preparer.worker_cpu > 0  # the workers did the rendering
    assert len(report.published) == 220
    alone = resources.bulk(actor=SYSTEM, publication=Publication("PV 2")).write(
        [Incoming("x", record(7), resource_id="x-0007")]
    )
    assert alone.published == ["x-0007"]
    with services.db.session() as session:
        pooled = session.get(OAIItem, "w-0007")
        single = session.get(OAIItem, "x-0007")
        for column in ("oai_dc", "oai_lom", "scolomfr"):
            assert getattr(pooled, column).replace("w-0007", "ID") == getattr(
                single, column
            ).replace("x-0007", "ID")


def test_worker_processes_store_each_record_as_validated_whatever_its_input(services, resources):
    """A worker sends a record back only when validation changed it (the writing process
    has the others): either way the database and the report hold the canonical record,
    stored as the worker encoded it."""
    from sqlalchemy import text

    from catalogue.store.database import encode_json
    from metadata_schemas.record import load_record

    given = {
        f"m-{n:04d}": (
            load_record(record(n))  # canonical already: not sent back
            if n % 2
            else record(n, identifier=[{"catalog": "Mawarid", "entry": f"m-{n:04d}"}])
        )  # a short taxon path and the catalogue's own id: changed by the preparation
        for n in range(240)
    }
    with resources.preparer(2) as preparer:
        report = resources.bulk(
            actor=SYSTEM, publication=Publication("PV 2"), preparer=preparer
        ).write([Incoming(rid, rec, resource_id=rid) for rid, rec in given.items()])
        assert preparer.worker_cpu > 0
    assert len(report.published) == 240
    canonical = {rid: load_record(record(int(rid[2:]))) for rid in given}
    assert given["m-0000"] != canonical["m-0000"] and given["m-0001"] == canonical["m-0001"]
    with services.db.engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, record FROM resources")).all())
    for rid, expected in canonical.items():
        assert report.views[rid].record == expected
        assert resources.get(rid).record == expected
        if services.db.engine.dialect.name == "sqlite":  # the text as stored, to the byte
            assert stored[rid] == encode_json(expected)


def test_the_writer_prepares_the_chunks_no_worker_has_started():
    """The writing process is one of the preparers: rather than wait while a worker
    prepares one chunk, it prepares the chunks still queued itself, the last first (the
    worker goes on in order); the records come in their order either way."""
    import threading
    from concurrent.futures import Future

    from catalogue.services.prepare import (
        CHUNK,
        Job,
        Preparer,
        Target,
        _prepare_in_worker,
        prepare,
    )

    target = Target("mawarid.test", None)
    jobs = [Job(f"s-{n:03d}", record(n), None, None, True) for n in range(4 * CHUNK)]
    chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    running: Future = Future()
    running.set_running_or_notify_cancel()  # a worker has started chunk 0
    queued: list[Future] = [Future() for _ in chunks[1:]]
    taken: list[int] = []
    for index, future in enumerate(queued, 1):
        future.add_done_callback(lambda _f, index=index: taken.append(index))

    def worker() -> None:  # chunk 0 ends once the writer has taken every queued chunk
        while not all(f.cancelled() for f in queued):
            threading.Event().wait(0.01)
        running.set_result(_prepare_in_worker(chunks[0], target))

    threading.Thread(target=worker, daemon=True).start()
    preparer = Preparer(target, procs=2)
    prepared = list(preparer._results(chunks, [running, *queued]))

    assert taken == [3, 2, 1] and preparer.chunks_here == 3 and preparer.worker_cpu > 0
    expected = [prepare(job, target) for job in jobs]
    assert [p.record_json for p in prepared] == [e.record_json for e in expected]
    assert [p.title for p in prepared] == [e.title for e in expected]
    assert all(p.record is not None and p.error is None for p in prepared)

    # Chunks the workers have finished already are taken as they are.
    done: list[Future] = []
    for chunk in chunks:
        future: Future = Future()
        future.set_result(_prepare_in_worker(chunk, target))
        done.append(future)
    again = Preparer(target, procs=2)
    assert [p.record_json for p in again._results(chunks, done)] == [
        e.record_json for e in expected
    ]
    assert again.chunks_here == 0


def _acquisition_row(services, reference):
    with services.db.session() as session:
        row = session.scalars(select(Acquisition).where(Acquisition.reference == reference)).one()
        steps = {
            s.step: (s.status, s.date, s.note)
            for s in session.scalars(
                select(ProcedureStep).where(ProcedureStep.acquisition_id == row.id)
            )
        }
        return row.updated_at, row.started_on, steps


def test_an_acquisition_given_again_is_rewritten_only_when_it_says_something_new(
    services, resources, clock
):
    tender = {
        "mode": "achat",
        "reference": "AO 3/2022/LNRN",
        "counterpart": "Éditions Atlas",
        "started_on": "2022-01-10",
        "steps": [{"id": "cps", "date": "2022-02-01"}, {"id": "approbation"}],
    }
    writer = resources.bulk(actor=SYSTEM, publication=Publication("PV 1/2022"))
    (a,) = writer.write([Incoming("a", record(1), acquisition=tender)]).published
    first = _acquisition_row(services, "AO 3/2022/LNRN")

    clock.advance(60)
    # The same tender named by later resources (another batch): nothing to write.
    report = writer.write(
        [Incoming("b", record(2), acquisition=tender), Incoming("c", record(3), acquisition=tender)]
    )
    assert report.refused == [] and len(report.published) == 2
    assert _acquisition_row(services, "AO 3/2022/LNRN") == first
    # The view of a resource read its steps from the preload: the same as the database's.
    shown = report.views[report.published[0]].acquisition
    assert {s["id"]: (s["status"], s["date"], s["note"]) for s in shown["steps"]} == first[2]
    assert resources.get(report.published[1]).acquisition == resources.get(a).acquisition

    clock.advance(60)
    # A later resource brings news (a step's note, the end date): the shared row takes it.
    news = {
        **tender,
        "completed_on": "2022-09-30",
        "steps": [{"id": "approbation", "note": "approuvé par le ministère"}],
    }
    assert writer.write([Incoming("d", record(4), acquisition=news)]).refused == []
    updated_at, started_on, steps = _acquisition_row(services, "AO 3/2022/LNRN")
    assert updated_at > first[0] and started_on == "2022-01-10"
    assert steps["approbation"] == ("done", None, "approuvé par le ministère")
    assert steps["cps"] == first[2]["cps"]
    assert resources.get(a).acquisition["completed_on"] == "2022-09-30"


def test_the_demo_gives_each_tender_one_history(services, resources, clock):
    from catalogue.services.demo import Demo

    Demo(resources, seed=7, batch_size=100).run(1500, progress=lambda _n: clock.advance(60))
    with services.db.session() as session:
        shared = session.execute(
            select(Resource.acquisition_id, func.count())
            .group_by(Resource.acquisition_id)
            .having(func.count() > 1)
        ).all()
        rewritten = session.scalar(
            select(func.count())
            .select_from(Acquisition)
            .where(Acquisition.updated_at != Acquisition.created_at)
        )
    # Several resources name one tender, across batches; none of them re-dates it.
    assert len(shared) >= 5, shared
    assert rewritten == 0


def test_a_pipelined_ingest_shows_each_resource_its_own_publication_time(
    services, resources, clock
):
    # The next batch is planned (its renderings made) while this one is stored: the clock
    # moves between the two, and the renderings must still show the rows' time.
    items = [Incoming(f"p{n}", record(n), resource_id=f"p-{n:04d}") for n in range(9)]
    resources.bulk(actor=SYSTEM, publication=Publication("PV 5")).run(
        items, batch_size=3, progress=lambda _batch: clock.advance(90)
    )
    with services.db.session() as session:
        rows = session.execute(
            select(Resource.id, Resource.published_at, OAIItem.oai_lom).join(
                OAIItem, OAIItem.resource_id == Resource.id
            )
        ).all()
    assert len(rows) == 9 and len({published for _, published, _ in rows}) >= 2
    for rid, published, lom in rows:
        assert f"<dateTime>{published:%Y-%m-%dT%H:%M:%S}" in lom, rid


def test_a_later_batch_sees_an_acquisition_changed_since_the_earlier_one(
    services, resources, clock
):
    # A bulk ingest keeps the steps it read between batches, as long as the acquisition's
    # updated_at says nobody changed it; here staff re-date a step meanwhile.
    tender = {
        "mode": "achat",
        "reference": "AO 8/2023/LNRN",
        "counterpart": "Éditions Atlas",
        "steps": [{"id": "cps", "date": "2023-02-01"}],
    }
    writer = resources.bulk(actor=SYSTEM, publication=Publication("PV 2/2023"))
    (a,) = writer.write([Incoming("a", record(1), acquisition=tender)]).published
    writer.write([Incoming("b", record(2), acquisition=tender)])  # read, kept, unchanged
    clock.advance(60)
    view = resources.get(a)
    redated = {**tender, "steps": [{"id": "cps", "date": "2023-03-15"}]}
    resources.set_acquisition(LEAD, a, redated, expected_version=view.version)
    assert _acquisition_row(services, "AO 8/2023/LNRN")[2]["cps"][1] == "2023-03-15"
    clock.advance(60)
    # The next batch names the tender with its first date again: that is news to the row.
    assert writer.write([Incoming("c", record(3), acquisition=tender)]).refused == []
    assert _acquisition_row(services, "AO 8/2023/LNRN")[2]["cps"][1] == "2023-02-01"


def test_the_steps_kept_between_batches_stay_bounded(services, resources, monkeypatch):
    import catalogue.services.unit_of_work as unit_of_work

    monkeypatch.setattr(unit_of_work, "SEEN_STEPS", 1)  # forget them at every batch
    writer = resources.bulk(actor=SYSTEM, publication=Publication("PV 3/2023"))
    tenders = [
        {"mode": "achat", "reference": f"AO {n}/2023/LNRN", "counterpart": "Éditions Atlas"}
        for n in range(3)
    ]
    for batch in range(3):
        items = [
            Incoming(f"{batch}-{n}", record(10 * batch + n), acquisition=tender)
            for n, tender in enumerate(tenders)
        ]
        report = writer.write(items)
        assert report.refused == [] and len(report.published) == 3
    assert len(writer._steps_seen) <= len(tenders)
