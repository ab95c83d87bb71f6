"""The read side of an import, in worker processes when it pays.

Reading a partner's record (safe parsing, detection, the family's reader, crosswalks,
acceptance, notes: :func:`.incoming.incoming`) is pure CPU work on the bytes of one
item, so :class:`Reader` spreads the items over worker processes and gives back what
was read **in the order of the items**, as if read here: each item's records (or its
refusal) unchanged, so the report, its order and the exit status do not depend on
where a record was read.

This process keeps what needs it: listing folders and archives (:mod:`.sources`: the
limits on sizes, links and zip bombs, one budget per archive), the items refused
before reading, and the rare item that reads another file of its package (a SCORM
manifest's ``adlcp:location``): a worker notices the request and that item is read
again here, with its package. An item whose reading fails in a worker, or whose
result does not cross the process boundary intact, is read here too, so the outcome
and its message are exactly those of a reading in this process.

Workers start as :mod:`catalogue.services.prepare`'s do (``forkserver``, never
``fork``: the portal runs threads; each worker exits when the process it reads for is
gone, so a ``kill -9`` of an import leaves none behind).
"""

from __future__ import annotations

import pickle
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future

from ..services.workers import WorkerPool
from .incoming import Incoming, incoming
from .sources import Item, Package

#: Items sent to a worker at a time (amortises the messages between processes).
CHUNK = 16
#: Chunks in flight per worker: enough to keep the workers busy while this process
#: writes a batch, few enough to keep memory flat (items hold their bytes).
AHEAD = 8
#: Below this many items to read, workers cost more than they save.
MIN_PARALLEL = 64

#: An item as sent to a worker: label, kind, bytes, the provenance document beside it.
_Sent = tuple[str, str, bytes, bytes | None]
#: What a worker sends back: each item's records pickled (None: read it here), and the
#: CPU seconds it took.
_Read = tuple[list[bytes | None], float]


class Reader(WorkerPool):
    """Reads items (:func:`.incoming.incoming`) in ``procs`` worker processes when it
    pays; in this process when ``procs`` is 1 or the items are few."""

    def __init__(self, procs: int = 1) -> None:
        super().__init__(procs, preload=__name__)
        #: CPU seconds the worker processes spent reading (their own clock: benchmarks).
        self.worker_cpu = 0.0

    def read(self, items: Iterable[Item]) -> Iterator[tuple[Item, list[Incoming]]]:
        """Each item with its records, in order (no records for an item refused or
        ignored before reading: its ``error`` or ``kind`` says so)."""
        source = iter(items)
        if self.procs <= 1:
            for item in source:
                yield item, _here(item)
            return
        # Start the workers only for an import large enough to pay for them.
        first: list[Item] = []
        readable = 0
        for item in source:
            first.append(item)
            readable += _readable(item)
            if readable >= MIN_PARALLEL:
                break
        else:
            for item in first:
                yield item, _here(item)
            return
        yield from self._parallel(iter([*first, *source]))

    def _parallel(self, source: Iterator[Item]) -> Iterator[tuple[Item, list[Incoming]]]:
        pool = self._executor()
        # Items in order, each with the chunk that reads it and its place in that chunk.
        waiting: deque[tuple[Item, Future[_Read] | None, int]] = deque()
        in_flight: deque[Future[_Read]] = deque()
        chunk: list[Item] = []

        def send() -> None:
            future = pool.submit(_read_chunk, [_sent(i) for i in chunk])
            for place, item in enumerate(chunk):
                waiting.append((item, future, place))
            in_flight.append(future)
            chunk.clear()

        def ready() -> Iterator[tuple[Item, list[Incoming]]]:
            """What is read at the head of the queue, in order."""
            while waiting and (waiting[0][1] is None or waiting[0][1].done()):
                item, future, place = waiting.popleft()
                yield item, (_here(item) if future is None else self._received(item, future, place))

        for item in source:
            if _readable(item):
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    send()
            elif chunk:  # keep the order: this one waits behind the chunk being filled
                send()
            if not _readable(item):
                waiting.append((item, None, 0))
            while len(in_flight) > self.procs * AHEAD:
                in_flight.popleft().result()  # wait for the oldest chunk: memory stays flat
            while in_flight and in_flight[0].done():
                in_flight.popleft()
            yield from ready()
        if chunk:
            send()
        while waiting:
            item, future, place = waiting.popleft()
            yield item, (_here(item) if future is None else self._received(item, future, place))

    def _received(self, item: Item, future: Future[_Read], place: int) -> list[Incoming]:
        read, seconds = future.result()
        if place == 0:  # once per chunk
            self.worker_cpu += seconds
        pickled = read[place]
        if pickled is None:
            return _here(item)
        try:
            records: list[Incoming] = pickle.loads(pickled)
        except Exception:  # a refusal that does not cross processes intact: read it here
            return _here(item)
        return records


def _readable(item: Item) -> bool:
    return item.error is None and item.kind != "ignored"


def _here(item: Item) -> list[Incoming]:
    return list(incoming(item)) if _readable(item) else []


def _sent(item: Item) -> _Sent:
    return (item.label, item.kind, item.data, item.sidecar)


class _Probe(Package):
    """A worker's package: notes that the item wants another file of it (read here)."""

    def __init__(self) -> None:
        super().__init__(lambda _: None)
        self.asked = False

    def read(self, href: str) -> bytes | None:
        self.asked = True
        return None


def _read_chunk(sent: list[_Sent]) -> _Read:
    """In a worker: each item's records, pickled (None: read it in the parent)."""
    started = time.process_time()
    out: list[bytes | None] = []
    for label, kind, data, sidecar in sent:
        probe = _Probe()
        try:
            records = list(incoming(Item(label, kind, data, sidecar, package=probe)))
            out.append(None if probe.asked else pickle.dumps(records, pickle.HIGHEST_PROTOCOL))
        except Exception:  # read again in the parent, which reports it as it always has
            out.append(None)
    return out, time.process_time() - started
