"""The embedded search backend: Whoosh for the inverted index, numpy for the rest.

Whoosh stores the index (terms, postings, stored hit summaries, the spelling
keys of titles and keywords); everything per-document that a query needs in bulk --
facet values, sort keys, the live-document mask -- lives in numpy arrays built once
per segment (:mod:`indexer.facet_arrays`). What a query means (understood curriculum
terms, corrections, fall-backs) is :class:`indexer.searching.Searcher`, shared with
Elasticsearch/OpenSearch; one plan is executed over a snapshot by
:class:`indexer.whoosh_search.WhooshRun`:

1. text (:mod:`indexer.whoosh_match`): for each word, read the postings of its variants
   in title^3, keywords^2 and description^1 (cached per segment) and score them
   (BM25-like saturation × idf × field boost, no length normalisation: metadata texts
   are short) into a dense array; add curriculum labels^1 (documents filed under a
   level/subject/type whose labels hold the word, :mod:`indexer.curriculum`); words
   combine with AND, and if no document has every word, with OR
   (``SearchResult.relaxed``); the plan's boosts and bonus phrase add to the scores;
2. filters and facet counts on boolean masks (multi-select semantics, see
   :mod:`indexer.facets`);
3. the page: ``argpartition`` of the scores or sort keys, then stored fields of
   the page's documents only.

Threads: Whoosh readers seek in shared files, so the Whoosh calls of one
snapshot are serialised by its lock (short: postings are cached); writes take
one writer lock and install a fresh snapshot after commit. Another process
(``mawarid reindex``) switching ``CURRENT`` is noticed within a second.
"""

from __future__ import annotations

import bisect
import logging
import math
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import TermNotFound

from .documents import build_document
from .model import IndexableResource, Progress, SearchError, SearchQuery, SearchResult
from .searching import Searcher
from .suggest import clean_prefix, curriculum_phrases, parse_term, rank
from .whoosh_bulk import CHUNK_DOCS, SegmentLoader, default_procs
from .whoosh_match import TextMatcher
from .whoosh_search import WhooshRun
from .whoosh_segment import BulkSegmentWriter
from .whoosh_snapshot import EMPTY, Snapshot, read_postings
from .whoosh_store import Layout, make_schema, to_whoosh

log = logging.getLogger(__name__)

POSTINGS_CACHE = 4096  # (segment, field, term) postings kept in memory
REFRESH_CHECK_SECONDS = 1.0  # how often to look for commits by other processes
WRITE_LOCK_TIMEOUT = 30.0
SUGGEST_SCAN = 300  # autocomplete candidates read from the term dictionary
#: From this many documents, an upsert writes them as one new segment (see
#: :meth:`WhooshBackend.upsert`) instead of adding them one by one through Whoosh's writer.
BULK_UPSERT = 1000
_EMPTY = EMPTY


class WhooshBackend:
    """:class:`indexer.model.SearchBackend` over a Whoosh index folder (see :mod:`whoosh_store`)."""

    def __init__(
        self, root: str | Path, vocabularies: Mapping[str, Any], *, index_procs: int = 0
    ) -> None:
        self.layout = Layout(root)
        self.vocabularies = vocabularies
        self._write_lock = threading.RLock()
        self._rebuild_lock = threading.Lock()
        self._segments: dict = {}
        self._postings: OrderedDict = OrderedDict()
        self._postings_lock = threading.Lock()
        self._searcher = Searcher(vocabularies)
        self._matcher = TextMatcher(self._term_postings, self._searcher.lexicon)
        self._curriculum = curriculum_phrases(vocabularies)
        self._curriculum_keys = [p[0] for p in self._curriculum]
        self.last_rebuild_skipped: list[str] = []
        self.last_rebuild_segments = 0
        self.last_rebuild_worker_cpu = 0.0  # CPU seconds of the rebuild's worker processes
        #: worker processes and documents per segment of a full rebuild (see whoosh_bulk)
        self.rebuild_procs = default_procs(index_procs)
        #: Open the new commit right after each write (a serving process: the next query
        #: finds it ready). False in a process that only writes (the index follower): the
        #: next read, if any, opens it — no per-segment arrays built for nobody.
        self.refresh_after_write = True
        self.rebuild_chunk_docs = CHUNK_DOCS
        self.layout.ensure()
        try:  # partial builds left by a crash; skipped if someone is rebuilding right now
            with self.layout.lock(blocking=False):
                self.layout.cleanup(keep_previous=None)
        except SearchError:
            pass
        self._snap = self._open()

    # -- snapshots -------------------------------------------------------------------------

    def _open(self) -> Snapshot:
        name, ix = self.layout.open_current()
        self._stamp = self.layout.pointer_stamp()
        snap = Snapshot(name, ix, self._segments)
        live_keys = snap.keys
        for key in [k for k in self._segments if k not in live_keys]:
            del self._segments[key]
        return snap

    def _refresh(self) -> None:
        old = self._snap
        self._snap = self._open()
        old.retire()

    @contextmanager
    def _snapshot(self) -> Iterator[Snapshot]:
        """The current snapshot, kept open while the caller uses it."""
        snap = self._snap
        now = time.monotonic()
        if now - snap.checked >= REFRESH_CHECK_SECONDS:
            snap.checked = now
            with snap.lock:
                stale = self.layout.pointer_stamp() != self._stamp or (
                    not snap.retired and not snap.searcher.up_to_date()
                )
            if stale:
                with self._write_lock:
                    if self._snap is snap:
                        self._refresh()
        while True:
            snap = self._snap.acquire()
            if not snap.retired:
                break
            snap.release()  # replaced in between: take the new one
        try:
            yield snap
        finally:
            snap.release()

    def _term_postings(self, snap: Snapshot, fieldname: str, text: str):
        """Postings over the whole snapshot (global document numbers), cached per segment."""
        ids_parts, weight_parts = [], []
        for key, reader, offset, _data in snap.segments:
            cache_key = (key, fieldname, text)
            with self._postings_lock:
                found = self._postings.get(cache_key)
                if found is not None:
                    self._postings.move_to_end(cache_key)
            if found is None:
                with snap.lock:
                    found = read_postings(reader, fieldname, text)
                # a term missing from the segment is cheap to look up again: keeping it
                # would push real postings out (queries try forms that may not exist)
                if len(found[0]):
                    with self._postings_lock:
                        self._postings[cache_key] = found
                        while len(self._postings) > POSTINGS_CACHE:
                            self._postings.popitem(last=False)
            if len(found[0]):
                ids_parts.append(found[0] + offset if offset else found[0])
                weight_parts.append(found[1])
        if not ids_parts:
            return _EMPTY
        if len(ids_parts) == 1:
            return ids_parts[0], weight_parts[0]
        return np.concatenate(ids_parts), np.concatenate(weight_parts)

    # -- writing ---------------------------------------------------------------------------

    def _documents(self, resources: Iterable[IndexableResource]) -> list[dict]:
        return [to_whoosh(build_document(r, self.vocabularies)) for r in resources]

    def upsert(self, docs: Iterable[IndexableResource]) -> int:
        """Add or replace ``docs``. Many at once (a journal drained after a bulk ingest,
        :data:`BULK_UPSERT` or more) are written as one new segment, through the rebuild's
        segment writer (:mod:`indexer.whoosh_bulk`), their earlier versions deleted in
        the same commit: 0.3 ms of CPU per document instead of 1 to 3."""
        fields = self._documents(docs)
        if not fields:
            return 0
        if len(fields) >= BULK_UPSERT:
            self._write("upsert", fields, lambda w: _replace_in_new_segment(w, fields))
        else:
            self._write("upsert", fields, lambda w: [w.update_document(**f) for f in fields])
        return len(fields)

    def delete(self, ids: Iterable[str]) -> int:
        ids = [i for i in ids if isinstance(i, str) and i]
        if not ids:
            return 0
        self._write("delete", ids, lambda w: [w.delete_by_term("id", i) for i in ids])
        return len(ids)

    def _write(self, kind: str, payload: list, apply) -> None:
        """Write to the serving generation; while a rebuild runs anywhere, also journal
        the change so that it is replayed into the new generation before the switch."""
        with self._write_lock, self.layout.journal_lock():
            if self.layout.rebuilding():
                self.layout.journal_append(kind, payload)
            _name, ix = self.layout.open_current()
            try:
                writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT)
            except whoosh_index.LockError:  # another process kept the writer too long
                raise SearchError("index_busy") from None
            try:
                added = apply(writer)
            except BaseException:
                writer.cancel()
                raise
            if isinstance(added, _NewSegments):
                # Kept as they are, after the existing ones (with the deletions made by
                # this writer): merging them now would rewrite every document again.
                writer.commit(mergetype=lambda _w, existing: list(existing) + added.segments)
            else:
                writer.commit()
            if self.refresh_after_write:
                self._refresh()
            else:
                self._snap.checked = -math.inf  # the next read looks for the new commit

    def rebuild(
        self,
        docs: Iterable[IndexableResource],
        total: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Index ``docs`` into a fresh generation and switch to it when complete.

        If ``docs`` raises (or the process dies), the previous index keeps
        serving and the partial folder is removed (now, or by the next run).
        Changes written meanwhile (by this process or another one, e.g. the portal
        while ``mawarid reindex`` runs) are journalled and replayed before the switch.

        The new index is written as ordered segments of :attr:`rebuild_chunk_docs`
        documents by :attr:`rebuild_procs` worker processes (``MAWARID_INDEX_PROCS``;
        in-process when other threads run), see :mod:`indexer.whoosh_bulk`: answers
        are the same as from one segment, document numbers included.
        """
        if not self._rebuild_lock.acquire(blocking=False):
            raise SearchError("rebuild_in_progress")
        try:
            with self.layout.lock(blocking=False):
                return self._rebuild(docs, progress)
        finally:
            self._rebuild_lock.release()

    def _rebuild(self, docs, progress) -> int:
        self.layout.cleanup(keep_previous=None)
        with self.layout.journal_lock():
            self.layout.journal_clear()  # entries of an earlier rebuild are in the index
        build = self.layout.new_build()
        loader = None
        count = 0
        skipped: list[str] = []
        try:
            ix = whoosh_index.create_in(str(build), make_schema())
            # ordered segments of bounded size, written by worker processes (whoosh_bulk)
            loader = SegmentLoader(
                ix, build, procs=self.rebuild_procs, chunk_docs=self.rebuild_chunk_docs
            )
            for resource in docs:
                try:
                    fields = to_whoosh(build_document(resource, self.vocabularies))
                except Exception as exc:  # one bad record must not stop a full rebuild
                    log.warning("not indexed: %s: %s", getattr(resource, "id", "?"), exc)
                    skipped.append(str(getattr(resource, "id", "?")))
                    continue
                loader.add(fields)
                count += 1
                if progress and count % 200 == 0:
                    progress(count)
            self.last_rebuild_segments = loader.finish()
            self.last_rebuild_worker_cpu = loader.worker_cpu
            loader = None
            with self._write_lock, self.layout.journal_lock():
                journal = self.layout.journal_entries()
                if journal:
                    jw = ix.writer()
                    for kind, payload in journal:
                        for item in payload:
                            if kind == "upsert":
                                jw.update_document(**item)
                            else:
                                jw.delete_by_term("id", item)
                    jw.commit()
                previous = self._snap.name
                self.layout.publish(build)
                self.layout.journal_clear()
                self._refresh()
            self.layout.cleanup(keep_previous=previous)
        except BaseException:
            if loader is not None:
                with suppress(Exception):
                    loader.close()
            shutil.rmtree(build, ignore_errors=True)
            raise
        if progress:
            progress(count)
        self.last_rebuild_skipped = skipped
        return count

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        with self._snapshot() as snap:
            return snap.doc_count

    def ids(self) -> Iterator[str]:
        """Every live document's id (from the ``id`` postings, no stored fields read)."""
        found: set[str] = set()
        with self._snapshot() as snap, snap.lock:
            for _key, reader, offset, _data in snap.segments:
                for term in reader.field_terms("id"):
                    docs = read_postings(reader, "id", term)[0]
                    if docs.size and snap.live[docs + offset].any():
                        found.add(term)
        return iter(found)

    def close(self) -> None:
        with self._write_lock:
            self._snap.retire()

    def search(self, query: SearchQuery) -> SearchResult:
        query = query.validated()
        with self._snapshot() as snap:
            return self._searcher.search(WhooshRun(snap, self._matcher, self.vocabularies), query)

    def suggest(self, prefix: str, *, lang: str = "fr", limit: int = 8) -> list[str]:
        key = clean_prefix(prefix)
        limit = max(1, min(int(limit) if isinstance(limit, int) else 8, 20))
        if len(key) < 1:
            return []
        with self._snapshot() as snap:
            return self._suggest(snap, key, lang, limit)

    def _suggest(self, snap: Snapshot, key: str, lang: str, limit: int) -> list[str]:
        candidates: list[tuple[str, str, int]] = []
        with snap.lock:
            found = _prefix_terms(snap.searcher.reader(), "suggest", key, SUGGEST_SCAN)
        for term, frequency in found:
            parsed = parse_term(term if isinstance(term, str) else term.decode("utf-8"))
            if parsed:
                candidates.append((parsed[2], parsed[1], frequency))
        i = bisect.bisect_left(self._curriculum_keys, key)
        live = snap.live_counts
        labels: dict[tuple, tuple] = {}  # one label per term and language: the preferred one
        while i < len(self._curriculum) and self._curriculum[i][0].startswith(key):
            _key, text_lang, display, facet, term_id, priority = self._curriculum[i]
            weight = live.get(facet, {}).get(term_id, 0)
            slot = (facet, term_id, text_lang)
            if weight and (slot not in labels or priority < labels[slot][0]):
                labels[slot] = (priority, display, weight)
            i += 1
        candidates += [(display, slot[2], weight) for slot, (_p, display, weight) in labels.items()]
        return rank(candidates, lang if lang in ("fr", "ar", "en", "zgh") else "fr", limit)


def _prefix_terms(reader, fieldname: str, prefix: str, limit: int) -> list[tuple[Any, int]]:
    """The first ``limit`` terms starting with ``prefix`` and their document frequencies.

    One pass over each segment's term dictionary from the prefix on (the term info
    carries the frequency). Whoosh's multi-segment reader would look every merged
    term up again in every segment (measured: autocomplete p95 6 → 72 ms with ten
    segments). Exact: a term among the first ``limit`` overall is among the first
    ``limit`` of every segment that has it.
    """
    frequencies: dict[Any, int] = {}
    for segment_reader in getattr(reader, "readers", None) or [reader]:
        try:
            for n, (term, info) in enumerate(segment_reader.iter_prefix(fieldname, prefix)):
                if n >= limit:
                    break
                frequencies[term] = frequencies.get(term, 0) + info.doc_frequency()
        except TermNotFound:
            continue
    return sorted(frequencies.items())[:limit]


class _NewSegments:
    """Segments written beside a writer, to commit with it (see :meth:`WhooshBackend._write`)."""

    def __init__(self, segments: list) -> None:
        self.segments = segments


def _replace_in_new_segment(writer, fields: list[dict]) -> _NewSegments:
    """Delete the earlier version of each document (through ``writer``) and write the
    documents as one new segment of the writer's index, committed by the caller."""
    latest = {f["id"]: f for f in fields}  # one document per id, the last given
    for rid in latest:
        writer.delete_by_term("id", rid)
    # A Whoosh writer holds what the segment writer reads from an index: its storage,
    # name and schema (the schema of the generation the writer locked).
    segment = BulkSegmentWriter(writer)
    try:
        for doc in latest.values():
            segment.add(doc)
        return _NewSegments([segment.finish()])
    except BaseException:
        segment.cancel()
        raise
