"""One open Whoosh index generation at one commit: searcher, postings reader, numpy arrays.

:class:`Snapshot` is what a search runs against. It is immutable: a commit
builds a new one (reusing the arrays of unchanged segments, cached by segment
id) and *retires* the old one, which closes when its last search is done.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh.index import Index
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from .facet_arrays import FieldArray
from .facets import FACET_FIELDS
from .whoosh_store import SORT_LANGS, facet_field

#: Local document numbers and term frequencies of one term in one segment.
Postings = tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]
#: A segment, named by the index generation and Whoosh's segment id.
SegmentKey = tuple[str, str]

EMPTY: Postings = (np.zeros(0, np.int32), np.zeros(0, np.float32))
_EMPTY = EMPTY


def read_postings(reader: IndexReader, fieldname: str, text: str) -> Postings:
    """Local document numbers and term frequencies of one term in one segment.

    Deleted documents are included (the caller masks them). Reads W3 posting
    blocks whole instead of one posting at a time; any other matcher goes
    through the public Matcher API.
    """
    try:
        btext = reader._text_to_bytes(fieldname, text)
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    except (TermNotFound, KeyError):
        return _EMPTY
    except AttributeError:  # not a W3 segment reader
        return _generic_postings(reader, fieldname, text)
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        id_blocks: list[npt.NDArray[np.int32]] = []
        weight_blocks: list[npt.NDArray[np.float32]] = []
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            id_blocks.append(np.asarray(matcher._ids, dtype=np.int32))
            weight_blocks.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if not id_blocks:
            return _EMPTY
        return np.concatenate(id_blocks), np.concatenate(weight_blocks)
    if hasattr(matcher, "_ids") and hasattr(matcher, "_weights"):  # inlined ListMatcher
        ids = np.asarray(matcher._ids, dtype=np.int32)
        weights = (
            np.asarray(matcher._weights, dtype=np.float32)
            if matcher._weights is not None
            else np.ones(len(ids), np.float32)
        )
        return ids, weights
    return _generic_postings(reader, fieldname, text)


def _generic_postings(reader: IndexReader, fieldname: str, text: str) -> Postings:
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return _EMPTY
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, np.int32), np.asarray(weights, np.float32)


class SegmentData:
    """Per-segment arrays; segments never change (deletions are masked separately)."""

    def __init__(self, reader: IndexReader) -> None:
        self.ndocs: int = reader.doc_count_all()
        self.fields: dict[str, FieldArray] = {}
        for name in FACET_FIELDS:
            field = facet_field(name)
            self.fields[name] = FieldArray.from_postings(
                (
                    (term, read_postings(reader, field, term)[0])
                    for term in reader.field_terms(field)
                ),
                self.ndocs,
            )
        self.date: npt.NDArray[np.int64] = np.asarray(self._column(reader, "date"), np.int64)
        self.title_keys: dict[str, npt.NDArray[np.str_]] = {
            lang: np.array(self._column(reader, f"tk_{lang}"), dtype=str) for lang in SORT_LANGS
        }

    def _column(self, reader: IndexReader, name: str) -> list[Any]:
        """The stored column ``name``, one value per document (none in an empty segment)."""
        return list(reader.column_reader(name)) if self.ndocs else []


class Snapshot:
    """One open generation at one commit: a searcher plus its arrays."""

    def __init__(self, name: str, ix: Index, segment_cache: dict[SegmentKey, SegmentData]) -> None:
        self.name = name
        self.ix = ix
        self.lock = threading.RLock()
        self.searcher: Searcher = ix.searcher()
        reader = self.searcher.reader()
        pairs: list[tuple[IndexReader, int]]
        if hasattr(reader, "readers"):
            pairs = list(zip(reader.readers, reader.doc_offsets, strict=False))
        elif reader.doc_count_all():
            pairs = [(reader, 0)]
        else:
            pairs = []
        #: ``(key, segment reader, offset of its first document, its arrays)`` per segment.
        self.segments: list[tuple[SegmentKey, IndexReader, int, SegmentData]] = []
        live_parts: list[npt.NDArray[np.bool_]] = []
        for seg_reader, offset in pairs:
            key: SegmentKey = (name, seg_reader.segment().segment_id())
            data = segment_cache.get(key)
            if data is None:
                data = segment_cache[key] = SegmentData(seg_reader)
            self.segments.append((key, seg_reader, offset, data))
            live = np.ones(data.ndocs, dtype=bool)
            deleted = getattr(seg_reader, "deleted_docs_set", None) or ()
            if deleted:
                live[np.fromiter(deleted, dtype=np.int64)] = False
            live_parts.append(live)
        self.ndocs = sum(data.ndocs for *_, data in self.segments)
        self.live: npt.NDArray[np.bool_] = (
            np.concatenate(live_parts) if live_parts else np.zeros(0, bool)
        )
        self.doc_count = int(self.live.sum())
        self.fields: dict[str, FieldArray] = {
            name: FieldArray.concat(
                [(d.fields[name], off) for _, _, off, d in self.segments], self.ndocs
            )
            for name in FACET_FIELDS
        }
        self.date: npt.NDArray[np.int64] = (
            np.concatenate([d.date for *_, d in self.segments])
            if self.segments
            else np.zeros(0, np.int64)
        )
        self.keys = {key for key, *_ in self.segments}
        self.checked = time.monotonic()

    @cached_property
    def title_rank(self) -> dict[str, npt.NDArray[np.int64]]:
        out: dict[str, npt.NDArray[np.int64]] = {}
        for lang in SORT_LANGS:
            keys = (
                np.concatenate([d.title_keys[lang] for *_, d in self.segments])
                if self.segments
                else np.zeros(0, str)
            )
            rank = np.empty(len(keys), dtype=np.int64)
            rank[np.argsort(keys, kind="stable")] = np.arange(len(keys))
            out[lang] = rank
        return out

    @cached_property
    def live_counts(self) -> dict[str, dict[str, int]]:
        return {name: field.counts(self.live) for name, field in self.fields.items()}

    # A retired snapshot is closed when its last user is done (searches run on
    # other threads while a commit installs the next snapshot).
    users: int = 0
    retired: bool = False

    def acquire(self) -> Snapshot:
        with self.lock:
            self.users += 1
        return self

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.retired and self.users == 0:
                self._close()

    def retire(self) -> None:
        with self.lock:
            self.retired = True
            if self.users == 0:
                self._close()

    def _close(self) -> None:
        try:
            self.searcher.close()
        except Exception:  # already closed
            pass
