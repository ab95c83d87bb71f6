"""The requests the backend makes to a cluster, over the engine's official client.

:class:`EngineClient` holds one ``elasticsearch`` or ``opensearch-py`` client (see
:mod:`indexer.elastic.connection`) and adds what they lack:

* **a time budget per call**: a search gets ``search_timeout`` seconds (default 2) in
  all, retries included; writes and index operations ``write_timeout`` (default 60);
* **retries with back-off** on what another try can cure: a refused or reset connection,
  a timeout, and answers 429/502/503/504 (also per item of a ``_bulk``: only the failed
  items are sent again). A node that fails is set aside by the client's node pool, so the
  next try goes to another node at once; after a busy answer, and for further tries, the
  client waits 50 ms, 100 ms, 200 ms … (with jitter), never past the budget;
* **an outage is logged once**: when the cluster stops answering, one error line with the
  cause; while it is down every call fails at once with
  :class:`~indexer.model.SearchUnavailable` for ``retry_after`` seconds (no page waits on
  a dead cluster), then one call tries again; one line when it answers again.

What a caller sees: a result, :class:`~indexer.model.SearchUnavailable` (try again later;
the portal answers 503), or :class:`EngineError` (the cluster refused the request: a bug or
a misconfiguration, with the engine's reason).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_, Message

from ..model import SearchError, SearchUnavailable
from .connection import Connection, Failure, classify, error_reason, official_client
from .outage import Outage

# The clients log every failed request and every node they set aside; an outage is
# logged here, once, with its cause.
for _name in ("elastic_transport", "opensearch"):
    logging.getLogger(_name).setLevel(logging.ERROR)

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
BACKOFF_FIRST = 0.05  # seconds before the second retry; doubles each time
BACKOFF_MAX = 2.0
MIN_ATTEMPT = 0.05  # an attempt with less time than this left is not made
BULK_ITEM_OK = frozenset({200, 201})
BULK_SHARD_WAIT = 10  # seconds


class EngineError(SearchError):
    """The cluster refused a request in a way retrying does not cure."""

    def __init__(
        self, key: str, message: Message, *, status: int | None = None, reason: str = ""
    ) -> None:
        self.status = status
        self.reason = reason  # the engine's error type (index_not_found_exception, …)
        super().__init__(key, **message.params)
        self.msg = message


def refused(engine: str, failure: Failure, what: str = "") -> EngineError:
    detail = f"{failure.type}: {failure.reason}" if failure.type else failure.reason
    return EngineError(
        "search_failed",
        Message(
            N_("The search engine (%(engine)s) refused the request (%(status)s): %(detail)s"),
            engine=engine,
            status=failure.status,
            detail=f"{what} {detail}".strip(),
        ),
        status=failure.status,
        reason=failure.type,
    )


class Busy(Exception):
    """Raised inside a call when a 200 answer holds a retryable failure (an ``_msearch``
    part refused with 429 while a node is overloaded): retried like a failed request."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.cause)
        self.failure = failure


class EngineClient:
    """The cluster calls of :class:`~indexer.elastic.backend.ElasticBackend`."""

    def __init__(
        self,
        connection: Connection,
        *,
        clock: Clock = SYSTEM_CLOCK,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.engine = connection.engine
        self.clock = clock
        self.sleep = sleep
        self.outage = Outage(connection.label, connection.retry_after, clock)
        self._client: Any = None
        self._client_lock = threading.Lock()

    @property
    def official(self) -> Any:
        """The engine's own client (built at first use: nothing is contacted before)."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = official_client(self.connection)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the retry loop ----------------------------------------------------------------

    def _bound(self, timeout: float) -> tuple[Any, dict[str, Any]]:
        """The client and the keyword arguments that give one request ``timeout`` seconds."""
        if self.engine == "elasticsearch":
            return self.official.options(request_timeout=timeout), {}
        return self.official, {"request_timeout": timeout}

    def call(
        self,
        fn: Callable[[Any, dict[str, Any]], Any],
        *,
        budget: float | None = None,
        allow: tuple[int, ...] = (),
        reads: bool = False,
    ) -> Any:
        """``fn(client, kwargs)`` within ``budget`` seconds (default: the write budget),
        retried as the module docstring says. A status in ``allow`` is returned as a
        :class:`Failure` instead of raising (404 of an index that may be missing).
        ``reads``: the first try of a search gets half the budget when there are other
        nodes, so a node that hangs leaves time to ask another."""
        budget = self.connection.write_timeout if budget is None else budget
        self.outage.check()
        deadline = self.clock.monotonic() + budget
        first = budget / 2 if reads and len(self.connection.hosts) > 1 else budget
        attempt = 0
        while True:
            left = deadline - self.clock.monotonic()
            try:
                client, kwargs = self._bound(
                    max(min(left, first) if not attempt else left, MIN_ATTEMPT)
                )
                answer = fn(client, kwargs)
            except Exception as exc:
                failure = exc.failure if isinstance(exc, Busy) else classify(self.engine, exc)
                if failure is None:
                    raise
                if failure.kind == "status" and failure.status in allow:
                    self.outage.succeeded()
                    return failure
                if failure.kind == "status" and failure.status not in RETRYABLE_STATUS:
                    self.outage.succeeded()  # it answered: it is up
                    raise refused(self.engine, failure) from None
                attempt += 1
                pause = self._pause(attempt, failure)
                if attempt > self.connection.retries or (
                    self.clock.monotonic() + pause + MIN_ATTEMPT > deadline
                ):
                    raise self.outage.failed(failure.cause or f"HTTP {failure.status}") from None
                if pause:
                    self.sleep(pause)
                continue
            self.outage.succeeded()
            return answer

    @staticmethod
    def _pause(attempt: int, failure: Failure) -> float:
        """Before retry number ``attempt``: 50 ms, 100 ms, 200 ms … (± jitter) after a busy
        answer; after a failed connection, none first (the pool has set the node aside: the
        next try goes to another), then the same steps."""
        steps = attempt - 1 if failure.kind == "status" else attempt - 2
        if steps < 0:
            return 0.0
        step = min(BACKOFF_MAX, BACKOFF_FIRST * 2.0**steps)
        return step * (0.5 + random.random() / 2)

    # -- index lifecycle --------------------------------------------------------------

    def create_index(self, name: str, body: dict) -> Failure | None:
        """Create ``name``; a 400 (it exists already, or the name is taken) is returned."""
        answer = self.call(
            lambda c, kw: c.indices.create(index=name, body=body, **kw), allow=(400,)
        )
        return answer if isinstance(answer, Failure) else None

    def delete_index(self, name: str) -> None:
        self.call(lambda c, kw: c.indices.delete(index=name, **kw), allow=(404,))

    def put_settings(self, name: str, settings: dict) -> None:
        self.call(lambda c, kw: c.indices.put_settings(index=name, body={"index": settings}, **kw))

    def put_meta(self, name: str, meta: dict) -> None:
        self.call(lambda c, kw: c.indices.put_mapping(index=name, body={"_meta": meta}, **kw))

    def meta(self, name: str) -> dict:
        answer: dict[str, dict] = decoded(
            self.call(lambda c, kw: c.indices.get_mapping(index=name, **kw))
        )
        for info in answer.values():
            return dict(info.get("mappings", {}).get("_meta", {}))
        return {}

    def refresh(self, name: str) -> None:
        self.call(lambda c, kw: c.indices.refresh(index=name, **kw))

    def aliases(self, alias: str) -> list[str]:
        """Indices the alias points to (empty if it does not exist)."""
        # a quick read, on the path of every first search: the search budget
        answer = self.call(
            lambda c, kw: c.indices.get_alias(name=alias, **kw),
            allow=(404,),
            budget=self.connection.search_timeout,
        )
        if isinstance(answer, Failure):
            return []
        return sorted(k for k in decoded(answer) if k not in ("status", "error"))

    def index_exists(self, name: str) -> bool:
        return bool(
            self.call(
                lambda c, kw: c.indices.exists(index=name, **kw),
                budget=self.connection.search_timeout,
            )
        )

    def indices(self, pattern: str) -> dict[str, dict]:
        """``{index: {"aliases": …, "settings": …}}`` for names matching ``pattern``."""
        found: dict[str, dict] = decoded(
            self.call(
                lambda c, kw: c.indices.get(
                    index=pattern,
                    expand_wildcards="open,closed",
                    allow_no_indices=True,
                    ignore_unavailable=True,
                    **kw,
                )
            )
        )
        return found

    def update_aliases(self, actions: list[dict]) -> None:
        """Applied atomically by the engine: readers see the old or the new state, never both."""
        self.call(lambda c, kw: c.indices.update_aliases(body={"actions": actions}, **kw))

    def wait_for_copies(self, name: str, *, budget: float) -> bool:
        """Wait until every copy (primary and replicas) of ``name`` is allocated: True if so."""
        answer = decoded(
            self.call(
                lambda c, kw: c.cluster.health(
                    index=name, wait_for_status="green", timeout=f"{int(budget)}s", **kw
                ),
                budget=budget + 5,
            )
        )
        return not answer.get("timed_out") and answer.get("status") == "green"

    def store_size(self, name: str) -> tuple[int, int]:
        """Bytes on disk of ``name``: (primaries, all copies)."""
        stats = decoded(self.call(lambda c, kw: c.indices.stats(index=name, metric="store", **kw)))
        total = stats["_all"]
        return (
            int(total["primaries"]["store"]["size_in_bytes"]),
            int(total["total"]["store"]["size_in_bytes"]),
        )

    def data_nodes(self) -> int:
        answer = decoded(self.call(lambda c, kw: c.cluster.health(**kw)))
        return int(answer.get("number_of_data_nodes", 1))

    def cluster_health(self) -> dict:
        """Status and node count, within the search budget (for /health)."""
        health: dict = decoded(
            self.call(lambda c, kw: c.cluster.health(**kw), budget=self.connection.search_timeout)
        )
        return health

    # -- documents --------------------------------------------------------------------

    def bulk(
        self,
        lines: list[dict],
        *,
        refresh: str | None = None,
        conflicts_ok: bool = False,
        budget: float | None = None,
    ) -> None:
        """``_bulk``; items refused with a retryable status (a shard moving after a node
        left) are sent again within ``budget`` (default: the write budget); any other failed
        item raises (404 on a delete is not a failure, nor a version conflict (409) when
        ``conflicts_ok``: a newer write won, as intended)."""
        deadline = self.clock.monotonic() + (budget or self.connection.write_timeout)
        attempt = 0
        # the engine waits this long for a primary shard being moved, then answers 503
        # and the items are sent again here (instead of one request hanging for its minute)
        extra: dict[str, Any] = {"timeout": f"{BULK_SHARD_WAIT}s"}
        if refresh:
            extra["refresh"] = refresh
        while lines:
            left = max(deadline - self.clock.monotonic(), MIN_ATTEMPT)

            def send(client: Any, kwargs: dict[str, Any], operations: list = lines) -> Any:
                return client.bulk(body=operations, **extra, **kwargs)

            try:
                answer = decoded(self.call(send, budget=left))
            except SearchUnavailable:
                wait = min(float(self.connection.retry_after), deadline - self.clock.monotonic())
                if wait <= 0:
                    raise
                self.sleep(wait)  # the cluster is unreachable: try again after its pause
                continue
            if not answer.get("errors"):
                return
            again: list[dict] = []
            grouped = _operations(lines)
            for n, item in enumerate(answer.get("items", [])):
                ((op, result),) = item.items()
                status = int(result.get("status", 200))
                if status in BULK_ITEM_OK or (op == "delete" and status == 404):
                    continue
                if conflicts_ok and status == 409:
                    continue
                kind, reason = error_reason(result)
                failure = Failure("status", status, kind, reason, f"{op} {result.get('_id')}")
                if status not in RETRYABLE_STATUS:
                    raise refused(self.engine, failure, f"{op} {result.get('_id')}:")
                again += grouped[n]
            attempt += 1
            pause = self._pause(attempt, Failure("status"))
            if self.clock.monotonic() + pause > deadline:
                raise self.outage.failed(f"bulk: {len(again) // 2}+ items not accepted in time")
            self.sleep(pause)
            lines = again

    def search(self, index: str, body: dict) -> dict:
        answer: dict = decoded(
            self.call(
                lambda c, kw: c.search(index=index, body=body, **kw),
                budget=self.connection.search_timeout,
                reads=True,
            )
        )
        return answer

    def msearch(self, index: str, bodies: list[dict]) -> list[dict]:
        """Several searches in one round trip; a failed one raises like a failed request."""
        lines: list[dict] = []
        for body in bodies:
            lines += ({}, body)

        def run(client: Any, kwargs: dict[str, Any]) -> list[dict]:
            responses: list[dict] = decoded(client.msearch(index=index, body=lines, **kwargs))[
                "responses"
            ]
            for response in responses:
                if "error" in response:
                    kind, reason = error_reason(response)
                    status = int(response.get("status", 500))
                    failure = Failure("status", status, kind, reason, f"msearch: {kind}")
                    if status in RETRYABLE_STATUS:
                        raise Busy(failure)
                    raise refused(self.engine, failure)
            return responses

        found: list[dict] = self.call(run, budget=self.connection.search_timeout, reads=True)
        return found

    def count(self, index: str) -> int:
        answer = self.call(
            lambda c, kw: c.count(index=index, **kw), budget=self.connection.search_timeout
        )
        return int(decoded(answer)["count"])


def decoded(answer: Any) -> Any:
    """The decoded JSON of an answer (Elasticsearch wraps it in an ``ObjectApiResponse``)."""
    return answer if isinstance(answer, (dict, list)) else answer.body


def _operations(lines: list[dict]) -> list[list[dict]]:
    """The NDJSON lines of a bulk request grouped by operation (a delete is one line)."""
    out: list[list[dict]] = []
    position = 0
    while position < len(lines):
        size = 1 if "delete" in lines[position] else 2
        out.append(lines[position : position + size])
        position += size
    return out
