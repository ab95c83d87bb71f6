"""What a unit of work needs from the service that opened it (a protocol, so that the
operations below :class:`~.resources.ResourceService` do not import it back)."""

from __future__ import annotations

from typing import Any, Protocol

from core.clock import Clock

from ..store import Database
from .documents import DocumentStore
from .procedures import Procedures


class ServiceContext(Protocol):
    db: Database
    vocabularies: Any
    procedures: Procedures
    documents: DocumentStore
    repository_id: str
    base_url: str | None
    clock: Clock
