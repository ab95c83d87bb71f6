"""The catalogue's services, wired once per instance by :func:`build_services`.

``build_services(settings, vocabularies)`` opens the database named by
``MAWARID_DATABASE_URL`` (upgrading its schema to the latest revision), loads
and checks the acquisition procedures, and returns :class:`CatalogueServices`
with ``.db``, ``.resources`` (:class:`ResourceService`), ``.accounts``
(:class:`AccountService`), ``.procedures`` and ``.close()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import Database
from .accounts import AccountService, UserView
from .actors import ROLES, SYSTEM, Actor
from .documents import DocumentStore
from .procedures import Procedures, load_procedures
from .resources import ResourceService, Work
from .views import EventView, Page, ResourceChange, ResourceView

__all__ = [
    "ROLES",
    "SYSTEM",
    "AccountService",
    "Actor",
    "CatalogueServices",
    "EventView",
    "Page",
    "ResourceChange",
    "ResourceService",
    "ResourceView",
    "UserView",
    "Work",
    "build_services",
]


@dataclass
class CatalogueServices:
    db: Database
    resources: ResourceService
    accounts: AccountService
    procedures: Procedures
    documents: DocumentStore

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Mapping[str, Any], vocabularies: Any) -> CatalogueServices:
    home = Path(settings.get("MAWARID_HOME") or "instance")
    url = settings.get("MAWARID_DATABASE_URL") or f"sqlite:///{home / 'mawarid.sqlite3'}"
    db = Database(url)
    if settings.get("MAWARID_AUTO_UPGRADE", True):
        db.upgrade()
    procedures = load_procedures(vocabularies, settings.get("MAWARID_PROCEDURES_DIR"))
    documents = DocumentStore(home / "documents")
    resources = ResourceService(
        db,
        vocabularies=vocabularies,
        procedures=procedures,
        documents=documents,
        repository_id=settings.get("MAWARID_OAI_REPOSITORY_ID") or "mawarid.men.gov.ma",
        base_url=settings.get("MAWARID_BASE_URL") or None,
    )
    accounts = AccountService(db, vocabularies=vocabularies)
    return CatalogueServices(
        db=db, resources=resources, accounts=accounts, procedures=procedures, documents=documents
    )
