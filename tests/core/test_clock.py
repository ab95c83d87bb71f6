from __future__ import annotations

from datetime import UTC, datetime

from core.clock import SYSTEM_CLOCK, FrozenClock, utcnow


def test_a_frozen_clock_moves_only_when_told():
    clock = FrozenClock(datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=UTC))
    assert utcnow(clock) == datetime(2026, 3, 1, 9, 30, 15)
    start = clock.monotonic()
    clock.advance(90)
    assert utcnow(clock) == datetime(2026, 3, 1, 9, 31, 45)
    assert clock.monotonic() - start == 90


def test_the_system_clock_is_utc_at_seconds():
    now = utcnow(SYSTEM_CLOCK)
    assert now.tzinfo is None and now.microsecond == 0
    assert abs((datetime.now(UTC).replace(tzinfo=None) - now).total_seconds()) < 5
