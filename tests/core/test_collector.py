"""The garbage collector's bulk setting is scoped: a long-running process gets its own back."""

from __future__ import annotations

import gc

from core.collector import BULK_THRESHOLD, bulk_collection


def test_bulk_collection_freezes_then_gives_everything_back():
    before = gc.get_threshold()
    kept = object()  # noqa: F841 - alive when the block starts: frozen by it
    with bulk_collection():
        assert gc.get_threshold()[0] == BULK_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_bulk_work_are_still_collected():
    class Node:
        pass

    with bulk_collection():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
