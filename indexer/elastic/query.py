"""What the Elasticsearch/OpenSearch backend asks: query, facets, hits, suggestions.

The query semantics of the scale-out backend (how words, curriculum phrases, facets and
suggestions become engine requests), kept apart from the connection and index lifecycle
(:mod:`indexer.elastic.backend`). :class:`ElasticQueries` is mixed into
:class:`~indexer.elastic.backend.ElasticBackend`, which provides ``client``, ``alias``,
``vocabularies``, ``_ensure()`` and the curriculum tables built at start.
"""

from __future__ import annotations

import bisect
import difflib
import time
from typing import Any

from ..analysis import analyse
from ..facets import FACETS, build_facets, canonical_filters, group_filters
from ..model import Hit, SearchQuery, SearchResult
from ..querytext import Clause, ParsedQuery, parse
from ..snippets import snippet
from ..suggest import clean_prefix, parse_term, rank
from .client import EngineError
from .mapping import CURRICULUM_BOOST, TEXT_FIELDS

VOCABULARY_BUCKETS = 2_000  # terms-aggregation size for facets listed in vocabulary order
LIVE_COUNTS_SECONDS = 5.0  # autocomplete reuses the curriculum facet counts this long
SUGGEST_SCAN = 300  # autocomplete candidates read per prefix (as the Whoosh side)


def _field(facet_field: str) -> str:
    return f"f_{facet_field}"


class ElasticQueries:
    """Searching, counting facets and suggesting, over ``self.client`` and ``self.alias``."""

    # Provided by ElasticBackend.
    client: Any
    alias: str
    vocabularies: Any
    _lexicon: Any
    _curriculum: list
    _curriculum_keys: list
    _curriculum_fields: list
    _live: tuple[float, dict]

    def _ensure(self) -> None:
        raise NotImplementedError

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
