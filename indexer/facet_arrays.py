"""Compact per-field numpy arrays for filtering, counting and sorting without Whoosh.

Whoosh's ``groupedby`` facets walk every matched document in Python (measured:
p95 2.2 s at 100k documents). Instead, for each facet field we keep the
(document number, value code) pairs of the index, built once per segment from
the field's postings (segments are immutable, so the arrays are cached by
segment id) and concatenated per searcher:

* filter: ``mask[docs[np.isin(codes, selected)]] = True``;
* count: ``np.bincount(codes[mask[docs]])``.

Both are O(pairs) in C, whatever the number of hits, and a match-all browse
never builds a Python list of hits. Sort keys (date, title rank) are plain
per-document arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np


@dataclass
class FieldArray:
    """Multi-valued field as COO pairs: ``docs[i]`` has value ``terms[codes[i]]``."""

    terms: list[str]
    docs: np.ndarray      # int32, document numbers
    codes: np.ndarray     # int32, index into ``terms``

    @classmethod
    def from_postings(cls, postings: Iterable[tuple[str, np.ndarray]]) -> "FieldArray":
        """From ``(term, sorted doc numbers)`` pairs, terms in index (sorted) order."""
        terms: list[str] = []
        docs: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for term, ids in postings:
            code = len(terms)
            terms.append(term)
            docs.append(np.asarray(ids, dtype=np.int32))
            codes.append(np.full(len(ids), code, dtype=np.int32))
        if not terms:
            return cls([], np.zeros(0, np.int32), np.zeros(0, np.int32))
        return cls(terms, np.concatenate(docs), np.concatenate(codes))

    @classmethod
    def concat(cls, parts: Sequence[tuple["FieldArray", int]]) -> "FieldArray":
        """Segment arrays with their document offsets → one array over the whole index."""
        if len(parts) == 1 and parts[0][1] == 0:
            return parts[0][0]
        terms = sorted({t for part, _ in parts for t in part.terms})
        index = {t: i for i, t in enumerate(terms)}
        docs, codes = [], []
        for part, offset in parts:
            remap = np.array([index[t] for t in part.terms] or [0], dtype=np.int32)
            docs.append(part.docs + np.int32(offset))
            codes.append(remap[part.codes] if len(part.codes) else part.codes)
        return cls(terms, np.concatenate(docs) if docs else np.zeros(0, np.int32),
                   np.concatenate(codes) if codes else np.zeros(0, np.int32))

    def code_of(self, term: str) -> int | None:
        # terms are sorted: binary search instead of keeping a dict per field
        import bisect
        i = bisect.bisect_left(self.terms, term)
        return i if i < len(self.terms) and self.terms[i] == term else None

    def mask_for(self, values: Iterable[str], ndocs: int) -> np.ndarray:
        """Documents having any of ``values`` (OR within a facet)."""
        mask = np.zeros(ndocs, dtype=bool)
        codes = [c for c in (self.code_of(v) for v in values) if c is not None]
        if codes:
            mask[self.docs[np.isin(self.codes, codes)]] = True
        return mask

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """Number of documents in ``mask`` per value (values with 0 left out)."""
        if not len(self.codes):
            return {}
        counted = np.bincount(self.codes[mask[self.docs]], minlength=len(self.terms))
        return {self.terms[i]: int(counted[i]) for i in np.flatnonzero(counted)}


def top_k(keys: np.ndarray, candidates: np.ndarray, k: int, *, descending: bool,
          tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The first ``k`` of ``candidates`` (document numbers) ordered by ``keys[candidates]``.

    ``argpartition`` first, so only ``k`` keys are fully sorted; ties are broken
    by ``tiebreak`` (descending, e.g. the date) and then by document number.
    """
    if k <= 0 or not len(candidates):
        return candidates[:0]
    values = keys[candidates]
    if descending:
        values = -values.astype(np.float64)
    if k < len(candidates):
        part = np.argpartition(values, k - 1)[:k]
        # keep every candidate equal to the k-th key, so ties are broken deterministically
        kth = values[part].max()
        part = np.flatnonzero(values <= kth)
        candidates, values = candidates[part], values[part]
    order_keys = [candidates, values] if tiebreak is None else \
        [candidates, -tiebreak[candidates].astype(np.float64), values]
    order = np.lexsort(order_keys)
    return candidates[order][:k]
