"""Rate-limit counters in the database: one fixed window per key, shared by every process.

flask-limiter counts hits per key (``LIMITER/<ip>/<view>/10/1/minute``) in fixed windows:
the first hit opens a window of ``expiry`` seconds, each hit adds to its count, and a hit
after the window's end opens a new one. Kept in ``rate_limit_counters`` so that every
worker process and every server sharing the database counts together (in memory, ten
login attempts a minute would become ten per process). One statement per hit, atomic on
SQLite and PostgreSQL alike (``INSERT … ON CONFLICT DO UPDATE … RETURNING``); expired rows
are removed now and then by the hits themselves.
"""

from __future__ import annotations

import random

from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import SYSTEM_CLOCK, Clock

from ..store import Database
from ..store.models import RateLimitCounter

TABLE: Table = RateLimitCounter.__table__  # type: ignore[assignment]
#: One hit in this many also deletes the windows that ended more than an hour ago.
SWEEP_ONE_IN = 200
SWEEP_AFTER = 3600.0


class RateLimitCounters:
    def __init__(self, db: Database, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.db = db
        self.clock = clock
        self._insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` hits to ``key``'s window (opening one if none is running): the count."""
        now = self._now()
        insert = self._insert(TABLE).values(key=key, count=amount, expires_at=now + expiry)
        expired = TABLE.c.expires_at <= now
        stmt = insert.on_conflict_do_update(
            index_elements=[TABLE.c.key],
            set_={
                "count": case((expired, amount), else_=TABLE.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=TABLE.c.expires_at),
            },
        ).returning(TABLE.c.count)
        with self.db.engine.begin() as connection:
            count = int(connection.execute(stmt).scalar_one())
            if random.randrange(SWEEP_ONE_IN) == 0:
                connection.execute(delete(TABLE).where(TABLE.c.expires_at < now - SWEEP_AFTER))
        return count

    def get(self, key: str) -> int:
        """Hits in ``key``'s running window (0 if none runs)."""
        with self.db.engine.connect() as connection:
            count = connection.execute(
                select(TABLE.c.count).where(TABLE.c.key == key, TABLE.c.expires_at > self._now())
            ).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (seconds since the epoch; now if none runs)."""
        now = self._now()
        with self.db.engine.connect() as connection:
            ends = connection.execute(
                select(TABLE.c.expires_at).where(TABLE.c.key == key, TABLE.c.expires_at > now)
            ).scalar()
        return float(ends if ends is not None else now)

    def clear(self, key: str) -> None:
        with self.db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.key == key))

    def reset(self) -> int:
        """Forget every window: how many there were."""
        with self.db.engine.begin() as connection:
            return int(connection.execute(delete(TABLE)).rowcount or 0)

    def check(self) -> bool:
        """True if the database answers."""
        try:
            with self.db.engine.connect() as connection:
                connection.execute(select(1))
        except Exception:
            return False
        return True
