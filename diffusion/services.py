"""Wiring of the diffusion services for one instance (see ``mawarid/runtime.py``).

``build_services(settings, catalogue, search, vocabularies)`` shares the
catalogue's database (its Alembic chain includes ``0002_diffusion``) and reads
resources through the catalogue's public service only.

Settings read (:class:`core.settings.Settings`): the secret key (daily visitor salt), the home (default
bundle folder ``$MAWARID_HOME/bundles``), ``MAWARID_USAGE_FLUSH_SECONDS``
(background writer period, default 5: each pass is one short write transaction
on the shared database, so fewer passes mean fewer chances to collide with a
catalogue transaction on SQLite), ``MAWARID_BUNDLE_DOCUMENT_TYPES``
(comma-separated catalogue document types copied into offline bundles; default
none, so internal procurement papers never leave on a USB stick by mistake).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalogue.services import CatalogueServices
from core.settings import Settings

from .bundle import BundleBuilder
from .campaigns import CampaignService
from .dashboards import ReportService
from .installation_reports import InstallationReports
from .privacy import VisitorHasher
from .usage import UsageService
from .usage_store import ResourceDirectory, UsageStore


@dataclass
class DiffusionServices:
    db: Any
    usage: UsageService
    campaigns: CampaignService
    installations: InstallationReports
    reports: ReportService
    bundles: BundleBuilder

    @property
    def dashboards(self) -> ReportService:  # the name used in docs/contracts.md
        return self.reports

    def close(self) -> None:
        self.usage.close()


def build_services(
    settings: Settings, catalogue: CatalogueServices, search: Any, vocabularies: Any
) -> DiffusionServices:
    db = catalogue.db
    resources = catalogue.resources
    hasher = VisitorHasher(settings.secret())
    usage = UsageService(
        UsageStore(db, ResourceDirectory(resources)),
        hasher,
        flush_interval=settings.usage_flush_seconds,
    )
    campaigns = CampaignService(db, resources, search, vocabularies)
    bundles = BundleBuilder(
        resources,
        campaigns,
        vocabularies,
        documents=catalogue.documents,
        output_folder=settings.home / "bundles",
        document_types=frozenset(settings.bundle_document_types),
        base_url=settings.base_url,
    )
    return DiffusionServices(
        db=db,
        usage=usage,
        campaigns=campaigns,
        installations=InstallationReports(db, campaigns),
        reports=ReportService(db, resources, vocabularies, usage),
        bundles=bundles,
    )
