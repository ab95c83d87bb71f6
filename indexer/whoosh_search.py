"""One search over one Whoosh snapshot: the :class:`~indexer.searching.Engine` of Whoosh.

:class:`WhooshRun` executes a :class:`~indexer.plan.Plan` (text scores from
:mod:`indexer.whoosh_match`, filters and facet counts on the snapshot's numpy arrays,
the page by ``argpartition``) and answers the speller's questions from the snapshot's
term dictionaries. The flow around it (understanding, fall-backs, corrections) is
:class:`indexer.searching.Searcher`, shared with Elasticsearch/OpenSearch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from .facet_arrays import top_k
from .facets import FACETS, group_filters
from .model import Hit, SearchQuery
from .plan import TEXT_FIELDS, Plan
from .querytext import Word
from .searching import Execution, stored_hit
from .spelling import Candidate, max_edits
from .whoosh_match import TextMatcher
from .whoosh_snapshot import Snapshot


class WhooshRun:
    """:class:`indexer.searching.Engine` over one snapshot (kept open by the caller)."""

    def __init__(
        self, snap: Snapshot, matcher: TextMatcher, vocabularies: Mapping[str, Any]
    ) -> None:
        self.snap = snap
        self.matcher = matcher
        self.vocabularies = vocabularies

    def doc_count(self) -> int:
        return self.snap.doc_count

    def execute(self, plan: Plan, query: SearchQuery, filters: dict[str, list[str]]) -> Execution:
        snap = self.snap
        scores, base, relaxed = self.matcher.match(snap, plan)
        masks = {
            group: snap.fields[field].mask_for(values, snap.ndocs)
            for group, (field, values) in group_filters(filters, self.vocabularies).items()
        }
        final = base.copy()
        for mask in masks.values():
            final &= mask
        counts: dict[str, dict[str, int]] = {}
        by_group: dict[str, tuple[np.ndarray, int]] = {}
        browse = scores is None
        for spec in FACETS:
            group = spec.group_key
            others = [m for g, m in masks.items() if g != group]
            if browse and not others:
                counts[spec.name] = snap.live_counts[spec.field]  # browse: cached per snapshot
                continue
            if group not in by_group:
                if len(others) == len(masks):
                    mask = final
                else:
                    mask = base.copy()
                    for m in others:
                        mask &= m
                by_group[group] = (mask, int(np.count_nonzero(mask)))
            mask, selected = by_group[group]
            counts[spec.name] = snap.fields[spec.field].counts(mask, selected)
        candidates = np.flatnonzero(final)
        start = (query.page - 1) * query.size
        page_docs = self._order(query, candidates, scores, start + query.size)[start:]
        hits, texts = self._hits(page_docs, scores, plan, query.lang)
        return Execution(len(candidates), hits, counts, relaxed, texts)

    def _order(
        self, query: SearchQuery, candidates: np.ndarray, scores: np.ndarray | None, k: int
    ) -> np.ndarray:
        snap = self.snap
        if query.sort == "relevance" and scores is not None:
            return top_k(scores, candidates, k, descending=True, tiebreak=snap.date)
        if query.sort == "title":
            rank = snap.title_rank["ar" if query.lang == "ar" else "fr"]
            return top_k(rank, candidates, k, descending=False)
        return top_k(snap.date, candidates, k, descending=True)

    def _hits(
        self, docnums: np.ndarray, scores: np.ndarray | None, plan: Plan, lang: str
    ) -> tuple[list[Hit], list[str]]:
        snap = self.snap
        terms = plan.parsed.terms
        hits: list[Hit] = []
        texts: list[str] = []
        described_texts: list[str] = []
        for docnum in docnums:
            with snap.lock:
                stored = snap.searcher.stored_fields(int(docnum))
            data = json.loads(stored["hit"])
            described = [(lang_, text) for lang_, text in json.loads(stored.get("snip") or "[]")]
            score = float(scores[docnum]) if scores is not None else 0.0
            hit, short, long = stored_hit(data, described, terms, lang, score)
            hits.append(hit)
            texts += short
            described_texts += long
        return hits, texts + described_texts

    def spell(self, words: list[Word]) -> list[list[Candidate] | None]:
        out: list[list[Candidate] | None] = []
        with self.snap.lock:
            reader = self.snap.searcher.reader()
            for word in words:
                known = any(
                    reader.doc_frequency(field, term) > 0
                    for field in TEXT_FIELDS
                    for term in word.terms
                )
                if known or not word.key:
                    out.append(None)
                    continue
                terms = reader.terms_within("words", word.key, max_edits(word.key), prefix=1)
                out.append([Candidate(t, reader.doc_frequency("words", t)) for t in sorted(terms)])
        return out

    def frequencies(self, keys: list[str]) -> dict[str, int]:
        with self.snap.lock:
            reader = self.snap.searcher.reader()
            return {key: reader.doc_frequency("words", key) for key in keys}
