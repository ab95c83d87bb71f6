"""The scale-out search backend: Elasticsearch 8 or OpenSearch 2, same answers as Whoosh.

Documents, facet declarations, bucket building, query parsing, snippets and
suggestion ranking are the engine-neutral modules of :mod:`indexer`; this module
only turns them into REST requests (see :mod:`indexer.elastic.mapping` for why text is
analysed in Python). This module holds the index lifecycle; what a search asks of the
engine (query, facets, suggestions) is :mod:`indexer.elastic.query`; how requests reach
the cluster (nodes, retries, time budgets, outages) is :mod:`indexer.elastic.client`.

* **Names.** The URL's path is an *alias* (``mawarid``); the data live in concrete
  indices ``<alias>-<UTC stamp>-<random>`` (``<alias>-0`` for the first, empty one).
  A rebuild fills a new index that carries the alias ``<alias>-building``, then one
  ``_aliases`` call moves the serving alias onto it (atomic for readers) and the old
  index is deleted. If the rebuild fails, the new index is deleted and the alias never
  moved; if the process dies, the next rebuild finds the building index without
  heartbeat (``_meta.heartbeat`` older than :data:`STALE_BUILD_SECONDS`) and removes it.
  Changes written while a rebuild runs (by any process) go to both indices; in the
  building index they carry external version 2 and the rebuild's own writes version 1,
  so a copy the rebuild read *before* an edit or a withdrawal cannot overwrite it (a
  delete leaves a versioned tombstone, kept by ``gc_deletes`` while the build runs).
  The new index is built without replicas (faster); its replicas are made and waited
  for before the alias moves, so the serving index always has its copies.
* **Copies.** Each index has one shard and, by default, ``auto_expand_replicas: 0-1``:
  no replica on a single node, one as soon as the cluster has two (``MAWARID_SEARCH_REPLICAS``
  fixes a number instead). A cluster that loses a node keeps every document.
* **A missing or emptied index.** If the alias vanishes (a cluster restored empty, an
  operator's mistake), the next call finds ``index_not_found``, recreates an empty index
  behind the alias and goes on (searches answer, empty); :meth:`ElasticBackend.index_state`
  says ``missing``/``empty``/``ready`` without creating anything, and
  :class:`indexer.watch.IndexWatch` rebuilds from the database by itself.
* **Query.** Each query word is a clause: the best of its variants per field
  (``dis_max``), fields summed with boosts title^3 keywords^2 description^1, plus a
  constant score for documents filed under a level/subject/type whose labels hold the
  word (:class:`indexer.curriculum.CurriculumLexicon`). Clauses combine with AND; if no
  document has every word, with OR (``relaxed``). User text never reaches a
  query-parsing query (``query_string``): only ``term``/``terms``/``match_phrase`` on
  pre-analysed terms.
* **Facets** (multi-select): the filters go in ``post_filter``; each facet group gets a
  ``filter`` aggregation with the *other* groups' filters, so a facet's counts ignore
  its own selection; ``cycle``/``level`` are one group over the full level paths.
* **Snippets** come from :mod:`indexer.snippets` over the stored descriptions (escaped
  text, our ``<mark>`` only), not from the engine's highlighter: the indexed fields hold
  analysed terms, whose offsets are not those of the original text.
* **Did you mean**: the term suggester over ``words`` (unstemmed title/keyword words);
  **autocomplete**: a prefix over the ``suggest`` keyword terms of :mod:`indexer.suggest`,
  counted with a ``terms`` aggregation, plus the curriculum labels.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from core.messages import N_, Message

from ..curriculum import CurriculumLexicon
from ..documents import build_document
from ..model import IndexableResource, Progress, SearchError, SearchQuery, SearchResult
from ..suggest import curriculum_phrases
from .client import EngineClient, EngineError, refused
from .mapping import index_body, replica_settings, to_source
from .query import ElasticQueries

log = logging.getLogger(__name__)

BULK_DOCS = 500  # documents per _bulk request (a rebuild, a large drain)
HEARTBEAT_SECONDS = 30  # a running rebuild refreshes its index's _meta this often
STALE_BUILD_SECONDS = 300  # a building index without heartbeat for this long is debris
#: A rebuild's writes wait this long for a cluster that lost a node to heal (a rebuild is
#: long work: better to wait for a node to come back than to start over).
REBUILD_PATIENCE = 300.0
_STAMP = "%Y%m%dt%H%M%S%fz"
IDS_PAGE = 5000  # ids read per request by ids()
BUILD_VERSION = 1  # external version of the documents a rebuild writes
LIVE_VERSION = 2  # ... and of changes written into the building index meanwhile
MISSING = "index_not_found_exception"
T = TypeVar("T")


class ElasticBackend(ElasticQueries):
    """:class:`indexer.model.SearchBackend` over an Elasticsearch/OpenSearch alias."""

    client: EngineClient

    def __init__(self, client: EngineClient, alias: str, vocabularies: Mapping[str, Any]) -> None:
        self.client = client
        self.alias = alias
        self.build_alias = f"{alias}-building"
        self.vocabularies = vocabularies
        self.replicas = client.connection.replicas
        self.last_rebuild_skipped: list[str] = []
        self._lexicon = CurriculumLexicon(vocabularies)
        self._curriculum = curriculum_phrases(vocabularies)  # sorted by key
        self._curriculum_keys = [entry[0] for entry in self._curriculum]
        self._curriculum_fields = sorted({entry[3] for entry in self._curriculum})
        self._live: tuple[float, dict] = (0.0, {})  # (when, facet value counts) for autocomplete
        self._ready = False
        self._ready_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._own_names = re.compile(rf"^{re.escape(alias)}-(0|\d{{8}}t\d{{12}}z-[0-9a-f]{{6}})$")

    # -- index lifecycle -------------------------------------------------------------------

    def _ensure(self) -> None:
        """Create the first (empty) index behind the alias, once, race-free across processes."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            if not self.client.aliases(self.alias):
                if self.client.index_exists(self.alias):
                    raise EngineError(
                        "index_conflict",
                        Message(
                            N_(
                                "“%(name)s” is an index, not an alias: choose another alias "
                                "in the search URL (MAWARID_SEARCH_URL)."
                            ),
                            name=self.alias,
                        ),
                    )
                body = index_body(replicas=self.replicas)
                body["aliases"] = {self.alias: {}}
                failure = self.client.create_index(f"{self.alias}-0", body)
                if failure and "already_exists" not in failure.type:  # another process won
                    raise refused(self.client.engine, failure)
            self._ready = True

    def _on_alias(self, call: Callable[[], T]) -> T:
        """``call()``; if the alias has vanished since it was checked, recreate it (empty)
        and call again: readers get an empty answer instead of an error."""
        try:
            return call()
        except EngineError as exc:
            if exc.reason != MISSING:
                raise
            log.error("the search index %s is missing: recreated empty", self.alias)
            with self._ready_lock:
                self._ready = False
            return call()

    def index_state(self) -> str:
        """``missing`` (no alias), ``empty`` (no document) or ``ready``; creates nothing."""
        if not self.client.aliases(self.alias):
            return "missing"
        return "ready" if self.client.count(self.alias) else "empty"

    def search(self, query: SearchQuery) -> SearchResult:
        return self._on_alias(lambda: super(ElasticBackend, self).search(query))

    def suggest(self, prefix: str, *, lang: str = "fr", limit: int = 8) -> list[str]:
        return self._on_alias(
            lambda: super(ElasticBackend, self).suggest(prefix, lang=lang, limit=limit)
        )

    def _write(self, lines_for: Any, items: list) -> None:
        """To the serving alias and, while a rebuild runs, to its building index too."""
        self._ensure()
        lines = list(lines_for({"_index": self.alias}, items))
        for building in self.client.aliases(self.build_alias):
            lines.extend(
                lines_for(
                    {"_index": building, "version": LIVE_VERSION, "version_type": "external_gte"},
                    items,
                )
            )
        self.client.bulk(lines, refresh="true", conflicts_ok=True)
        self._live = (0.0, {})

    def _write_alias(self, lines_for: Any, items: list) -> None:
        self._on_alias(lambda: self._write(lines_for, items))

    def upsert(self, docs: Iterable[IndexableResource]) -> int:
        sources = [to_source(build_document(r, self.vocabularies)) for r in docs]
        if not sources:
            return 0

        def lines(target: dict[str, Any], items: list[dict[str, Any]]) -> Iterator[dict]:
            for source in items:
                yield {"index": {**target, "_id": source["id"]}}
                yield source

        # A large drain (the index follower's rounds of 10,000) goes in requests of a
        # bounded size: engines refuse bodies past http.max_content_length (100 MB).
        for start in range(0, len(sources), BULK_DOCS):
            self._write_alias(lines, sources[start : start + BULK_DOCS])
        return len(sources)

    def delete(self, ids: Iterable[str]) -> int:
        ids = [i for i in ids if isinstance(i, str) and i]
        if not ids:
            return 0
        self._write_alias(
            lambda target, items: ({"delete": {**target, "_id": i}} for i in items), ids
        )
        return len(ids)

    def rebuild(
        self,
        docs: Iterable[IndexableResource],
        total: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Index ``docs`` into a fresh index and move the alias onto it when complete.

        If ``docs`` raises, or a request fails, the new index is deleted and the
        alias keeps serving the previous one.
        """
        if not self._rebuild_lock.acquire(blocking=False):
            raise SearchError("rebuild_in_progress")
        try:
            self._ensure()
            self._clear_debris()
            return self._rebuild(docs, progress)
        finally:
            self._rebuild_lock.release()

    def _clear_debris(self) -> None:
        """Remove what crashed rebuilds left; refuse if another rebuild is alive."""
        now = time.time()
        for name in self.client.aliases(self.build_alias):
            meta = self.client.meta(name)
            if now - float(meta.get("heartbeat", 0)) < STALE_BUILD_SECONDS:
                raise SearchError("rebuild_in_progress")
            log.warning("removing the index of an interrupted rebuild: %s", name)
            self.client.delete_index(name)
        serving = set(self.client.aliases(self.alias))
        for name, info in self.client.indices(f"{self.alias}-*").items():
            if self._own_names.match(name) and name not in serving and not info.get("aliases"):
                log.warning("removing an orphan index: %s", name)
                self.client.delete_index(name)

    def _rebuild(self, docs: Iterable[IndexableResource], progress: Progress | None) -> int:
        stamp = datetime.now(UTC).strftime(_STAMP)
        name = f"{self.alias}-{stamp}-{secrets.token_hex(3)}"
        body = index_body(replicas=self.replicas, building=True)
        body["aliases"] = {self.build_alias: {}}
        body["mappings"]["_meta"]["heartbeat"] = time.time()
        failure = self.client.create_index(name, body)
        if failure:
            raise refused(self.client.engine, failure)
        count = 0
        skipped: list[str] = []
        beat = time.monotonic()
        try:
            lines: list[dict] = []
            for resource in docs:
                try:
                    source = to_source(build_document(resource, self.vocabularies))
                except Exception as exc:  # one bad record must not stop a full rebuild
                    log.warning("not indexed: %s: %s", getattr(resource, "id", "?"), exc)
                    skipped.append(str(getattr(resource, "id", "?")))
                    continue
                lines += (
                    {
                        "index": {
                            "_index": name,
                            "_id": source["id"],
                            "version": BUILD_VERSION,
                            "version_type": "external",
                        }
                    },
                    source,
                )
                count += 1
                if len(lines) >= 2 * BULK_DOCS:
                    self.client.bulk(lines, conflicts_ok=True, budget=REBUILD_PATIENCE)
                    lines = []
                    if progress:
                        progress(count)
                    if time.monotonic() - beat > HEARTBEAT_SECONDS:
                        beat = time.monotonic()
                        self.client.put_meta(name, {"mawarid": 1, "heartbeat": time.time()})
            self.client.bulk(lines, conflicts_ok=True, budget=REBUILD_PATIENCE)
            self.client.put_settings(
                name,
                {"refresh_interval": "1s", "gc_deletes": None, **replica_settings(self.replicas)},
            )
            self.client.refresh(name)
            budget = self.client.connection.write_timeout
            if not self.client.wait_for_copies(name, budget=budget):
                log.warning(
                    "%s: not every replica of the new index is allocated after %.0f s "
                    "(not enough nodes for MAWARID_SEARCH_REPLICAS?); switching anyway",
                    self.alias,
                    budget,
                )
            previous = [i for i in self.client.aliases(self.alias) if i != name]
            actions = [
                {"add": {"index": name, "alias": self.alias}},
                {"remove": {"index": name, "alias": self.build_alias}},
            ]
            actions += [{"remove": {"index": old, "alias": self.alias}} for old in previous]
            self.client.update_aliases(actions)
        except BaseException:
            try:
                self.client.delete_index(name)
            except Exception as exc:  # the next rebuild removes it (no heartbeat)
                log.warning("could not remove %s after a failed rebuild: %s", name, exc)
            raise
        for old in previous:
            try:
                self.client.delete_index(old)
            except EngineError as exc:  # orphan: removed by the next rebuild
                log.warning("could not delete the previous index %s: %s", old, exc)
        self._live = (0.0, {})
        if progress:
            progress(count)
        self.last_rebuild_skipped = skipped
        return count

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        def count() -> int:
            self._ensure()
            return self.client.count(self.alias)

        return self._on_alias(count)

    def ids(self) -> Iterator[str]:
        """Every indexed id, by pages sorted on the ``id`` keyword (``search_after``)."""
        self._ensure()
        after: list[str] | None = None
        while True:
            body: dict[str, Any] = {
                "size": IDS_PAGE,
                "_source": False,
                "fields": ["id"],
                "sort": [{"id": "asc"}],
                "query": {"match_all": {}},
            }
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(self.alias, body)["hits"]["hits"]
            if not hits:
                return
            for hit in hits:
                yield hit["fields"]["id"][0]
            after = hits[-1]["sort"]

    def close(self) -> None:
        self.client.close()
