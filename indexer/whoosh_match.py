"""Free-text matching and scoring of a :class:`~indexer.plan.Plan` over a Whoosh snapshot.

For each required clause (a query word, or a quoted phrase) the postings of its variants
in the text fields are read (through the backend's per-segment cache) and scored into a
dense float array: ``idf × tf / (tf + k1) × field boost`` (BM25's saturation without
length normalisation: titles and keywords are short), the best variant per field;
curriculum labels add documents filed under a matching term
(:mod:`indexer.curriculum`). Clauses combine with AND; when nothing has every word they
combine with OR and the result says so (``relaxed``). Then the plan's optional parts add
to the scores, never to the matches: the bonus phrase (title or keywords holding the
whole query, stopwords included) and the boosts of the levels, subjects and types the
query names. Elasticsearch/OpenSearch compute the same scores (:mod:`indexer.elastic.query`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from whoosh.query import Phrase

from .curriculum import CurriculumLexicon
from .plan import (
    BONUS_PHRASE_BOOST,
    CURRICULUM_BOOST,
    K1,
    SHORT_FIELDS,
    TEXT_FIELDS,
    TYPE_BOOST,
    Plan,
    stop_phrase_fields,
)
from .querytext import RELATED_WEIGHT, Clause
from .whoosh_snapshot import Snapshot


class TextMatcher:
    def __init__(
        self,
        postings: Callable[[Snapshot, str, str], tuple[np.ndarray, np.ndarray]],
        lexicon: CurriculumLexicon,
    ) -> None:
        self._term_postings = postings
        self._lexicon = lexicon

    def match(self, snap: Snapshot, plan: Plan):
        """(scores or None, matching mask, relaxed): AND of the clauses, else OR."""
        n = max(snap.doc_count, 1)
        relaxed = False
        if plan.stop_phrase is not None:
            scores = np.zeros(snap.ndocs, dtype=np.float32)
            for fieldname in stop_phrase_fields(plan.stop_phrase):
                weight = TEXT_FIELDS[fieldname]
                self._phrase_scores(snap, fieldname, weight, plan.stop_phrase, scores, n)
            matched = snap.live & (scores > 0)
        elif plan.clauses:
            clause_scores = [self._clause_scores(snap, clause, n) for clause in plan.clauses]
            scores = np.sum(clause_scores, axis=0) if len(clause_scores) > 1 else clause_scores[0]
            matched = snap.live.copy()
            for acc in clause_scores:
                matched &= acc > 0
            if len(clause_scores) > 1 and not matched.any():
                matched = snap.live & (scores > 0)
                relaxed = bool(matched.any())
        elif plan.boosts or plan.optional:
            scores = np.zeros(snap.ndocs, dtype=np.float32)
            matched = snap.live.copy()
        else:
            return None, snap.live, False
        for clause in plan.optional:  # a type's words: rank what holds them first
            acc = self._clause_scores(snap, clause, n)
            scores += acc
            scores[acc > 0] += np.float32(TYPE_BOOST)
        if plan.bonus is not None:
            bonus = np.zeros(snap.ndocs, dtype=np.float32)
            for fieldname in SHORT_FIELDS:
                self._phrase_scores(snap, fieldname, 1.0, plan.bonus, bonus, n)
            scores[bonus > 0] += np.float32(BONUS_PHRASE_BOOST)
        named = np.zeros(snap.ndocs, dtype=bool) if plan.any_boost else None
        for boost in plan.boosts:
            mask = snap.fields[boost.field].mask_for(list(boost.values), snap.ndocs)
            scores[mask] += np.float32(boost.weight)
            if named is not None:
                named |= mask
        if named is not None:  # the named terms are the only condition
            matched = snap.live & named
        return scores, matched, relaxed

    def _clause_scores(self, snap: Snapshot, clause: Clause, n: int) -> np.ndarray:
        acc = np.zeros(snap.ndocs, dtype=np.float32)
        for fieldname, boost in TEXT_FIELDS.items():
            if clause.phrase:
                self._phrase_scores(snap, fieldname, boost, clause, acc, n)
                continue
            best = None
            weighted = [(t, 1.0) for t in clause.positions[0]]
            if fieldname in SHORT_FIELDS:  # related terms: titles and keywords only
                weighted += [(t, RELATED_WEIGHT) for t in clause.related]
            for term, weight in weighted:
                ids, tf = self._term_postings(snap, fieldname, term)
                if not len(ids):
                    continue
                idf = _idf(n, int(np.count_nonzero(snap.live[ids])))
                if best is None:
                    best = np.zeros(snap.ndocs, dtype=np.float32)
                # ids are unique within one term's postings: plain fancy indexing is safe
                score = (weight * idf * tf / (tf + K1)).astype(np.float32)
                best[ids] = np.maximum(best[ids], score)
            if best is not None:
                acc += np.float32(boost) * best
        self._curriculum_scores(snap, clause, acc, n)
        return acc

    def _curriculum_scores(self, snap, clause, acc, n):
        """Documents filed under a level, subject or type whose labels hold the word(s)."""
        terms = self._lexicon.clause_terms(clause)
        if not terms:
            return
        mask = np.zeros(snap.ndocs, dtype=bool)
        for fieldname, term_ids in terms.items():
            mask |= snap.fields[fieldname].mask_for(term_ids, snap.ndocs)
        df = int(np.count_nonzero(mask & snap.live))
        if df:
            idf = _idf(n, df)
            acc[mask] += np.float32(CURRICULUM_BOOST * idf / (1.0 + K1))

    def _phrase_scores(self, snap, fieldname, boost, clause: Clause, acc, n):
        found = None
        for words in clause.phrase_readings():
            with snap.lock:
                docs = np.fromiter(
                    snap.searcher.docs_for_query(Phrase(fieldname, words)), dtype=np.int64
                )
            found = docs if found is None else np.union1d(found, docs)
        if found is not None and len(found):
            idf = _idf(n, len(found))
            acc[found] += np.float32(boost * idf * len(clause.positions))


def _idf(n: int, df: int) -> float:
    """BM25's idf over live documents. Postings still list deleted documents until
    their segment is merged away; counting them could push df past n and make the
    idf (so every score) negative, which hid edited resources from search."""
    df = min(max(df, 1), n)
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
