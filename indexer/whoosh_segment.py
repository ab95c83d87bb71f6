"""A fresh segment written from a chunk of documents held in memory: the rebuild's writer.

Whoosh's ``SegmentWriter.add_document`` puts every posting as a tuple in a sorting pool
(with a size estimate each), sorts the segment's ~1M tuples at the end and hands them
back one at a time to the codec, which reads each document's field length back from the
length column per posting. A rebuild segment holds at most ``whoosh_bulk.CHUNK_DOCS``
documents, so :class:`BulkSegmentWriter` keeps each field's postings per term in
arrays, analyses a text once (:func:`indexer.analysis.index_positions`), and writes the
terms in byte order, a whole posting list at a time
(:class:`indexer.whoosh_postings.BlockFieldWriter`). The per-document parts (stored
fields, field lengths, sort columns) go through Whoosh's own per-document writer, called
as ``add_document`` calls it.

The segment's files are byte for byte those ``SegmentWriter`` writes for the same
documents (``tests/indexer/test_bulk_segment.py``), so Whoosh reads it as its own. It is
only for a new segment of a rebuild (no deletions, no updates: single changes keep
Whoosh's writer). Any indexed field type is handled through ``field.index`` as Whoosh
does; the kinds the schema uses (:func:`indexer.whoosh_store.make_schema`) take shorter
paths. Term vectors, separate spelling fields and the ``_boost``/``_stored_`` document
keys are not supported: the writer refuses them rather than write something else.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pickle import dumps
from typing import Any

from whoosh.analysis import IDTokenizer, RegexTokenizer
from whoosh.codec import default_codec
from whoosh.fields import FieldType, UnknownFieldError
from whoosh.formats import Existence, Positions
from whoosh.system import pack_uint

from .analysis import MultilingualAnalyzer, index_positions
from .whoosh_postings import PICKLE_PROTOCOL, BlockFieldWriter, supported_codec

# How a field's value becomes terms (None: not indexed)
POSITIONS = "positions"  # MultilingualAnalyzer with positions: analysis.index_positions
WHOLE = "whole"  # ID: the value is the one term
MATCHES = "matches"  # IDLIST: the matches of a regular expression
GENERIC = "generic"  # anything else: field.index, Whoosh's own analysis

#: One term's postings: document numbers, weights, encoded values
Postings = tuple["array[int]", "array[float]", list[bytes]]


def _new_postings() -> Postings:
    return array("I"), array("d"), []


@dataclass(frozen=True)
class FieldPlan:
    """What ``add_document`` does with one schema field, decided once per segment."""

    name: str
    field: FieldType
    kind: str | None
    stored: bool
    scorable: bool
    column: Any  # whoosh.columns.Column or None
    boost: float  # the format's field boost, a factor of every posting's weight


def plan_field(name: str, field: FieldType) -> FieldPlan:
    if field.vector or field.separate_spelling():
        raise ValueError(f"field {name!r}: the bulk writer writes no vectors or spelling fields")
    kind = None
    if field.indexed:
        fmt, analyzer = type(field.format), type(field.analyzer)
        if fmt is Positions and analyzer is MultilingualAnalyzer:
            kind = POSITIONS
        elif fmt is Existence and analyzer is IDTokenizer:
            kind = WHOLE
        elif (
            fmt is Existence
            and analyzer is RegexTokenizer
            and not field.analyzer.gaps
            and not field.analyzer.expression.groups  # findall gives whole matches
        ):
            kind = MATCHES
        else:
            kind = GENERIC
    return FieldPlan(
        name=name,
        field=field,
        kind=kind,
        stored=bool(field.stored),
        scorable=bool(field.scorable),
        column=field.column_type,
        boost=field.format.field_boost if field.indexed else 1.0,
    )


class BulkSegmentWriter:
    """``add(fields)`` for each document of the segment (Whoosh field dicts, document
    numbers from 0), then ``finish()`` → the segment, ready for the table of contents;
    ``cancel()`` after an error. Nothing is visible before the caller commits the TOC."""

    def __init__(self, ix: Any) -> None:
        codec = default_codec()
        if not supported_codec(codec):
            raise ValueError(f"the bulk writer writes Whoosh 3 segments, not {codec!r}")
        self._storage = ix.storage
        self._plans = {name: plan_field(name, field) for name, field in ix.schema.items()}
        self._segment = codec.new_segment(self._storage, ix.indexname)
        self._perdoc = codec.per_document_writer(self._storage, self._segment)
        self._terms = BlockFieldWriter(codec, self._storage, self._segment)
        # field → term → postings: (docnums, weights, encoded values), or docnums alone
        # for the existence formats of IDs (see _index)
        self._postings: dict[str, dict[Any, Any]] = {
            name: {} for name, plan in self._plans.items() if plan.kind
        }
        # field → each document's length in tokens (0: none). Whoosh's codec reads the
        # lengths back from the one-byte length column, rounded, but writes them only as
        # that byte again (a monotonic code, stable when re-coded): exact ones do as well
        self._lengths: dict[str, array[int]] = {
            name: array("i") for name, plan in self._plans.items() if plan.scorable
        }
        self._docnum = 0

    def add(self, fields: Mapping[str, Any]) -> None:
        docnum = self._docnum
        perdoc = self._perdoc
        plans = self._plans
        perdoc.start_doc(docnum)
        # add_document's order (sorted names): the per-document writer gets the same calls
        for name in sorted(fields):
            if name.startswith("_"):
                raise ValueError(f"{name!r}: no boosts or custom stored values in a bulk load")
            plan = plans.get(name)
            if plan is None:
                raise UnknownFieldError(f"No field named {name!r}")
            value = fields[name]
            if value is None:
                continue
            length = self._index(plan, value, docnum) if plan.kind else 0
            if plan.scorable:
                self._lengths[name].append(length)
            if plan.stored or length:
                perdoc.add_field(name, plan.field, value if plan.stored else None, length)
            if plan.column:
                perdoc.add_column_value(name, plan.column, plan.field.to_column_value(value))
        perdoc.finish_doc()
        for lengths in self._lengths.values():  # fields this document lacks
            if len(lengths) == docnum:
                lengths.append(0)
        self._docnum += 1

    def _index(self, plan: FieldPlan, value: Any, docnum: int) -> int:
        """Add one value's postings; its length (tokens; distinct terms for existence
        formats) if the field is scorable, else 0, as add_document counts it.

        Postings are kept per term in arrays (document numbers, weights) and a list of
        encoded values: a segment's million postings then make a few tens of thousands
        of objects for the cyclic garbage collector to scan, not millions (measured: a
        list per posting cost more than the analysis)."""
        postings = self._postings[plan.name]
        kind = plan.kind if type(value) is str else GENERIC  # lists: Whoosh's own way
        if kind == POSITIONS:
            found, tokens = index_positions(value, plan.field.analyzer.stem)
            boost = plan.boost
            for text, positions in found.items():
                entry = postings.get(text)
                if entry is None:
                    postings[text] = entry = _new_postings()
                entry[0].append(docnum)
                entry[1].append(len(positions) * boost)  # Positions.word_values' weight
                entry[2].append(_encode_positions(positions))
            return tokens if plan.scorable else 0
        if kind in (WHOLE, MATCHES):
            if kind == WHOLE:
                terms: Iterable[str] = (value,)
            else:
                terms = set(plan.field.analyzer.expression.findall(value))
            count = 0
            for text in terms:
                ids = postings.get(text)
                if ids is None:
                    postings[text] = ids = array("I")
                ids.append(docnum)
                count += 1
            return count if plan.scorable else 0
        length = 0
        for btext, freq, weight, vbytes in plan.field.index(value):
            entry = postings.get(btext)
            if entry is None:
                postings[btext] = entry = _new_postings()
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
            if plan.scorable:
                length += freq
        return length

    def finish(self) -> Any:
        """Write the postings and close the segment's files; the segment."""
        self._perdoc.close()
        for name in sorted(self._postings):  # the sorting pool's order: field, term, document
            postings = self._postings[name]
            if postings:
                self._write_field(self._plans[name], postings)
        self._terms.close()
        segment = self._segment
        segment.set_doc_count(self._docnum)
        if segment.should_assemble():
            segment.create_compound_file(self._storage)
        return segment

    def _write_field(self, plan: FieldPlan, postings: dict[Any, Any]) -> None:
        terms = self._terms
        terms.start_field(plan.name, plan.field)
        lengths = self._lengths.get(plan.name)
        boost = plan.boost
        for btext, term in sorted((_utf8(t), t) for t in postings):
            entry = postings[term]
            if type(entry) is tuple:  # POSITIONS, GENERIC: (docnums, weights, values)
                ids, weights, values = entry
            else:  # WHOLE, MATCHES: docnums; every weight is the format's boost
                ids, weights, values = entry, [boost] * len(entry), None
            terms.add_term(
                btext, ids, weights, values, None if lengths is None else [lengths[d] for d in ids]
            )
        terms.finish_field()

    def cancel(self) -> None:
        """Close the segment's files (the caller removes the unfinished index)."""
        for writer in (self._perdoc, self._terms):
            if not writer.is_closed:
                with suppress(Exception):
                    writer.close()


def _utf8(term: str | bytes) -> bytes:
    return term if isinstance(term, bytes) else term.encode("utf-8")


#: ``Positions.encode`` of the first single positions, less the count: most terms
#: occur once in a field, early
_ONE: bytes = pack_uint(1)
_SINGLE = tuple(dumps([pos], PICKLE_PROTOCOL) for pos in range(256))


def _encode_positions(positions: list[int]) -> bytes:
    """``Positions.encode``: the count, then the pickled gaps between positions. A new
    bytes object per posting (a concatenation), as Whoosh makes: a block's pickle
    refers back to a value it already holds by identity, which would change its bytes."""
    if len(positions) == 1:
        if 0 <= positions[0] < len(_SINGLE):
            return _ONE + _SINGLE[positions[0]]
        deltas = positions
    else:
        deltas = []
        base = 0
        for pos in positions:
            deltas.append(pos - base)
            base = pos
    count: bytes = pack_uint(len(positions))
    return count + dumps(deltas, PICKLE_PROTOCOL)
