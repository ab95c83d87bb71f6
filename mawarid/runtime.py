"""The running services of one Mawarid instance, wired once, used by the web app and the CLI.

:func:`build_runtime` opens (and on first start creates) the database and the search
index named by the :class:`~core.settings.Settings`, and wires the catalogue, search and
diffusion services. Nothing here imports Flask: the CLI runs every command but ``serve``
without the web app. Changes in the catalogue reach the search index through the pipeline
registered here; an index found empty is rebuilt from the catalogue by the
:class:`~indexer.watch.IndexWatch` built here (started by the serving processes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalogue.services import AccountService, CatalogueServices, ResourceService
from catalogue.services import build_services as build_catalogue
from core.settings import Settings
from diffusion.services import DiffusionServices
from diffusion.services import build_services as build_diffusion
from indexer import SearchBackend, open_backend
from indexer.pipeline import IndexPipeline
from indexer.watch import IndexWatch
from metadata_schemas.vocabularies import Vocabularies, get_vocabularies


@dataclass
class Runtime:
    settings: Settings
    vocabularies: Vocabularies
    catalogue: CatalogueServices
    search: SearchBackend
    pipeline: IndexPipeline
    diffusion: DiffusionServices
    index_watch: IndexWatch
    #: Objects other layers build once per instance and keep here (the OAI provider).
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> ResourceService:
        return self.catalogue.resources

    @property
    def accounts(self) -> AccountService:
        return self.catalogue.accounts

    def close(self) -> None:
        self.index_watch.stop()
        self.diffusion.close()
        self.search.close()
        self.catalogue.close()


def build_runtime(settings: Settings) -> Runtime:
    """Open (and on first start create) the database and the index in the instance's home."""
    settings.home.mkdir(parents=True, exist_ok=True)
    vocabularies = get_vocabularies()
    catalogue = build_catalogue(settings, vocabularies)
    search = open_backend(
        settings.search_url, vocabularies, index_procs=settings.index_procs, settings=settings
    )
    pipeline = IndexPipeline(search, vocabularies)
    catalogue.resources.add_listener(pipeline.apply)
    diffusion = build_diffusion(settings, catalogue, search, vocabularies)
    resources = catalogue.resources
    index_watch = IndexWatch(
        search,
        published=lambda: resources.count(status="published"),
        rebuild=lambda: pipeline.reindex(
            resources.iter_published(), total=resources.count(status="published")
        ),
    )
    return Runtime(
        settings=settings,
        vocabularies=vocabularies,
        catalogue=catalogue,
        search=search,
        pipeline=pipeline,
        diffusion=diffusion,
        index_watch=index_watch,
    )
