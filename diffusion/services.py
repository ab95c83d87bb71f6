"""Wiring of the diffusion services for one instance (see ``portal/runtime.py``).

``build_services(settings, catalogue, search, vocabularies)`` shares the
catalogue's database (its Alembic chain includes ``0002_diffusion``) and reads
resources through the catalogue's public service only.

Settings read: ``SECRET_KEY`` (daily visitor salt), ``MAWARID_HOME`` (default
bundle folder ``$MAWARID_HOME/bundles``), ``MAWARID_USAGE_FLUSH_SECONDS``
(background writer period, default 5: each pass is one short write transaction
on the shared database, so fewer passes mean fewer chances to collide with a
catalogue transaction on SQLite), ``MAWARID_BUNDLE_DOCUMENT_TYPES``
(comma-separated catalogue document types copied into offline bundles; default
none, so internal procurement papers never leave on a USB stick by mistake).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    bundles: Any

    @property
    def dashboards(self) -> ReportService:  # the name used in docs/contracts.md
        return self.reports

    def close(self) -> None:
        self.usage.close()


def build_services(
    settings: Mapping[str, Any], catalogue: Any, search: Any, vocabularies: Any
) -> DiffusionServices:
    from .bundle import BundleBuilder

    db = catalogue.db
    resources = catalogue.resources
    hasher = VisitorHasher(settings.get("SECRET_KEY") or "")
    usage = UsageService(
        UsageStore(db, ResourceDirectory(resources)),
        hasher,
        flush_interval=float(settings.get("MAWARID_USAGE_FLUSH_SECONDS") or 5.0),
    )
    campaigns = CampaignService(db, resources, search, vocabularies)
    doc_types = settings.get("MAWARID_BUNDLE_DOCUMENT_TYPES") or ()
    if isinstance(doc_types, str):
        doc_types = [t.strip() for t in doc_types.split(",") if t.strip()]
    home = Path(settings.get("MAWARID_HOME") or ".")
    bundles = BundleBuilder(
        db,
        resources,
        campaigns,
        vocabularies,
        documents=getattr(catalogue, "documents", None),
        output_folder=home / "bundles",
        document_types=frozenset(doc_types),
        base_url=str(settings.get("MAWARID_BASE_URL") or ""),
    )
    return DiffusionServices(
        db=db,
        usage=usage,
        campaigns=campaigns,
        installations=InstallationReports(db, campaigns),
        reports=ReportService(db, resources, vocabularies, usage),
        bundles=bundles,
    )
