"""The catalogue's services, wired once per instance by :func:`build_services`.

``build_services(settings, vocabularies)`` opens the database named by
``MAWARID_DATABASE_URL`` (upgrading its schema to the latest revision), loads
and checks the acquisition procedures, and returns :class:`CatalogueServices`
with ``.db``, ``.resources`` (:class:`ResourceService`), ``.accounts``
(:class:`AccountService`), ``.procedures``, ``.documents``, ``.oai``, ``.journal``
(:class:`IndexJournal`, the outbox the search index is kept from) and ``.close()``.
Time comes from the ``clock`` given (tests pass a :class:`core.clock.FrozenClock`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.clock import SYSTEM_CLOCK, Clock
from core.settings import Settings
from metadata_schemas.vocabularies import Vocabularies

from ..store import Database
from .accounts import AccountService, LoginPolicy, UserView
from .actors import ROLES, SYSTEM, Actor
from .browse import BrowseCounts
from .bulk import Attachment, BulkReport, BulkWriter, Incoming, Publication
from .contacts import Contacts
from .documents import DocumentStore
from .harvest_sources import HarvestSources
from .journal import IndexJournal, JournalState
from .notifications import NotificationQueue
from .oai_items import OAIItems
from .procedures import Procedures, load_procedures
from .rate_limits import RateLimitCounters
from .resources import ResourceService, Work
from .views import EventView, Page, ResourceChange, ResourceView

__all__ = [
    "ROLES",
    "SYSTEM",
    "AccountService",
    "Actor",
    "Attachment",
    "BrowseCounts",
    "BulkReport",
    "BulkWriter",
    "CatalogueServices",
    "EventView",
    "HarvestSources",
    "Incoming",
    "IndexJournal",
    "JournalState",
    "Page",
    "Publication",
    "RateLimitCounters",
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
    journal: IndexJournal
    harvest: HarvestSources
    browse: BrowseCounts
    rate_limits: RateLimitCounters
    #: Staff e-mail addresses and languages; the e-mails the lifecycle calls for.
    contacts: Contacts
    notifications: NotificationQueue

    def close(self) -> None:
        self.db.dispose()

    def ping(self) -> None:
        """Raise unless the database answers (``/health``)."""
        with self.db.engine.connect() as connection:
            connection.execute(select(1))


def build_services(
    settings: Settings, vocabularies: Vocabularies, *, clock: Clock = SYSTEM_CLOCK
) -> CatalogueServices:
    db = Database(settings.database_url)
    if settings.auto_upgrade:
        db.upgrade()
    procedures = load_procedures(vocabularies, settings.procedures_dir or None)
    documents = DocumentStore(settings.home / "documents")
    documents.migrate_flat()
    resources = ResourceService(
        db,
        vocabularies=vocabularies,
        procedures=procedures,
        documents=documents,
        repository_id=settings.oai_repository_id,
        base_url=settings.base_url or None,
        clock=clock,
    )
    accounts = AccountService(
        db,
        vocabularies=vocabularies,
        clock=clock,
        lockout=LoginPolicy(
            threshold=settings.login_lockout_threshold,
            first_delay=settings.login_lockout_seconds,
        ),
    )
    return CatalogueServices(
        db=db,
        resources=resources,
        accounts=accounts,
        procedures=procedures,
        documents=documents,
        oai=OAIItems(db),
        journal=IndexJournal(db),
        harvest=HarvestSources(db, resources, vocabularies),
        browse=BrowseCounts(db),
        rate_limits=RateLimitCounters(db),
        contacts=Contacts(db),
        notifications=NotificationQueue(db),
    )
