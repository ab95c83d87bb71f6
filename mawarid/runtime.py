"""The running services of one Mawarid instance, wired once, used by the web app and the CLI.

:func:`build_runtime` opens (and on first start creates) the database and the search
index named by the :class:`~core.settings.Settings`, and wires the catalogue, search and
diffusion services. Nothing here imports Flask: the CLI runs every command but ``serve``
without the web app. Changes in the catalogue reach the search index through the index
journal, drained by :class:`~mawarid.index_sync.IndexSync` after each commit (and, in a
running portal, in the background: :meth:`Runtime.start_background`); an index found
empty is rebuilt from the catalogue by the :class:`~indexer.watch.IndexWatch` built here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

from catalogue.services import AccountService, CatalogueServices, ResourceService
from catalogue.services import build_services as build_catalogue
from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_
from core.settings import ConfigurationError, Settings
from diffusion.services import DiffusionServices
from diffusion.services import build_services as build_diffusion
from indexer import SearchBackend, SearchError, extend_lexicon, open_backend
from indexer.watch import IndexWatch
from metadata_schemas.vocabularies import Vocabularies, get_vocabularies

from .index_sync import IndexSync
from .notify import Notifier


@dataclass
class Runtime:
    settings: Settings
    vocabularies: Vocabularies
    catalogue: CatalogueServices
    search: SearchBackend
    #: Keeps the search index in step with the catalogue (the index journal's drainer).
    index: IndexSync
    diffusion: DiffusionServices
    #: E-mails to the staff when something waits for them (after the action's commit).
    notifier: Notifier
    index_watch: IndexWatch
    clock: Clock = SYSTEM_CLOCK
    #: Objects other layers build once per instance and keep here (the OAI provider).
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> ResourceService:
        return self.catalogue.resources

    @property
    def accounts(self) -> AccountService:
        return self.catalogue.accounts

    def start_background(self) -> None:
        """What a serving process runs beside requests: the index journal's drainer
        (now, then every ``MAWARID_INDEX_SYNC_SECONDS``) and the watch that rebuilds an
        index found empty. Call it once per serving process."""
        self.index.start(self.settings.index_sync_seconds)
        self.index_watch.start()

    def close(self) -> None:
        self.index_watch.stop()
        self.index.stop()
        self.notifier.stop()
        self.diffusion.close()
        self.search.close()
        self.catalogue.close()


def build_runtime(settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> Runtime:
    """Open (and on first start create) the database and the index in the instance's home.

    A setting that names something unusable — a home folder this account cannot write, a
    database address that is not one or that does not answer, a search address of no known
    engine — stops here with a :class:`~core.settings.ConfigurationError` naming the setting
    and what would fix it, never a traceback.
    """
    usable_home(settings.home)
    vocabularies = get_vocabularies()
    catalogue = _open_catalogue(settings, vocabularies, clock)
    search = _open_search(settings, vocabularies)
    index = IndexSync(catalogue.journal, catalogue.resources, search, clock=clock)
    catalogue.resources.add_commit_hook(index.after_commit)
    diffusion = build_diffusion(settings, catalogue, search, vocabularies)
    resources = catalogue.resources
    index_watch = IndexWatch(
        search,
        published=lambda: resources.count(status="published"),
        rebuild=lambda: index.rebuild()[0],
    )
    return Runtime(
        settings=settings,
        vocabularies=vocabularies,
        catalogue=catalogue,
        search=search,
        index=index,
        diffusion=diffusion,
        notifier=Notifier(settings, catalogue.notifications),
        index_watch=index_watch,
        clock=clock,
    )


def usable_home(home: Path) -> None:
    """The home folder exists (created if needed) and this account can write in it."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as exc:
        raise ConfigurationError(
            N_(
                "MAWARID_HOME=%(value)s cannot be used (%(reason)s): choose a folder this "
                "account can write, or give it the right to"
            ),
            value=str(home),
            reason=exc.strerror or type(exc).__name__,
        ) from None


def _open_catalogue(
    settings: Settings, vocabularies: Vocabularies, clock: Clock
) -> CatalogueServices:
    try:
        catalogue = build_catalogue(settings, vocabularies, clock=clock)
        with catalogue.db.engine.connect():  # a database that does not answer stops here
            pass
    except (ArgumentError, NoSuchModuleError):
        raise ConfigurationError(
            N_(
                "MAWARID_DATABASE_URL is not a database address: write it like "
                "sqlite:////srv/mawarid/mawarid.sqlite3 or "
                "postgresql+psycopg://user@host:5432/mawarid"
            )
        ) from None
    except (OperationalError, InterfaceError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigurationError(
            N_(
                "the database of MAWARID_DATABASE_URL does not answer (%(reason)s): start the "
                "database server, or correct the host, port, name or user in "
                "MAWARID_DATABASE_URL"
            ),
            reason=reason,
        ) from None
    return catalogue


def _open_search(settings: Settings, vocabularies: Vocabularies) -> SearchBackend:
    if settings.search_lexicon is not None:
        extend_lexicon(settings.search_lexicon)
    try:
        return open_backend(
            settings.search_url, vocabularies, index_procs=settings.index_procs, settings=settings
        )
    except SearchError as exc:
        if exc.key != "bad_url":
            raise
        raise ConfigurationError(
            N_(
                "MAWARID_SEARCH_URL is not a search address (%(reason)s): write it like "
                "whoosh:///srv/mawarid/index or opensearch://node1:9200,node2:9200/mawarid "
                "(elasticsearch://… for Elasticsearch)"
            ),
            reason=exc.message(),
        ) from None
