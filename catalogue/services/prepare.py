"""What a record needs before it is stored, computed once, in worker processes when it pays.

For each record of a bulk ingest: validation (when the caller has not validated it
already), its title fields, its OAI set specs and — when it is published — its three
OAI-PMH renderings. All of it is a pure function of the record, its id and its
provenance summary, so it runs the same in this process or in another one
(:class:`Preparer`): the database work stays in the writing process, the CPU work
spreads over the cores.

Worker processes come from :mod:`.workers`; a batch is cut into chunks so that one
worker handles many records per message. The writing process is one of the preparers:
``procs`` preparers are ``procs - 1`` worker processes and the writer, which prepares a
chunk itself whenever it would otherwise wait for one still queued (:meth:`Preparer._results`).
On two cores, one worker beside the writer (and the index follower) cost 12 % less CPU
per record than two workers, measured: four busy processes on two cores slow each other
down (docs/benchmarks.md), while the writer's waits are filled by its own share.
"""

from __future__ import annotations

import logging
import pickle
import resource
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from metadata_schemas.record import load_record

from ..store.database import encode_json
from .oai_records import render, set_specs
from .unit_of_work import _strip_catalogue_ids, _title_fields
from .workers import WorkerPool

log = logging.getLogger(__name__)

#: Records sent to a worker at a time (amortises the messages between processes).
CHUNK = 25
#: Below this many records per batch, workers cost more than they save.
MIN_PARALLEL = 200


@dataclass(frozen=True)
class Job:
    """One record to prepare. ``provenance``: its summary when it is published now."""

    resource_id: str
    record: dict[str, Any]
    acquisition_mode: str | None
    provenance: dict[str, Any] | None
    validate: bool


@dataclass(frozen=True)
class Prepared:
    #: None only between a worker and :meth:`Preparer.submit`: the one given (see _reply).
    record: dict[str, Any] | None
    title: str
    title_key: str
    sets: list[str]
    rendered: dict[str, str] | None
    #: Why the record was refused (validation or rendering), in the message's own words.
    error: Exception | None = None
    #: ``record`` as its JSON column stores it (:func:`~catalogue.store.database.encode_json`).
    record_json: str | None = None


@dataclass(frozen=True)
class Target:
    """Where renderings point: the repository's id and public address."""

    repository_id: str
    base_url: str | None


def prepare(job: Job, target: Target) -> Prepared:
    try:
        record = load_record(job.record, record=job.resource_id) if job.validate else job.record
        record = _strip_catalogue_ids(record)
        title, key = _title_fields(record)
        rendered = (
            render(
                record,
                resource_id=job.resource_id,
                provenance=job.provenance,
                repository_id=target.repository_id,
                base_url=target.base_url,
            )
            if job.provenance is not None
            else None
        )
        sets = set_specs(record, job.acquisition_mode)
        return Prepared(record, title, key, sets, rendered, record_json=encode_json(record))
    except Exception as exc:  # one record refused, never the batch
        return Prepared(job.record, "", "", [], None, error=_portable(exc))


def _portable(exc: Exception) -> Exception:
    """``exc`` if it crosses a process boundary intact, else a plain one saying the same."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return ValueError(" ".join(str(exc).split()))


def _prepare_chunk(jobs: list[Job], target: Target) -> list[Prepared]:
    return [prepare(job, target) for job in jobs]


def _prepare_in_worker(jobs: list[Job], target: Target) -> tuple[list[Prepared], float, int]:
    """A chunk prepared in a worker, with the CPU seconds it took and the worker's peak
    memory in KiB (for benchmarks: the workers are not this process's children)."""
    started = time.process_time()
    prepared = list(map(_reply, jobs, _prepare_chunk(jobs, target)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return prepared, time.process_time() - started, peak


def _reply(job: Job, prepared: Prepared) -> Prepared:
    """What a worker sends back: without the record when it is the one given, to the
    byte in JSON (canonical input: most records). The writing process has that one
    already; unpickling it again there cost as much as storing it."""
    if prepared.record_json is None:
        return prepared
    try:
        given = encode_json(job.record)
    except (TypeError, ValueError):  # not JSON as given: the prepared record goes back
        return prepared
    return replace(prepared, record=None) if given == prepared.record_json else prepared


def _given(job: Job, prepared: Prepared) -> Prepared:
    return prepared if prepared.record is not None else replace(prepared, record=job.record)


class Preparer(WorkerPool):
    """Prepares batches of records, in ``procs`` worker processes when it pays."""

    def __init__(self, target: Target, *, procs: int = 1) -> None:
        self.target = target
        #: Preparers, the writing process included (1: all of it in this process).
        self.preparers = max(1, procs)
        super().__init__(self.preparers - 1, preload=__name__)
        #: CPU seconds the worker processes spent preparing (their own clock).
        self.worker_cpu = 0.0
        self.worker_peak_kib = 0
        #: Chunks sent to the workers, and those of them the writing process prepared
        #: itself rather than wait for a worker.
        self.chunks = 0
        self.chunks_here = 0

    def submit(self, jobs: Sequence[Job]) -> Iterator[Prepared] | list[Prepared]:
        """Start preparing ``jobs``; the results come, in order, when iterated.

        In worker processes the work starts now, so the caller can store the previous
        batch meanwhile.
        """
        if self.preparers <= 1 or len(jobs) < MIN_PARALLEL:
            return _prepare_chunk(list(jobs), self.target)
        pool = self._executor()
        chunks = [list(jobs[i : i + CHUNK]) for i in range(0, len(jobs), CHUNK)]
        self.chunks += len(chunks)
        futures: list[Future[tuple[list[Prepared], float, int]]] = [
            pool.submit(_prepare_in_worker, chunk, self.target) for chunk in chunks
        ]
        return self._results(chunks, futures)

    def _results(
        self, chunks: list[list[Job]], futures: list[Future[tuple[list[Prepared], float, int]]]
    ) -> Iterator[Prepared]:
        here: dict[int, list[Prepared]] = {}
        tail = len(chunks) - 1  # the last chunk the writer has not taken
        for index, (chunk, future) in enumerate(zip(chunks, futures, strict=True)):
            # Rather than wait: take the last chunk no worker has started (a cancelled
            # future never runs). Workers start chunks in order, so the first one that
            # cannot be cancelled ends the taking.
            while tail >= index and not future.done() and futures[tail].cancel():
                here[tail] = _prepare_chunk(chunks[tail], self.target)
                self.chunks_here += 1
                tail -= 1
            if index in here:
                yield from here.pop(index)
                continue
            prepared, seconds, peak = future.result()
            self.worker_cpu += seconds
            self.worker_peak_kib = max(self.worker_peak_kib, peak)
            yield from map(_given, chunk, prepared)
