"""Whether a cluster answers: an outage is logged once, and calls fail at once while it lasts.

When every try of a request has failed (:mod:`indexer.elastic.client`), the cluster is
*down*: one error line with the cause (it may name nodes: the log is for operators), and for
``retry_after`` seconds every call fails at once with
:class:`~indexer.model.SearchUnavailable` — no page waits on a dead cluster. Then one call
tries again (the others keep failing at once meanwhile); the first success ends the outage
with one more line.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from core.clock import Clock

from ..model import SearchUnavailable

log = logging.getLogger(__name__)


class Outage:
    """Whether the cluster answers; see the module docstring (logged once, fail fast)."""

    def __init__(self, label: str, retry_after: int, clock: Clock) -> None:
        self.label = label
        self.retry_after = retry_after
        self.clock = clock
        self.down_since: float | None = None
        self.cause = ""
        self._next_try = 0.0
        self._lock = threading.Lock()

    def unavailable(self, cause: str) -> SearchUnavailable:
        return SearchUnavailable(engine=self.label, cause=cause, retry_after=self.retry_after)

    def check(self) -> None:
        """Raise at once while the cluster is known down and its pause has not elapsed."""
        with self._lock:
            if self.down_since is None:
                return
            now = self.clock.monotonic()
            if now < self._next_try:
                raise self.unavailable(self.cause)
            self._next_try = now + self.retry_after  # this caller tries; others wait

    def failed(self, cause: str) -> SearchUnavailable:
        with self._lock:
            now = self.clock.monotonic()
            if self.down_since is None:
                self.down_since = now
                log.error(
                    "search engine %s unavailable: %s (searches answer 503 and are retried "
                    "every %d s)",
                    self.label,
                    cause,
                    self.retry_after,
                )
            self.cause = cause
            self._next_try = now + self.retry_after
        return self.unavailable(cause)

    def succeeded(self) -> None:
        if self.down_since is None:  # the common case, without the lock
            return
        with self._lock:
            if self.down_since is not None:
                log.warning(
                    "search engine %s answers again after %.0f s",
                    self.label,
                    self.clock.monotonic() - self.down_since,
                )
                self.down_since = None
                self.cause = ""

    def state(self) -> dict[str, Any]:
        if self.down_since is None:
            return {"ok": True}
        return {"ok": False, "down_for": round(self.clock.monotonic() - self.down_since, 1)}
