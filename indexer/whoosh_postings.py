"""Whole posting lists written as Whoosh 3 blocks: the codec side of the bulk segment writer.

Whoosh's ``W3FieldWriter`` takes a posting at a time (``add`` →
``W3PostingsWriter.add_posting``: type assertions, array appends and statistics per
posting, a block written every 128). The bulk writer (:mod:`indexer.whoosh_segment`) has
each term's whole posting list in memory, so :class:`BlockFieldWriter` slices it into the
same blocks at once. The bytes are those of ``W3PostingsWriter._write_block`` and
``W3TermInfo.add_block`` (whoosh-reloaded 2.7.5, pinned), reproduced statement for
statement below; ``tests/indexer/test_bulk_segment.py`` compares the files of both writers.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

#: Whoosh pickles its blocks with protocol 2 (``whoosh.compat.dumps(data, 2)``).
PICKLE_PROTOCOL = 2


def supported_codec(codec: Any) -> bool:
    """Whether :class:`BlockFieldWriter` writes what ``codec`` would: Whoosh 3 postings
    never inlined in the term info (``inlinelimit`` 1, the default; Whoosh's own inlining
    calls a method its term info lacks)."""
    return type(codec) is W3Codec and codec._inlinelimit <= 1


class BlockFieldWriter(W3FieldWriter):
    """``W3FieldWriter`` taking a term's whole posting list (:meth:`add_term`) instead of
    ``start_term``/``add``/``finish_term``; fields still begin with ``start_field``."""

    def add_term(
        self,
        btext: bytes,
        ids: Sequence[int],
        weights: Sequence[float],
        values: Sequence[bytes] | None,
        lengths: Sequence[int] | None,
    ) -> None:
        """Write the postings of ``btext`` (ascending document numbers, one weight each,
        encoded values or None when the format stores none, each document's field length
        (0: none) or None for fields without lengths) and add the term to the term index.
        Terms must come in byte order within the field."""
        postfile = self._postfile
        codec = self._codec
        limit = codec._blocklimit
        compression = codec._compression
        fixed_size = self._format.fixed_value_size()
        info = W3TermInfo()
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)  # W3PostingsWriter writes it with the 1st block
        count = len(ids)
        for lo in range(0, count, limit):
            hi = lo + limit
            block_ids = ids[lo:hi]
            block_weights = array("f", weights[lo:hi])  # Whoosh keeps weights as float32
            # the block's own statistics (W3PostingsWriter.add_posting): the largest weight
            # as given (not float32), lengths ignoring the falsy ones
            top = max(weights[lo:hi])
            max_weight = top if top > 0 else 0
            min_length = max_length = None
            if lengths is not None:
                known = lengths[lo:hi]
                if 0 in known:
                    known = [n for n in known if n]
                if known:
                    min_length, max_length = min(known), max(known)
            # W3TermInfo.add_block
            info._weight += sum(block_weights)
            info._df += len(block_ids)
            if info._minlength is None:
                info._minlength = min_length
            else:
                info._minlength = min(info._minlength, min_length)
            info._maxlength = max(info._maxlength, max_length or 0)
            info._maxweight = max(info._maxweight, max_weight)
            if info._minid is None:
                info._minid = block_ids[0]
            info._maxid = block_ids[-1]
            # W3PostingsWriter._write_block
            data = (
                _deltas(block_ids),
                _mini_weights(block_weights),
                _mini_values(values[lo:hi] if values is not None else (), fixed_size),
            )
            databytes = dumps(data, PICKLE_PROTOCOL)
            if compression:
                databytes = zlib.compress(databytes, compression)
            infobytes = dumps(
                (
                    len(block_ids),
                    block_ids[-1],
                    max_weight,
                    compression,
                    length_to_byte(min_length),
                    length_to_byte(max_length or 0),
                ),
                PICKLE_PROTOCOL,
            )
            size = len(infobytes) + len(databytes)
            postfile.write_int(-size if hi >= count else size)  # negative: the last block
            postfile.write(infobytes)
            postfile.write(databytes)
        info.set_extent(start, postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())


def _deltas(ids: Sequence[int]) -> tuple[int, ...]:
    out = []
    base = 0
    for n in ids:
        out.append(n - base)
        base = n
    return tuple(out)


def _mini_weights(weights: array[float]) -> Any:
    # W3PostingsWriter._mini_weights: ``all(w == 1.0 for w in weights)``, then the same
    # test against the first weight (``count`` compares the same float32 values)
    if weights.count(1.0) == len(weights):
        return None
    first = weights[0]
    if weights.count(first) == len(weights):
        return first
    return tuple(weights)


def _mini_values(values: Sequence[bytes], fixed_size: int | None) -> Any:
    kept = [v for v in values if v]  # add_posting keeps only non-empty values
    if fixed_size is None or fixed_size < 0:
        return tuple(kept)
    if fixed_size == 0:
        return None
    return b"".join(kept)
