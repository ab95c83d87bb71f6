"""The scale-out search backend: Elasticsearch 7/8 or OpenSearch 2, same answers as Whoosh.

Documents, facet declarations, bucket building, query parsing, snippets and
suggestion ranking are the engine-neutral modules of :mod:`indexer`; this module
only turns them into REST requests (see :mod:`indexer.elastic.mapping` for why text is
analysed in Python).

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

import bisect
import difflib
import logging
import re
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..analysis import analyse
from ..curriculum import CurriculumLexicon
from ..documents import build_document
from ..facets import FACETS, build_facets, canonical_filters, group_filters
from ..model import Hit, IndexableResource, Progress, SearchError, SearchQuery, SearchResult
from ..querytext import Clause, ParsedQuery, parse
from ..snippets import snippet
from ..suggest import clean_prefix, curriculum_phrases, parse_term, rank
from .client import ElasticClient, EngineError
from .mapping import CURRICULUM_BOOST, TEXT_FIELDS, index_body, to_source

log = logging.getLogger(__name__)

BULK_DOCS = 500  # documents per _bulk request during a rebuild
HEARTBEAT_SECONDS = 30  # a running rebuild refreshes its index's _meta this often
STALE_BUILD_SECONDS = 300  # a building index without heartbeat for this long is debris
VOCABULARY_BUCKETS = 2_000  # terms-aggregation size for facets listed in vocabulary order
LIVE_COUNTS_SECONDS = 5.0  # autocomplete reuses the curriculum facet counts this long
SUGGEST_SCAN = 300  # autocomplete candidates read per prefix (as the Whoosh side)
_STAMP = "%Y%m%dt%H%M%S%fz"
BUILD_VERSION = 1  # external version of the documents a rebuild writes
LIVE_VERSION = 2  # ... and of changes written into the building index meanwhile


def _field(facet_field: str) -> str:
    return f"f_{facet_field}"


class ElasticBackend:
    """:class:`indexer.model.SearchBackend` over an Elasticsearch/OpenSearch alias."""

    def __init__(
        self,
        client: ElasticClient,
        alias: str,
        vocabularies: Mapping[str, Any],
        *,
        replicas: int = 0,
    ) -> None:
        self.client = client
        self.alias = alias
        self.build_alias = f"{alias}-building"
        self.vocabularies = vocabularies
        self.replicas = replicas
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
                    raise EngineError("index_conflict", name=self.alias)
                body = index_body(replicas=self.replicas)
                body["aliases"] = {self.alias: {}}
                answer = self.client.request("PUT", f"{self.alias}-0", body, allow=(400,))
                if answer.get("status") == 400 and "already_exists" not in str(answer):
                    raise EngineError(
                        "search_failed",
                        engine=self.client.engine,
                        status=400,
                        detail=str(answer.get("error"))[:300],
                    )
            self._ready = True

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

    def upsert(self, docs: Iterable[IndexableResource]) -> int:
        sources = [to_source(build_document(r, self.vocabularies)) for r in docs]
        if not sources:
            return 0

        def lines(target, items):
            for source in items:
                yield {"index": {**target, "_id": source["id"]}}
                yield source

        self._write(lines, sources)
        return len(sources)

    def delete(self, ids: Iterable[str]) -> int:
        ids = [i for i in ids if isinstance(i, str) and i]
        if not ids:
            return 0
        self._write(lambda target, items: ({"delete": {**target, "_id": i}} for i in items), ids)
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
            info = self.client.request("GET", f"{name}/_mapping")
            meta = next(iter(info.values()), {}).get("mappings", {}).get("_meta", {})
            if now - float(meta.get("heartbeat", 0)) < STALE_BUILD_SECONDS:
                raise SearchError("rebuild_in_progress")
            log.warning("removing the index of an interrupted rebuild: %s", name)
            self.client.delete_index(name)
        serving = set(self.client.aliases(self.alias))
        for name, info in self.client.indices(f"{self.alias}-*").items():
            if self._own_names.match(name) and name not in serving and not info.get("aliases"):
                log.warning("removing an orphan index: %s", name)
                self.client.delete_index(name)

    def _rebuild(self, docs, progress) -> int:
        stamp = datetime.now(UTC).strftime(_STAMP)
        name = f"{self.alias}-{stamp}-{secrets.token_hex(3)}"
        body = index_body(replicas=self.replicas, building=True)
        body["aliases"] = {self.build_alias: {}}
        body["mappings"]["_meta"]["heartbeat"] = time.time()
        self.client.create_index(name, body)
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
                    self.client.bulk(lines, conflicts_ok=True)
                    lines = []
                    if progress:
                        progress(count)
                    if time.monotonic() - beat > HEARTBEAT_SECONDS:
                        beat = time.monotonic()
                        self.client.request(
                            "PUT",
                            f"{name}/_mapping",
                            {"_meta": {"mawarid": 1, "heartbeat": time.time()}},
                        )
            self.client.bulk(lines, conflicts_ok=True)
            self.client.put_settings(
                name,
                {"refresh_interval": "1s", "gc_deletes": None, "number_of_replicas": self.replicas},
            )
            self.client.refresh(name)
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
        self._ensure()
        return self.client.count(self.alias)

    def close(self) -> None:
        self.client.close()

    def search(self, query: SearchQuery) -> SearchResult:
        query = query.validated()
        self._ensure()
        filters = canonical_filters(query.filters, self.vocabularies)
        parsed = parse(query.q)
        answer, aggregations = self._run(self._body(query, parsed, filters, relaxed=False))
        relaxed = False
        if len(parsed.clauses) > 1 and aggregations["matched"]["doc_count"] == 0:
            answer, aggregations = self._run(self._body(query, parsed, filters, relaxed=True))
            relaxed = aggregations["matched"]["doc_count"] > 0
        total = int(answer["hits"]["total"]["value"])
        counts = self._counts(aggregations)
        hits = [self._hit(h, parsed, query.lang) for h in answer["hits"]["hits"]]
        did_you_mean = None
        if parsed.words and (total == 0 or relaxed):
            did_you_mean = self._did_you_mean(parsed)
        return SearchResult(
            total=total,
            page=query.page,
            size=query.size,
            hits=hits,
            facets=build_facets(counts, filters, query.lang, self.vocabularies),
            did_you_mean=did_you_mean,
            relaxed=relaxed,
            query=query,
        )

    def _run(self, body: dict) -> tuple[dict, dict]:
        """The page and the facet counts as two searches of one ``_msearch``: the counts
        request has ``size: 0``, which the engines' shard request cache keeps until the
        next refresh that changed something, so browsing, paging and re-sorting the same
        selection recount nothing (measured at 100k records, one request → two: match-all
        browse p50 53 → 30 ms on Elasticsearch, 110 → 31 ms on OpenSearch; deep page
        75 → 53 ms and 103 → 52 ms; bench/results/search_backends.md)."""
        counts = {
            "size": 0,
            "track_total_hits": False,
            "query": body["query"],
            "aggs": body.pop("aggs"),
        }
        page, facets = self.client.msearch(self.alias, [body, counts])
        return page, facets["aggregations"]

    def _body(
        self, query: SearchQuery, parsed: ParsedQuery, filters: dict, *, relaxed: bool
    ) -> dict:
        if parsed.clauses:
            clauses = [self._clause(c) for c in parsed.clauses]
            text = (
                {"bool": {"should": clauses, "minimum_should_match": 1}}
                if relaxed
                else {"bool": {"must": clauses}}
            )
        else:
            text = {"match_all": {}}
        selected = {
            group: {"terms": {_field(field): values}}
            for group, (field, values) in group_filters(filters, self.vocabularies).items()
        }
        aggs: dict[str, Any] = {"matched": {"filter": {"match_all": {}}}}
        for group in dict.fromkeys(spec.group_key for spec in FACETS):
            others = [f for g, f in selected.items() if g != group]
            aggs[f"g:{group}"] = {
                "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
                "aggs": {
                    spec.name: self._terms_agg(spec) for spec in FACETS if spec.group_key == group
                },
            }
        body: dict[str, Any] = {
            "query": text,
            "from": (query.page - 1) * query.size,
            "size": query.size,
            "track_total_hits": True,
            "_source": ["hit", "snip"],
            "sort": self._sort(query, bool(parsed.clauses)),
            "aggs": aggs,
        }
        if parsed.clauses:
            body["track_scores"] = True
        if selected:
            body["post_filter"] = {"bool": {"filter": list(selected.values())}}
        return body

    @staticmethod
    def _terms_agg(spec) -> dict:
        terms: dict[str, Any] = {"field": _field(spec.field), "min_doc_count": 1}
        if spec.hierarchical or spec.order == "vocabulary":
            terms["size"] = VOCABULARY_BUCKETS
        elif spec.order == "value_desc":
            terms.update(size=spec.limit, order={"_key": "desc"})
        else:  # the engine's default order is the one facets.py uses: count desc, value asc
            terms["size"] = spec.limit
        return {"terms": terms}

    @staticmethod
    def _sort(query: SearchQuery, has_text: bool) -> list:
        if query.sort == "relevance" and has_text:
            return [{"_score": "desc"}, {"date": "desc"}, {"id": "asc"}]
        if query.sort == "title":
            return [
                {f"sort_{'ar' if query.lang == 'ar' else 'fr'}": "asc"},
                {"date": "desc"},
                {"id": "asc"},
            ]
        return [{"date": "desc"}, {"id": "asc"}]

    def _clause(self, clause: Clause) -> dict:
        """One query word (or quoted phrase) as a scored query; see the module docstring."""
        should: list[dict] = []
        for name, boost in TEXT_FIELDS.items():
            if clause.phrase:
                words = " ".join(variants[0] for variants in clause.positions)
                boost *= len(clause.positions)  # as the Whoosh side: a phrase weighs its words
                should.append({"match_phrase": {name: {"query": words, "boost": boost}}})
            else:
                should.append(
                    {
                        "dis_max": {
                            "queries": [{"term": {name: v}} for v in clause.positions[0]],
                            "boost": boost,
                        }
                    }
                )
        terms = self._curriculum_terms(clause)
        if terms:
            should.append(
                {
                    "constant_score": {
                        "filter": {
                            "bool": {
                                "should": [{"terms": {_field(f): ids}} for f, ids in terms.items()]
                            }
                        },
                        "boost": CURRICULUM_BOOST,
                    }
                }
            )
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def _curriculum_terms(self, clause: Clause) -> dict[str, list[str]]:
        if not clause.phrase:
            return self._lexicon.terms_for(clause.positions[0])
        found = None  # every word of the phrase in the labels of one term
        for variants in clause.positions:
            pairs = {(f, t) for f, ids in self._lexicon.terms_for(variants).items() for t in ids}
            found = pairs if found is None else found & pairs
        terms: dict[str, list[str]] = {}
        for f, t in sorted(found or ()):
            terms.setdefault(f, []).append(t)
        return terms

    @staticmethod
    def _counts(aggregations: dict) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for spec in FACETS:
            buckets = aggregations[f"g:{spec.group_key}"][spec.name]["buckets"]
            counts[spec.name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        return counts

    @staticmethod
    def _hit(raw: dict, parsed: ParsedQuery, lang: str) -> Hit:
        source = raw.get("_source", {})
        data = source.get("hit", {})
        texts = [(t["lang"], t["text"]) for t in source.get("snip", {}).get("texts", [])]
        return Hit(
            id=data.get("id", raw.get("_id")),
            title=data.get("title", {}),
            description=data.get("description", {}),
            snippet=snippet(texts, parsed.terms, lang),
            levels=data.get("levels", []),
            subjects=data.get("subjects", []),
            types=data.get("types", []),
            languages=data.get("languages", []),
            year=data.get("year"),
            score=float(raw.get("_score") or 0.0),
        )

    def _did_you_mean(self, parsed: ParsedQuery) -> str | None:
        """Each unknown word (not in titles/keywords nor curriculum labels) → its nearest
        indexed word (term suggester, ≤ 2 edits), else the nearest curriculum label word."""
        words: list[tuple[str, str | None]] = []
        for raw, _folded in parsed.words:
            plain = analyse(raw, stem=False)
            word = plain[0][0] if plain else None
            check = word is not None and len(word) >= 3 and word not in self._lexicon.words
            words.append((raw, word if check else None))
        checked = {w for _raw, w in words if w}
        if not checked:
            return None
        body: dict[str, Any] = {"size": 0, "track_total_hits": False, "suggest": {}, "aggs": {}}
        for n, word in enumerate(sorted(checked)):
            body["aggs"][f"w{n}"] = {"filter": {"term": {"words": word}}}
            body["suggest"][f"w{n}"] = {
                "text": word,
                "term": {
                    "field": "words",
                    "suggest_mode": "missing",
                    "max_edits": 2,
                    "prefix_length": 1,
                    "min_word_length": 3,
                    "size": 1,
                    "sort": "score",
                },
            }
        answer = self.client.search(self.alias, body)
        fixes: dict[str, str] = {}
        for n, word in enumerate(sorted(checked)):
            if answer["aggregations"][f"w{n}"]["doc_count"] > 0:
                continue
            options = [
                o["text"]
                for entry in answer.get("suggest", {}).get(f"w{n}", [])
                for o in entry.get("options", [])
            ]
            if not options:  # a misspelt level or subject name
                options = difflib.get_close_matches(word, self._lexicon.words, n=1, cutoff=0.8)
            if options and options[0] != word:
                fixes[word] = options[0]
        out = [fixes.get(word, raw) if word else raw for raw, word in words]
        return " ".join(out) if fixes else None

    def suggest(self, prefix: str, *, lang: str = "fr", limit: int = 8) -> list[str]:
        key = clean_prefix(prefix)
        limit = max(1, min(int(limit) if isinstance(limit, int) else 8, 20))
        if not key:
            return []
        self._ensure()
        regex = "".join(ch if ch.isalnum() else "\\" + ch for ch in key) + ".*"
        terms = {"field": "suggest", "include": regex, "size": SUGGEST_SCAN}
        aggs: dict[str, Any] = {
            "s": {"filter": {"prefix": {"suggest": key}}, "aggs": {"t": {"terms": terms}}}
        }
        # curriculum labels are weighted by how many documents are filed there: counted
        # over the whole index, so reused for a few seconds across keystrokes
        when, live = self._live
        fresh = time.monotonic() - when < LIVE_COUNTS_SECONDS
        if not fresh:
            for facet in self._curriculum_fields:
                aggs[f"f:{facet}"] = {"terms": {"field": _field(facet), "size": VOCABULARY_BUCKETS}}
        body = {"size": 0, "track_total_hits": False, "aggs": aggs}
        try:
            answer = self.client.search(self.alias, body)
        except EngineError as exc:
            # OpenSearch 2.19 answers 500 (index_out_of_bounds) on the global-ordinals path
            # when the prefix sorts after every term (a CJK or Tifinagh prefix): read the
            # (then zero) matching documents' values instead. Not the default: measured
            # 60x slower at p95 for short prefixes matching many documents.
            if exc.status != 500:
                raise
            terms["execution_hint"] = "map"
            answer = self.client.search(self.alias, body)
        candidates: list[tuple[str, str, int]] = []
        for bucket in answer["aggregations"]["s"]["t"]["buckets"]:
            found = parse_term(bucket["key"])
            if found:
                candidates.append((found[2], found[1], int(bucket["doc_count"])))
        if not fresh:
            live = {
                facet: {
                    b["key"]: b["doc_count"]
                    for b in answer["aggregations"][f"f:{facet}"]["buckets"]
                }
                for facet in self._curriculum_fields
            }
            self._live = (time.monotonic(), live)
        labels: dict[tuple, tuple] = {}  # one label per term and language: the preferred one
        i = bisect.bisect_left(self._curriculum_keys, key)
        while i < len(self._curriculum) and self._curriculum_keys[i].startswith(key):
            _key, text_lang, display, facet, term_id, priority = self._curriculum[i]
            i += 1
            weight = live.get(facet, {}).get(term_id, 0)
            slot = (facet, term_id, text_lang)
            if weight and (slot not in labels or priority < labels[slot][0]):
                labels[slot] = (priority, display, weight)
        candidates += [(display, slot[2], weight) for slot, (_p, display, weight) in labels.items()]
        return rank(candidates, lang if lang in ("fr", "ar", "en", "zgh") else "fr", limit)
