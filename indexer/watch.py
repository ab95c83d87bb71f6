"""An index found empty (or missing) while the catalogue has published resources is rebuilt
from the database, by itself.

The index is derived state: the database is the source. A cluster restored empty, an index
deleted by mistake, a Whoosh folder wiped — each leaves search answering nothing until
someone runs ``mawarid reindex``. :class:`IndexWatch` looks every :data:`INTERVAL` seconds
(one ``count()``); when the index has held no document at :data:`CONFIRM` looks in a row
while the catalogue has published resources, it runs the rebuild in a background thread.
The backends' rebuild is atomic (a new index, then an alias or ``CURRENT`` switch), so
searches keep being served by what serves now until the new index is complete, and two
processes cannot rebuild at once (the second gets ``rebuild_in_progress`` and leaves it to
the first). An unreachable engine is not "empty": nothing is done until it answers.

The runtime builds the watch (``Runtime.index_watch``) with two functions over
the catalogue — how many resources are published, and the rebuild itself — since the
indexer never reads the catalogue; the serving processes start it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .model import SearchBackend, SearchError

log = logging.getLogger(__name__)

INTERVAL = 30.0  # seconds between looks
CONFIRM = 2  # looks in a row that must find the index empty


class IndexWatch:
    def __init__(
        self,
        backend: SearchBackend,
        *,
        published: Callable[[], int],
        rebuild: Callable[[], int],
        interval: float = INTERVAL,
        confirm: int = CONFIRM,
    ) -> None:
        self.backend = backend
        self.published = published
        self.rebuild = rebuild
        self.interval = interval
        self.confirm = confirm
        self.rebuilds = 0  # rebuilds this watch completed
        self._empty_looks = 0
        self._worker: threading.Thread | None = None
        self._loop: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def rebuilding(self) -> bool:
        worker = self._worker
        return worker is not None and worker.is_alive()

    def check(self) -> bool:
        """One look; True when it started a rebuild."""
        if self.rebuilding:
            return False
        try:
            documents = self.backend.count()
        except SearchError:  # unreachable or refusing: not known to be empty
            self._empty_looks = 0
            return False
        if documents:
            self._empty_looks = 0
            return False
        self._empty_looks += 1
        if self._empty_looks < self.confirm or not self.published():
            return False
        with self._lock:
            if self.rebuilding:
                return False
            self._worker = threading.Thread(
                target=self._rebuild, name="mawarid-index-rebuild", daemon=True
            )
            self._worker.start()
        return True

    def _rebuild(self) -> None:
        log.warning("the search index is empty: rebuilding it from the database")
        try:
            count = self.rebuild()
        except SearchError as exc:
            if exc.key == "rebuild_in_progress":
                log.info("the index is being rebuilt by another process")
            else:
                log.error("rebuilding the empty index failed: %s", exc)
        except Exception:
            log.exception("rebuilding the empty index failed")
        else:
            self.rebuilds += 1
            log.warning("the search index was rebuilt from the database: %d resources", count)
        finally:
            self._empty_looks = 0

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a running rebuild to end (tests, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def start(self) -> None:
        """Look every ``interval`` seconds in a background thread, until :meth:`stop`."""
        if self._loop is not None:
            return
        self._stop.clear()
        self._loop = threading.Thread(target=self._run, name="mawarid-index-watch", daemon=True)
        self._loop.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watch must outlive any surprise
                log.exception("index watch")

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.join(timeout=5)
            self._loop = None
