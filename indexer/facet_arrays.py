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

import bisect
from collections.abc import Iterable, Sequence

import numpy as np


class FieldArray:
    """Multi-valued field as (document, value code) pairs, indexed both ways.

    * by value: ``docs[term_offsets[c]:term_offsets[c + 1]]`` are the documents
      having ``terms[c]`` (terms sorted), so a filter costs O(matching documents);
    * by document: ``doc_codes[doc_offsets[d]:doc_offsets[d + 1]]`` are the codes of
      document ``d`` (CSR), so counting a few matched documents costs O(their values)
      while counting a large set uses one ``bincount`` over all pairs.
    """

    def __init__(self, terms: list[str], docs: np.ndarray, codes: np.ndarray, ndocs: int) -> None:
        self.terms = terms
        self.ndocs = ndocs
        order = np.lexsort((docs, codes)) if len(codes) else np.zeros(0, np.int64)
        self.docs = np.ascontiguousarray(docs[order], dtype=np.int32)
        self.codes = np.ascontiguousarray(codes[order], dtype=np.int32)
        self.term_offsets = np.searchsorted(self.codes, np.arange(len(terms) + 1))
        by_doc = np.argsort(self.docs, kind="stable")
        self.doc_codes = self.codes[by_doc]
        self.doc_offsets = np.searchsorted(self.docs[by_doc], np.arange(ndocs + 1))

    @classmethod
    def empty(cls, ndocs: int = 0) -> FieldArray:
        return cls([], np.zeros(0, np.int32), np.zeros(0, np.int32), ndocs)

    @classmethod
    def from_postings(cls, postings: Iterable[tuple[str, np.ndarray]], ndocs: int) -> FieldArray:
        """From ``(term, doc numbers)`` pairs, terms in index (sorted) order."""
        terms: list[str] = []
        docs: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for term, ids in postings:
            code = len(terms)
            terms.append(term)
            docs.append(np.asarray(ids, dtype=np.int32))
            codes.append(np.full(len(ids), code, dtype=np.int32))
        if not terms:
            return cls.empty(ndocs)
        return cls(terms, np.concatenate(docs), np.concatenate(codes), ndocs)

    @classmethod
    def concat(cls, parts: Sequence[tuple[FieldArray, int]], ndocs: int) -> FieldArray:
        """Segment arrays with their document offsets → one array over the whole index."""
        if len(parts) == 1 and parts[0][1] == 0 and parts[0][0].ndocs == ndocs:
            return parts[0][0]
        terms = sorted({t for part, _ in parts for t in part.terms})
        index = {t: i for i, t in enumerate(terms)}
        docs, codes = [np.zeros(0, np.int32)], [np.zeros(0, np.int32)]
        for part, offset in parts:
            if not len(part.codes):
                continue
            remap = np.array([index[t] for t in part.terms], dtype=np.int32)
            docs.append(part.docs + np.int32(offset))
            codes.append(remap[part.codes])
        return cls(terms, np.concatenate(docs), np.concatenate(codes), ndocs)

    def code_of(self, term: str) -> int | None:
        i = bisect.bisect_left(self.terms, term)  # terms are sorted
        return i if i < len(self.terms) and self.terms[i] == term else None

    def mask_for(self, values: Iterable[str], ndocs: int | None = None) -> np.ndarray:
        """Documents having any of ``values`` (OR within a facet)."""
        mask = np.zeros(self.ndocs if ndocs is None else ndocs, dtype=bool)
        for code in (self.code_of(v) for v in values):
            if code is not None:
                mask[self.docs[self.term_offsets[code] : self.term_offsets[code + 1]]] = True
        return mask

    def counts(self, mask: np.ndarray, selected: int | None = None) -> dict[str, int]:
        """Number of documents in ``mask`` per value (values with 0 left out).

        ``selected`` is ``mask``'s number of documents if the caller knows it.
        """
        if not len(self.codes):
            return {}
        if selected is None:
            selected = int(np.count_nonzero(mask))
        if selected * 8 < self.ndocs:  # few documents: walk their values (CSR)
            docs = np.flatnonzero(mask)
            starts, stops = self.doc_offsets[docs], self.doc_offsets[docs + 1]
            lengths = stops - starts
            total = int(lengths.sum())
            if not total:
                return {}
            positions = _ranges(starts, lengths, total)
            counted = np.bincount(self.doc_codes[positions], minlength=len(self.terms))
        else:
            counted = np.bincount(self.codes[mask[self.docs]], minlength=len(self.terms))
        return {self.terms[i]: int(counted[i]) for i in np.flatnonzero(counted)}


def _ranges(starts: np.ndarray, lengths: np.ndarray, total: int) -> np.ndarray:
    """Concatenation of ``range(s, s + n)`` for each start ``s`` and length ``n``."""
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def top_k(
    keys: np.ndarray,
    candidates: np.ndarray,
    k: int,
    *,
    descending: bool,
    tiebreak: np.ndarray | None = None,
) -> np.ndarray:
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
    order_keys = (
        [candidates, values]
        if tiebreak is None
        else [candidates, -tiebreak[candidates].astype(np.float64), values]
    )
    order = np.lexsort(order_keys)
    return candidates[order][:k]
