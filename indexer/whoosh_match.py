"""Free-text matching and scoring over a :class:`~indexer.whoosh_snapshot.Snapshot`.

For each query word (a *clause*) the postings of its variants in the text
fields are read (through the backend's per-segment cache) and scored into a
dense float array: ``idf × tf / (tf + k1) × field boost`` (BM25's saturation
without length normalisation: titles and keywords are short), the best variant
per field; curriculum labels add documents filed under a matching term
(:mod:`indexer.curriculum`). Clauses combine with AND; when nothing has every
word they combine with OR and the result says so (``relaxed``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from whoosh.query import Phrase

from .curriculum import CurriculumLexicon
from .querytext import ParsedQuery
from .whoosh_snapshot import Snapshot
from .whoosh_store import CURRICULUM_BOOST, TEXT_FIELDS

K1 = 1.2  # BM25 term-frequency saturation


class TextMatcher:
    def __init__(
        self,
        postings: Callable[[Snapshot, str, str], tuple[np.ndarray, np.ndarray]],
        lexicon: CurriculumLexicon,
    ) -> None:
        self._term_postings = postings
        self._lexicon = lexicon

    def match(self, snap: Snapshot, parsed: ParsedQuery):
        """(scores or None, matching mask, relaxed): AND of the words, else OR."""
        if not parsed.clauses:
            return None, snap.live, False
        n = max(snap.doc_count, 1)
        clause_scores = []
        for clause in parsed.clauses:
            acc = np.zeros(snap.ndocs, dtype=np.float32)
            for fieldname, boost in TEXT_FIELDS.items():
                if clause.phrase:
                    self._phrase_scores(snap, fieldname, boost, clause, acc, n)
                    continue
                best = None
                for term in clause.positions[0]:
                    ids, tf = self._term_postings(snap, fieldname, term)
                    if not len(ids):
                        continue
                    idf = _idf(n, int(np.count_nonzero(snap.live[ids])))
                    if best is None:
                        best = np.zeros(snap.ndocs, dtype=np.float32)
                    # ids are unique within one term's postings: plain fancy indexing is safe
                    best[ids] = np.maximum(best[ids], (idf * tf / (tf + K1)).astype(np.float32))
                if best is not None:
                    acc += np.float32(boost) * best
            self._curriculum_scores(snap, clause, acc, n)
            clause_scores.append(acc)
        scores = np.sum(clause_scores, axis=0) if len(clause_scores) > 1 else clause_scores[0]
        matched = snap.live.copy()
        for acc in clause_scores:
            matched &= acc > 0
        relaxed = False
        if len(clause_scores) > 1 and not matched.any():
            matched = snap.live & (scores > 0)
            relaxed = bool(matched.any())
        return scores, matched, relaxed

    def _curriculum_scores(self, snap, clause, acc, n):
        """Documents filed under a level, subject or type whose labels hold the word(s)."""
        if clause.phrase:  # every word of the phrase in the labels of one term
            found = None
            for variants in clause.positions:
                terms = self._lexicon.terms_for(variants)
                pairs = {(f, t) for f, ids in terms.items() for t in ids}
                found = pairs if found is None else found & pairs
            terms = {}
            for f, t in sorted(found or ()):
                terms.setdefault(f, []).append(t)
        else:
            terms = self._lexicon.terms_for(clause.positions[0])
        if not terms:
            return
        mask = np.zeros(snap.ndocs, dtype=bool)
        for fieldname, term_ids in terms.items():
            mask |= snap.fields[fieldname].mask_for(term_ids, snap.ndocs)
        df = int(np.count_nonzero(mask & snap.live))
        if df:
            idf = _idf(n, df)
            acc[mask] += np.float32(CURRICULUM_BOOST * idf / (1.0 + K1))

    def _phrase_scores(self, snap, fieldname, boost, clause, acc, n):
        words = [variants[0] for variants in clause.positions]
        with snap.lock:
            docs = np.fromiter(
                snap.searcher.docs_for_query(Phrase(fieldname, words)), dtype=np.int64
            )
        if len(docs):
            idf = _idf(n, len(docs))
            acc[docs] += np.float32(boost * idf * len(words))


def _idf(n: int, df: int) -> float:
    """BM25's idf over live documents. Postings still list deleted documents until
    their segment is merged away; counting them could push df past n and make the
    idf (so every score) negative, which hid edited resources from search."""
    df = min(max(df, 1), n)
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
