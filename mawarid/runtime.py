"""The running services of one Mawarid instance, wired once, used by the web app and the CLI.

:func:`build_runtime` opens (and on first start creates) the database and the search
index named by the :class:`~core.settings.Settings`, and wires the catalogue, search and
diffusion services. Nothing here imports Flask: the CLI runs every command but ``serve``
without the web app. Changes in the catalogue reach the search index through the pipeline
registered here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError

from catalogue.services import AccountService, CatalogueServices, ResourceService
from catalogue.services import build_services as build_catalogue
from core.messages import N_
from core.settings import ConfigurationError, Settings
from diffusion.services import DiffusionServices
from diffusion.services import build_services as build_diffusion
from indexer import SearchBackend, SearchError, extend_lexicon, open_backend
from indexer.pipeline import IndexPipeline
from metadata_schemas.vocabularies import Vocabularies, get_vocabularies

from .notify import Notifier


@dataclass
class Runtime:
    settings: Settings
    vocabularies: Vocabularies
    catalogue: CatalogueServices
    search: SearchBackend
    pipeline: IndexPipeline
    diffusion: DiffusionServices
    #: E-mails to the staff when something waits for them (after the action's commit).
    notifier: Notifier
    #: Objects other layers build once per instance and keep here (the OAI provider).
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> ResourceService:
        return self.catalogue.resources

    @property
    def accounts(self) -> AccountService:
        return self.catalogue.accounts

    def close(self) -> None:
        self.notifier.stop()
        self.diffusion.close()
        self.search.close()
        self.catalogue.close()


def build_runtime(settings: Settings) -> Runtime:
    """Open (and on first start create) the database and the index in the instance's home.

    A setting that names something unusable — a home folder this account cannot write, a
    database address that is not one or that does not answer, a search address of no known
    engine — stops here with a :class:`~core.settings.ConfigurationError` naming the setting
    and what would fix it, never a traceback.
    """
    usable_home(settings.home)
    vocabularies = get_vocabularies()
    catalogue = _open_catalogue(settings, vocabularies)
    search = _open_search(settings, vocabularies)
    pipeline = IndexPipeline(search, vocabularies)
    catalogue.resources.add_listener(pipeline.apply)
    diffusion = build_diffusion(settings, catalogue, search, vocabularies)
    return Runtime(
        settings=settings,
        vocabularies=vocabularies,
        catalogue=catalogue,
        search=search,
        pipeline=pipeline,
        diffusion=diffusion,
        notifier=Notifier(settings, catalogue.notifications),
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


def _open_catalogue(settings: Settings, vocabularies: Vocabularies) -> CatalogueServices:
    try:
        catalogue = build_catalogue(settings, vocabularies)
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
        return open_backend(settings.search_url, vocabularies, index_procs=settings.index_procs)
    except SearchError as exc:
        if exc.key != "bad_url":
            raise
        raise ConfigurationError(
            N_(
                "MAWARID_SEARCH_URL is not a search address: write it like "
                "whoosh:///srv/mawarid/index or https://host:9200 (Elasticsearch, OpenSearch)"
            )
        ) from None
