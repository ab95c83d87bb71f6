"""Run ``mawarid ARGS`` and die by SIGKILL at a chosen point: a test harness for crashes.

``KILL_AT=<kind>:<n>`` says where the process kills itself (``kill -9``, no clean-up, no
rollback by Python, locks and connections dropped by the operating system):

* ``statement:N`` — right after the N-th SQL statement (mid-transaction);
* ``sql:N:TEXT`` — right after the N-th SQL statement that contains ``TEXT`` (e.g.
  ``sql:2:INSERT INTO resources (``: a chosen point inside a transaction);
* ``commit:N`` — at the N-th COMMIT, before the database makes it durable;
* ``committed:N`` — right after the N-th COMMIT (the change is durable, nothing after it
  ran: listeners, the index journal's drain);
* ``index:N`` — right after the N-th write to the search index (before the journal rows
  it applied are acknowledged).

Usage: ``KILL_AT=statement:40 python -m tests.support.kill_after import lot.jsonl``
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

import indexer.whoosh_backend
from indexer.elastic.backend import ElasticBackend

_count = 0


def _hit(limit: int) -> None:
    global _count
    _count += 1
    if _count == limit:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def arm(spec: str) -> None:
    kind, _, number = spec.partition(":")
    number, _, text = number.partition(":")
    limit = int(number)
    if kind == "statement":
        event.listen(Engine, "after_cursor_execute", lambda *a: _hit(limit))
    elif kind == "sql":
        event.listen(
            Engine, "after_cursor_execute", lambda *a: _hit(limit) if text in a[2] else None
        )
    elif kind == "commit":
        event.listen(Engine, "commit", lambda *a: _hit(limit))
    elif kind == "committed":
        from sqlalchemy.orm import Session

        event.listen(Session, "after_commit", lambda *a: _hit(limit))
    elif kind == "index":
        for backend in (indexer.whoosh_backend.WhooshBackend, ElasticBackend):
            for name in ("upsert", "delete"):
                original = getattr(backend, name)

                def wrapped(self: Any, items: Any, _original: Any = original) -> int:
                    done = int(_original(self, items))
                    _hit(limit)
                    return done

                setattr(backend, name, wrapped)
    else:
        raise SystemExit(f"unknown kill point {spec!r}")


if __name__ == "__main__":
    arm(os.environ["KILL_AT"])
    from mawarid.cli import main

    main(sys.argv[1:], prog_name="mawarid")
