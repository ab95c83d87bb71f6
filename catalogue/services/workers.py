"""Worker processes for the CPU work of an ingest (record preparation, import reading).

Started with ``forkserver`` (never ``fork``: the portal and the index drainer run
threads), the module that does the work imported once per worker, and each worker
watches the process it works for: a ``kill -9`` of an import leaves none behind (they
are the forkserver's children, not the import's).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Self

from core.collector import tune_for_bulk

#: Seconds between two checks, in a worker, that the process it works for is alive.
PARENT_CHECK = 2.0


def process_pool(procs: int, *, preload: str) -> ProcessPoolExecutor:
    """``procs`` worker processes that have imported module ``preload``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(
        max_workers=procs,
        mp_context=context,
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


def start_worker(parent: int) -> None:
    """In a new worker: it does bulk work until it ends, for process ``parent``."""
    tune_for_bulk()
    follow_parent(parent)


def follow_parent(parent: int) -> None:
    """In a worker: exit when process ``parent`` is gone."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def default_procs(configured: int) -> int:
    """Worker processes: as configured, else one per core (1 means: in this process)."""
    return configured if configured > 0 else max(1, os.cpu_count() or 1)


class WorkerPool:
    """A pool of ``procs`` worker processes started on first use and shut down by
    :meth:`close` (or the ``with`` block); ``preload``: the module the workers run."""

    def __init__(self, procs: int, *, preload: str) -> None:
        self.procs = max(1, procs)
        self._preload = preload
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = process_pool(self.procs, preload=self._preload)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
