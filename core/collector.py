"""CPython's cyclic garbage collector, set for bulk work.

A bulk ingest allocates millions of short-lived containers (records as dicts, rows,
XML elements, pickled messages between processes). With CPython's default threshold
the collector runs every 700 allocations, i.e. several times per record, and its
older generations walk again and again every long-lived object of the process
(vocabularies, procedures, compiled schemas, modules): measured, a third of the main
process's CPU in a demo ingest. For bulk work the objects alive when it starts are
frozen (:func:`gc.freeze`: never walked again) and the youngest generation is
collected every :data:`BULK_THRESHOLD` allocations. Cycles are still collected,
later; the records themselves hold none.

Each young collection walks what is alive at that moment (a batch or two in flight),
whatever the threshold: measured in a 20,000-record demo ingest, 49 collections at a
threshold of 50,000 cost the main process 2.4 s (0.12 ms a record) and collected almost
nothing; at 1,000,000, one collection costs 0.4 s. The cyclic garbage that does appear
(SQLAlchemy's instance states, a few per record) waits a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between two collections of the youngest generation during bulk work.
BULK_THRESHOLD = 1_000_000


def tune_for_bulk() -> None:
    """For a process that does bulk work until it ends (a worker): freeze what it holds
    now and collect less often."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(BULK_THRESHOLD, middle, old)


@contextmanager
def bulk_collection() -> Iterator[None]:
    """:func:`tune_for_bulk` for the time of a ``with`` block, then as it was."""
    before = gc.get_threshold()
    tune_for_bulk()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
