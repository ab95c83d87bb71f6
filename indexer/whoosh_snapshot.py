"""One open Whoosh index generation at one commit: searcher, postings reader, numpy arrays.

:class:`Snapshot` is what a search runs against. It is immutable: a commit
builds a new one (reusing the arrays of unchanged segments, cached by segment
id) and *retires* the old one, which closes when its last search is done.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property

import numpy as np
from whoosh.reading import TermNotFound

from .facet_arrays import FieldArray
from .facets import FACET_FIELDS
from .whoosh_store import SORT_LANGS, facet_field

EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.float32))
_EMPTY = EMPTY


def read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
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
        ids, weights = [], []
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if not ids:
            return _EMPTY
        return np.concatenate(ids), np.concatenate(weights)
    if hasattr(matcher, "_ids") and hasattr(matcher, "_weights"):  # inlined ListMatcher
        ids = np.asarray(matcher._ids, dtype=np.int32)
        weights = (
            np.asarray(matcher._weights, dtype=np.float32)
            if matcher._weights is not None
            else np.ones(len(ids), np.float32)
        )
        return ids, weights
    return _generic_postings(reader, fieldname, text)


def _generic_postings(reader, fieldname, text):
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return _EMPTY
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, np.int32), np.asarray(weights, np.float32)


class SegmentData:
    """Per-segment arrays; segments never change (deletions are masked separately)."""

    def __init__(self, reader) -> None:
        self.ndocs = reader.doc_count_all()
        self.fields = {}
        for name in FACET_FIELDS:
            field = facet_field(name)
            self.fields[name] = FieldArray.from_postings(
                (
                    (term, read_postings(reader, field, term)[0])
                    for term in reader.field_terms(field)
                ),
                self.ndocs,
            )
        self.date = self._column(reader, "date", np.int64)
        self.title_keys = {lang: self._column(reader, f"tk_{lang}", str) for lang in SORT_LANGS}

    def _column(self, reader, name, dtype):
        if self.ndocs == 0:
            return np.zeros(0, dtype=dtype)
        values = list(reader.column_reader(name))
        if dtype is str:
            return np.array(values, dtype=str)
        return np.asarray(values, dtype=dtype)


class Snapshot:
    """One open generation at one commit: a searcher plus its arrays."""

    def __init__(self, name: str, ix, segment_cache: dict) -> None:
        self.name = name
        self.ix = ix
        self.lock = threading.RLock()
        self.searcher = ix.searcher()
        reader = self.searcher.reader()
        if hasattr(reader, "readers"):
            pairs = list(zip(reader.readers, reader.doc_offsets, strict=False))
        elif reader.doc_count_all():
            pairs = [(reader, 0)]
        else:
            pairs = []
        self.segments = []
        live_parts = []
        for seg_reader, offset in pairs:
            key = (name, seg_reader.segment().segment_id())
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
        self.live = np.concatenate(live_parts) if live_parts else np.zeros(0, bool)
        self.doc_count = int(self.live.sum())
        self.fields = {
            name: FieldArray.concat(
                [(d.fields[name], off) for _, _, off, d in self.segments], self.ndocs
            )
            for name in FACET_FIELDS
        }
        self.date = (
            np.concatenate([d.date for *_, d in self.segments])
            if self.segments
            else np.zeros(0, np.int64)
        )
        self.keys = {key for key, *_ in self.segments}
        self.checked = time.monotonic()

    @cached_property
    def title_rank(self) -> dict[str, np.ndarray]:
        out = {}
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
    users = 0
    retired = False

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
