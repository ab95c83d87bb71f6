"""Where the portal's rate limits count: the database by default, Redis when configured.

In one process's memory, "10 login attempts a minute" would become ten per worker process
and per server. So the counters live where every process sees them
(``MAWARID_RATE_LIMIT_STORAGE_URL``):

* not set (the default): the catalogue database, table ``rate_limit_counters``
  (:class:`DatabaseStorage` over :class:`catalogue.services.RateLimitCounters`);
* ``redis://host:6379/0`` (``rediss://`` over TLS): Redis, through the ``limits`` library's
  own storage;
* ``memory://``: this process only (tests, a single worker).

flask-limiter keeps one storage per :class:`~flask_limiter.Limiter`, and the portal has one
limiter that views decorate at import time, while one process may run several apps (the
tests do). The limiter's storage is therefore :class:`AppStorage`, which hands every call
to the storage of the app answering the request (``app.extensions``, set up by
:func:`init_rate_limits`). If that storage fails (Redis down), flask-limiter counts in
memory meanwhile (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) instead of refusing logins.
"""

from __future__ import annotations

import weakref
from typing import Any

from flask import Flask, current_app, has_app_context
from limits.storage import Storage, storage_from_string
from sqlalchemy.exc import SQLAlchemyError

from catalogue.services import RateLimitCounters

EXTENSION_KEY = "mawarid_rate_limits"
#: The flask-limiter storage URI of :class:`AppStorage`.
APP_STORAGE_URI = "mawarid+app://"
#: The storages of the apps of this process (flask-limiter may rebuild its AppStorage).
_APP_STORAGES: weakref.WeakSet[Storage] = weakref.WeakSet()


class DatabaseStorage(Storage):
    """The ``limits`` storage interface over the catalogue's rate-limit counters."""

    STORAGE_SCHEME: list[str] | None = None  # built by init_rate_limits, never from a URI

    def __init__(self, counters: RateLimitCounters) -> None:
        super().__init__(None, wrap_exceptions=False)
        self.counters = counters

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.counters.incr(key, expiry, amount)

    def get(self, key: str) -> int:
        return self.counters.get(key)

    def get_expiry(self, key: str) -> float:
        return self.counters.get_expiry(key)

    def check(self) -> bool:
        return self.counters.check()

    def reset(self) -> int | None:
        return self.counters.reset()

    def clear(self, key: str) -> None:
        self.counters.clear(key)


class AppStorage(Storage):
    """Forwards each call to the storage of the current app (see the module docstring)."""

    STORAGE_SCHEME: list[str] | None = ["mawarid+app"]  # noqa: RUF012  (limits reads it)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    def _current(self) -> Storage:
        storage: Storage = current_app.extensions[EXTENSION_KEY]
        return storage

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return Exception  # whatever the app's storage raises

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._current().incr(key, expiry, amount)

    def get(self, key: str) -> int:
        return self._current().get(key)

    def get_expiry(self, key: str) -> float:
        return self._current().get_expiry(key)

    def check(self) -> bool:
        return self._current().check()

    def reset(self) -> int | None:
        """The current app's counters; outside a request, those of every app seen so far."""
        if has_app_context():
            return self._current().reset()
        cleared = 0
        for storage in list(_APP_STORAGES):
            try:
                cleared += storage.reset() or 0
            except Exception:  # an app's Redis that is gone holds nothing to clear here
                continue
        return cleared

    def clear(self, key: str) -> None:
        self._current().clear(key)


def storage_for(url: str, counters: RateLimitCounters) -> Storage:
    """The storage named by ``MAWARID_RATE_LIMIT_STORAGE_URL`` (empty: the database)."""
    if not url:
        return DatabaseStorage(counters)
    storage: Storage = storage_from_string(url)  # type: ignore[assignment]
    return storage


def init_rate_limits(app: Flask, url: str, counters: RateLimitCounters) -> None:
    storage = storage_for(url, counters)
    _APP_STORAGES.add(storage)
    app.extensions[EXTENSION_KEY] = storage
    app.config["RATELIMIT_STORAGE_URI"] = APP_STORAGE_URI
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
