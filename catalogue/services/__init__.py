"""The catalogue's services, wired once per instance by :func:`build_services`.

``build_services(settings, vocabularies)`` opens the database named by
``MAWARID_DATABASE_URL`` (upgrading its schema to the latest revision), loads
and checks the acquisition procedures, and returns :class:`CatalogueServices`
with ``.db``, ``.resources`` (:class:`ResourceService`), ``.accounts``
(:class:`AccountService`), ``.procedures`` and ``.close()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from metadata_schemas.vocabularies import Vocabularies

from ..store import Database
from .accounts import AccountService, UserView
from .actors import ROLES, SYSTEM, Actor
from .contacts import Contacts
from .documents import DocumentStore
from .harvest_sources import HarvestSources
from .notifications import NotificationQueue
from .oai_items import OAIItems
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
    "HarvestSources",
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
    oai: OAIItems
    harvest: HarvestSources
    #: Staff e-mail addresses and languages; the e-mails the lifecycle calls for.
    contacts: Contacts
    notifications: NotificationQueue

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, vocabularies: Vocabularies) -> CatalogueServices:
    db = Database(settings.database_url)
    if settings.auto_upgrade:
        db.upgrade()
    procedures = load_procedures(vocabularies, settings.procedures_dir or None)
    documents = DocumentStore(settings.home / "documents")
    resources = ResourceService(
        db,
        vocabularies=vocabularies,
        procedures=procedures,
        documents=documents,
        repository_id=settings.oai_repository_id,
        base_url=settings.base_url or None,
    )
    accounts = AccountService(db, vocabularies=vocabularies)
    return CatalogueServices(
        db=db,
        resources=resources,
        accounts=accounts,
        procedures=procedures,
        documents=documents,
        oai=OAIItems(db),
        harvest=HarvestSources(db, resources, vocabularies),
        contacts=Contacts(db),
        notifications=NotificationQueue(db),
    )
