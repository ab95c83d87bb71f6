"""Time, injectable: code that depends on "now" asks a :class:`Clock`, tests move it.

Services take a ``clock`` argument (default :data:`SYSTEM_CLOCK`); a test passes a
:class:`FrozenClock` and calls :meth:`FrozenClock.advance` instead of sleeping.
Catalogue timestamps are UTC, naive, at whole seconds (stable OAI-PMH datestamps on
SQLite and PostgreSQL alike): :meth:`Clock.utcnow` gives exactly that.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring durations (never goes back)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FrozenClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 1.0) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


SYSTEM_CLOCK: Clock = SystemClock()


def utcnow(clock: Clock = SYSTEM_CLOCK) -> datetime:
    """Now, in UTC, naive, at whole seconds: how the catalogue stamps time."""
    return clock.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
