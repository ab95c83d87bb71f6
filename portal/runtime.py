"""The running services of one Mawarid instance, wired once, used by views and CLI.

The web app, the CLI and the tests all build a :class:`Runtime` from the same
settings; nothing below ``portal`` imports Flask. Changes in the catalogue reach
the search index through a listener registered here, after each commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogue.services import build_services as build_catalogue
from diffusion.services import build_services as build_diffusion
from indexer import open_backend
from indexer.pipeline import IndexPipeline
from metadata_schemas.vocabularies import get_vocabularies


@dataclass
class Runtime:
    settings: Mapping[str, Any]
    vocabularies: Any
    catalogue: Any  # catalogue.services.CatalogueServices
    search: Any  # indexer.SearchBackend
    pipeline: Any  # indexer.pipeline.IndexPipeline
    diffusion: Any  # diffusion.services.DiffusionServices
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self):
        return self.catalogue.resources

    @property
    def accounts(self):
        return self.catalogue.accounts

    def close(self) -> None:
        for part in (self.diffusion, self.search, self.catalogue):
            closer = getattr(part, "close", None)
            if closer:
                closer()


def build_runtime(settings: Mapping[str, Any]) -> Runtime:
    """Open (and on first start create) the database and the index in MAWARID_HOME."""
    Path(settings["MAWARID_HOME"]).mkdir(parents=True, exist_ok=True)
    vocabularies = get_vocabularies()
    catalogue = build_catalogue(settings, vocabularies)
    search = open_backend(settings["MAWARID_SEARCH_URL"], vocabularies)
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
    )
