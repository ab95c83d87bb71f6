"""What the Elasticsearch/OpenSearch backend asks: query, facets, hits, suggestions.

The query semantics of the scale-out backend: how a :class:`~indexer.plan.Plan` (words,
phrases, curriculum filters and boosts), facets, the speller's questions and
suggestions become engine requests, kept apart from the connection and index lifecycle
(:mod:`indexer.elastic.backend`). The flow of a search (understanding, fall-backs,
corrections) is :class:`indexer.searching.Searcher`, shared with Whoosh:
:class:`ElasticQueries` is its :class:`~indexer.searching.Engine`. It is mixed into
:class:`~indexer.elastic.backend.ElasticBackend`, which provides ``client``, ``alias``,
``vocabularies``, ``_ensure()`` and the curriculum tables built at start.

Scores follow the Whoosh side (:mod:`indexer.whoosh_match`): per word the best variant
per field (``dis_max``), fields summed with their boosts, plus a constant for documents
filed under a level/subject/type whose labels hold the word; the optional parts
(bonus phrase, type words, named levels/subjects) are ``should`` clauses with constant
scores, so they order results without changing which ones match.
"""

from __future__ import annotations

import bisect
import time
from functools import cached_property
from typing import Any

from ..facets import FACETS, group_filters
from ..model import Hit, SearchQuery, SearchResult
from ..plan import (
    BONUS_PHRASE_BOOST,
    CURRICULUM_BOOST,
    SHORT_FIELDS,
    TEXT_FIELDS,
    TYPE_BOOST,
    Plan,
    stop_phrase_fields,
)
from ..querytext import RELATED_WEIGHT, Clause, Word
from ..searching import Execution, Searcher, stored_hit
from ..spelling import MIN_KEY, Candidate, max_edits
from ..suggest import clean_prefix, parse_term, rank
from .client import EngineError

VOCABULARY_BUCKETS = 2_000  # terms-aggregation size for facets listed in vocabulary order
LIVE_COUNTS_SECONDS = 5.0  # autocomplete reuses the curriculum facet counts this long
SUGGEST_SCAN = 300  # autocomplete candidates read per prefix (as the Whoosh side)
SPELL_CANDIDATES = 20  # term-suggester options per unknown word


def _field(facet_field: str) -> str:
    return f"f_{facet_field}"


class ElasticQueries:
    """Searching, counting facets and suggesting, over ``self.client`` and ``self.alias``."""

    # Provided by ElasticBackend.
    client: Any
    alias: str
    vocabularies: Any
    _curriculum: list
    _curriculum_keys: list
    _curriculum_fields: list
    _live: tuple[float, dict]

    def _ensure(self) -> None:
        raise NotImplementedError

    @cached_property
    def _searcher(self) -> Searcher:
        return Searcher(self.vocabularies)

    def search(self, query: SearchQuery) -> SearchResult:
        query = query.validated()
        self._ensure()
        return self._searcher.search(self, query)

    # -- the Engine of indexer.searching ------------------------------------------------------

    def doc_count(self) -> int:
        return self.client.count(self.alias)

    def execute(self, plan: Plan, query: SearchQuery, filters: dict[str, list[str]]) -> Execution:
        answer, aggregations = self._run(self._body(query, plan, filters, relaxed=False))
        relaxed = False
        if len(plan.clauses) > 1 and aggregations["matched"]["doc_count"] == 0:
            answer, aggregations = self._run(self._body(query, plan, filters, relaxed=True))
            relaxed = aggregations["matched"]["doc_count"] > 0
        terms = plan.parsed.terms
        hits, texts, described = [], [], []
        for raw in answer["hits"]["hits"]:
            hit, short, long = self._hit(raw, terms, query.lang)
            hits.append(hit)
            texts += short
            described += long
        total = int(answer["hits"]["total"]["value"])
        return Execution(total, hits, self._counts(aggregations), relaxed, texts + described)

    def spell(self, words: list[Word]) -> list[list[Candidate] | None]:
        body: dict[str, Any] = {"size": 0, "track_total_hits": False, "suggest": {}, "aggs": {}}
        for n, word in enumerate(words):
            known = [{"terms": {name: list(word.terms)}} for name in TEXT_FIELDS]
            body["aggs"][f"w{n}"] = {"filter": {"bool": {"should": known}}}
            if word.key and max_edits(word.key):
                body["suggest"][f"w{n}"] = {
                    "text": word.key,
                    "term": {
                        "field": "words",
                        "suggest_mode": "missing",
                        "max_edits": max(1, min(2, max_edits(word.key))),
                        "prefix_length": 1,
                        "min_word_length": MIN_KEY,
                        "size": SPELL_CANDIDATES,
                        "sort": "frequency",
                    },
                }
        answer = self.client.search(self.alias, body)
        out: list[list[Candidate] | None] = []
        for n, _word in enumerate(words):
            if answer["aggregations"][f"w{n}"]["doc_count"] > 0:
                out.append(None)
                continue
            out.append(
                [
                    Candidate(option["text"], int(option.get("freq", 0)))
                    for entry in answer.get("suggest", {}).get(f"w{n}", [])
                    for option in entry.get("options", [])
                ]
            )
        return out

    def frequencies(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        body = {
            "size": 0,
            "track_total_hits": False,
            "aggs": {
                "k": {"filters": {"filters": {key: {"term": {"words": key}} for key in keys}}}
            },
        }
        buckets = self.client.search(self.alias, body)["aggregations"]["k"]["buckets"]
        return {key: int(buckets[key]["doc_count"]) for key in keys}

    # -- requests -----------------------------------------------------------------------------

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

    def _body(self, query: SearchQuery, plan: Plan, filters: dict, *, relaxed: bool) -> dict:
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
            "query": self._query(plan, relaxed=relaxed),
            "from": (query.page - 1) * query.size,
            "size": query.size,
            "track_total_hits": True,
            "_source": ["hit", "snip"],
            "sort": self._sort(query, plan.scored),
            "aggs": aggs,
        }
        if plan.scored:
            body["track_scores"] = True
        if selected:
            body["post_filter"] = {"bool": {"filter": list(selected.values())}}
        return body

    def _query(self, plan: Plan, *, relaxed: bool) -> dict:
        """The plan as one ``bool`` query (see the module docstring)."""
        must: list[dict] = []
        should: list[dict] = []
        if plan.stop_phrase is not None:
            must.append(self._phrase(plan.stop_phrase, stop_phrase_fields(plan.stop_phrase)))
        elif plan.clauses:
            clauses = [self._clause(c) for c in plan.clauses]
            if relaxed:
                must.append({"bool": {"should": clauses, "minimum_should_match": 1}})
            else:
                must += clauses
        for clause in plan.optional:
            query = self._clause(clause)
            should += [query, {"constant_score": {"filter": query, "boost": TYPE_BOOST}}]
        if plan.bonus is not None:
            phrase = self._phrase(plan.bonus, SHORT_FIELDS, scored=False)
            should.append({"constant_score": {"filter": phrase, "boost": BONUS_PHRASE_BOOST}})
        named = []
        for boost in plan.boosts:
            terms = {"terms": {_field(boost.field): list(boost.values)}}
            named.append(terms)
            should.append({"constant_score": {"filter": terms, "boost": boost.weight}})
        if plan.any_boost:  # the named terms are the only condition
            must.append(
                {"bool": {"filter": [{"bool": {"should": named, "minimum_should_match": 1}}]}}
            )
        if not must and not should:
            return {"match_all": {}}
        if not must:
            must.append({"match_all": {}})
        return {"bool": {"must": must, "should": should}}

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
    def _sort(query: SearchQuery, scored: bool) -> list:
        if query.sort == "relevance" and scored:
            return [{"_score": "desc"}, {"date": "desc"}, {"id": "asc"}]
        if query.sort == "title":
            return [
                {f"sort_{'ar' if query.lang == 'ar' else 'fr'}": "asc"},
                {"date": "desc"},
                {"id": "asc"},
            ]
        return [{"date": "desc"}, {"id": "asc"}]

    @staticmethod
    def _phrase(clause: Clause, fields, *, scored: bool = True) -> dict:
        """A phrase in any of ``fields``, in any of its readings (French, English stems)."""
        should = []
        for name in fields:
            for words in clause.phrase_readings():
                boost = TEXT_FIELDS[name] * len(clause.positions) if scored else 1.0
                should.append({"match_phrase": {name: {"query": " ".join(words), "boost": boost}}})
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def _clause(self, clause: Clause) -> dict:
        """One query word (or quoted phrase) as a scored query; see the module docstring."""
        if clause.phrase:
            should = [self._phrase(clause, [name]) for name in TEXT_FIELDS]
        else:
            should = [
                {
                    "dis_max": {
                        "queries": [{"term": {name: v}} for v in clause.positions[0]]
                        + [  # related terms: titles and keywords only (as Whoosh)
                            {"term": {name: {"value": v, "boost": RELATED_WEIGHT}}}
                            for v in (clause.related if name in SHORT_FIELDS else ())
                        ],
                        "boost": boost,
                    }
                }
                for name, boost in TEXT_FIELDS.items()
            ]
        terms = self._searcher.lexicon.clause_terms(clause)
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

    @staticmethod
    def _counts(aggregations: dict) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for spec in FACETS:
            buckets = aggregations[f"g:{spec.group_key}"][spec.name]["buckets"]
            counts[spec.name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        return counts

    @staticmethod
    def _hit(raw: dict, terms: set[str], lang: str) -> tuple[Hit, list[str], list[str]]:
        source = raw.get("_source", {})
        data = {"id": raw.get("_id"), **source.get("hit", {})}
        described = [(t["lang"], t["text"]) for t in source.get("snip", {}).get("texts", [])]
        return stored_hit(data, described, terms, lang, float(raw.get("_score") or 0.0))

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
