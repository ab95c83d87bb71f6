"""Read-only views handed out by the services: plain data, no session attached."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) datetime as ``2025-01-05T10:00:00Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


@dataclass(frozen=True)
class IndexEntry:
    """What a search index holds of a published resource (read without its acquisition's
    steps, events or documents: a full rebuild reads every published resource)."""

    id: str
    record: dict[str, Any]
    acquisition_mode: str | None
    published_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ResourceView:
    id: str
    status: str
    version: int
    record: dict[str, Any]
    acquisition: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    withdrawn_at: datetime | None
    datestamp: datetime

    @property
    def acquisition_mode(self) -> str | None:
        return self.acquisition["mode"] if self.acquisition else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "version": self.version,
            "record": self.record,
            "acquisition": self.acquisition,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "published_at": iso(self.published_at),
            "withdrawn_at": iso(self.withdrawn_at),
            "datestamp": iso(self.datestamp),
        }


@dataclass(frozen=True)
class EventView:
    seq: int
    resource_id: str
    action: str
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    note: str | None = None
    commission: str | None = None
    decision: str | None = None
    reference: str | None = None
    document: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = iso(self.at)
        return out


@dataclass(frozen=True)
class VersionView:
    """An earlier description of a resource (see ``ResourceService.versions``)."""

    resource_id: str
    version: int
    record: dict[str, Any]
    saved_at: datetime
    replaced_by: str
    replaced_at: datetime
    #: The fields (``section.element``) the edit that replaced it changed.
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["saved_at"] = iso(self.saved_at)
        out["replaced_at"] = iso(self.replaced_at)
        out["changed"] = list(self.changed)
        return out


@dataclass(frozen=True)
class Page:
    items: list[ResourceView]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": self.pages,
            "items": [r.to_dict() for r in self.items],
        }


@dataclass(frozen=True)
class ResourceChange:
    """Sent to listeners after commit. ``kind``: ``published`` | ``updated`` | ``withdrawn``."""

    kind: str
    resource: ResourceView
