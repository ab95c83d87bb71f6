"""Distribution campaigns: which resources go where, on which channel, and how far they got.

A campaign selects resources either by a saved search (query + facet filters,
evaluated by the search backend, so only published resources can be chosen) or
by an explicit list of ids, and freezes that selection in
``diffusion_campaign_resources``: what was shipped must not change because the
catalogue did. ``refresh_selection`` re-runs the saved search on purpose.

Targets are regions (vocabulary ``region``, the 12 AREF) and optionally named
establishments of a region. Shipments are planned then delivered; installation
reports (:mod:`diffusion.installation_reports`) say what got installed.
The status of a region is the furthest stage reached:
``targeted → planned → delivered → installed``.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from catalogue.errors import NotFound
from catalogue.services.actors import PERMISSIONS, Actor
from core.clock import utcnow
from core.messages import N_
from indexer import SearchError, SearchQuery
from metadata_schemas.errors import UnknownTermError

from .errors import CampaignNotFound, InvalidCampaign, NotAllowed
from .models import Campaign, CampaignResource, CampaignTarget, Installation, Shipment

#: Roles that may run campaigns.
CAMPAIGN_ROLES = PERMISSIONS["campaign"]
MAX_RESOURCES = 5_000
STAGES = ("targeted", "planned", "delivered", "installed")
#: How far a region got, as the dashboards name it.
STAGE_LABELS = {
    "targeted": N_("Targeted"),
    "planned": N_("Planned"),
    "delivered": N_("Delivered"),
    "installed": N_("Installed"),
}

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
_ESTABLISHMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


@dataclass
class CampaignView:
    id: int
    code: str
    title: dict[str, str]
    channel: str
    selection: dict[str, Any] | None
    note: str | None
    created_at: str
    created_by: str
    resource_ids: list[str]
    targets: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RegionStatus:
    region: str
    labels: dict[str, str]
    targeted: bool
    establishments_targeted: int
    planned: int = 0
    delivered: int = 0
    installed: int = 0
    establishments_installed: int = 0
    failed: int = 0
    last_report: str | None = None
    stage: str = "targeted"
    shipments: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def require_campaign_role(actor: Actor | None) -> None:
    if actor is None or not actor.roles & CAMPAIGN_ROLES:
        raise NotAllowed(
            N_("%(name)s cannot run campaigns (the admin or indexer role is needed)"),
            name=actor.username if actor is not None else "?",
        )


class CampaignService:
    def __init__(self, db: Any, resources: Any, search: Any, vocabularies: Any) -> None:
        self.db = db
        self.resources = resources
        self.search = search
        self.vocabularies = vocabularies

    # Vocabulary checks -------------------------------------------------------------

    def _term(self, vocabulary: str, value: Any, unknown: str) -> str:
        try:
            return self.vocabularies[vocabulary].resolve(str(value)).id
        except UnknownTermError:
            raise InvalidCampaign(unknown, field=vocabulary, value=str(value)) from None

    def region(self, value: Any) -> str:
        return self._term("region", value, N_("unknown region: %(value)s"))

    def region_labels(self, region: str) -> dict[str, str]:
        term = self.vocabularies["region"].get(region)
        return dict(term.labels) if term is not None else {"fr": region, "ar": region}

    # Creation and selection -----------------------------------------------------------

    def create(
        self,
        actor: Any,
        *,
        code: str,
        title: dict[str, str],
        channel: str,
        query: dict[str, Any] | None = None,
        resource_ids: Iterable[str] | None = None,
        regions: Iterable[str] = (),
        establishments: Iterable[dict[str, str]] = (),
        note: str | None = None,
    ) -> CampaignView:
        require_campaign_role(actor)
        if not isinstance(code, str) or not _CODE.match(code):
            raise InvalidCampaign(
                N_("invalid campaign code (2 to 64 letters, digits, . _ -)"), field="code"
            )
        title = {
            k: v.strip()
            for k, v in (title or {}).items()
            if k in ("fr", "ar", "en", "zgh") and isinstance(v, str) and v.strip()
        }
        if not title:
            raise InvalidCampaign(N_("a title is required (in French or Arabic)"), field="title")
        channel_id = self._term(
            "diffusion_channel", channel, N_("unknown diffusion channel: %(value)s")
        )
        if (query is None) == (resource_ids is None):
            raise InvalidCampaign(
                N_("choose either a saved search or a list of resources"), field="selection"
            )
        selection = self._clean_query(query) if query is not None else None
        ids = self._evaluate(selection) if selection is not None else self._check_ids(resource_ids)
        targets = self._targets(regions, establishments)
        now = utcnow()
        with self.db.session() as session:
            if session.scalar(select(Campaign.id).where(Campaign.code == code)) is not None:
                raise InvalidCampaign(
                    N_("a campaign already has the code %(campaign)s"), field="code", campaign=code
                )
            row = Campaign(
                code=code,
                title=title,
                channel=channel_id,
                selection=selection,
                note=(note or None),
                created_at=now,
                created_by=actor.username,
                updated_at=now,
            )
            row.resources = [
                CampaignResource(resource_id=rid, position=i) for i, rid in enumerate(ids)
            ]
            row.targets = [CampaignTarget(**t) for t in targets]
            session.add(row)
            session.flush()
            return _view(row)

    def _clean_query(self, query: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(query, dict):
            raise InvalidCampaign(N_("invalid saved search"), field="query")
        q = str(query.get("q") or "").strip()[:500]
        filters: dict[str, list[str]] = {}
        for name, values in (query.get("filters") or {}).items():
            if isinstance(values, str):
                values = [values]
            values = [str(v) for v in values if str(v).strip()]
            if values:
                filters[str(name)] = values
        if not q and not filters:
            raise InvalidCampaign(N_("the saved search needs words or a filter"), field="query")
        return {"q": q, "filters": filters}

    def _evaluate(self, selection: dict[str, Any]) -> list[str]:
        """Every hit of the saved search (published resources only), in ranking order."""
        ids: list[str] = []
        page = 1
        while True:
            try:
                result = self.search.search(
                    SearchQuery(q=selection["q"], filters=selection["filters"], page=page, size=100)
                )
            except SearchError as exc:
                raise InvalidCampaign(
                    N_("the saved search failed: %(reason)s"), field="query", reason=str(exc)
                ) from None
            ids.extend(hit.id for hit in result.hits if hit.id not in ids)
            if not result.hits or page * 100 >= result.total or len(ids) >= MAX_RESOURCES:
                break
            page += 1
        if not ids:
            raise InvalidCampaign(N_("the saved search finds no published resource"), field="query")
        return ids[:MAX_RESOURCES]

    def _check_ids(self, resource_ids: Iterable[str] | None) -> list[str]:
        ids = list(dict.fromkeys(str(r).strip() for r in (resource_ids or []) if str(r).strip()))
        if not ids:
            raise InvalidCampaign(N_("the list of resources is empty"), field="resources")
        if len(ids) > MAX_RESOURCES:
            raise _too_many()
        for rid in ids:
            try:
                view = self.resources.get(rid)
            except NotFound:
                view = None
            if view is None or view.status != "published":
                raise InvalidCampaign(
                    N_("unknown or unpublished resource: %(id)s"), field="resources", id=rid
                )
        return ids

    def _targets(
        self, regions: Iterable[str], establishments: Iterable[dict[str, str]]
    ) -> list[dict]:
        out: dict[tuple[str, str], dict] = {}
        for value in regions or ():
            region = self.region(value)
            out[(region, "")] = {
                "region": region,
                "establishment_code": "",
                "establishment_name": None,
            }
        for est in establishments or ():
            region = self.region(est.get("region", ""))
            code = str(est.get("code", "")).strip()
            if not _ESTABLISHMENT.match(code):
                raise InvalidCampaign(
                    N_("invalid establishment code: %(value)s"), field="establishments", value=code
                )
            name = str(est.get("name") or "").strip()[:300] or None
            out[(region, code)] = {
                "region": region,
                "establishment_code": code,
                "establishment_name": name,
            }
        return list(out.values())

    def add_resources(self, actor: Any, code: str, resource_ids: Iterable[str]) -> CampaignView:
        require_campaign_role(actor)
        ids = self._check_ids(resource_ids)
        with self.db.session() as session:
            row = self._row(session, code)
            present = {r.resource_id for r in row.resources}
            if len(present | set(ids)) > MAX_RESOURCES:
                raise _too_many()
            position = len(row.resources)
            for rid in ids:
                if rid not in present:
                    row.resources.append(CampaignResource(resource_id=rid, position=position))
                    position += 1
            row.updated_at = utcnow()
            session.flush()
            return _view(row)

    def add_targets(
        self,
        actor: Any,
        code: str,
        *,
        regions: Iterable[str] = (),
        establishments: Iterable[dict[str, str]] = (),
    ) -> CampaignView:
        require_campaign_role(actor)
        targets = self._targets(regions, establishments)
        with self.db.session() as session:
            row = self._row(session, code)
            present = {(t.region, t.establishment_code) for t in row.targets}
            for t in targets:
                if (t["region"], t["establishment_code"]) not in present:
                    row.targets.append(CampaignTarget(**t))
            row.updated_at = utcnow()
            session.flush()
            return _view(row)

    def refresh_selection(self, actor: Any, code: str) -> CampaignView:
        """Re-run the saved search; refused once something was shipped (the selection is frozen)."""
        require_campaign_role(actor)
        with self.db.session() as session:
            row = self._row(session, code)
            if row.selection is None:
                raise InvalidCampaign(N_("this campaign has no saved search"), field="query")
            if session.scalar(
                select(func.count()).select_from(Shipment).where(Shipment.campaign_id == row.id)
            ):
                raise InvalidCampaign(
                    N_("the selection is frozen: shipments already exist"), field="query"
                )
            ids = self._evaluate(row.selection)
            row.resources = [
                CampaignResource(resource_id=rid, position=i) for i, rid in enumerate(ids)
            ]
            row.updated_at = utcnow()
            session.flush()
            return _view(row)

    # Reading -------------------------------------------------------------------------

    def _row(self, session, code: str) -> Campaign:
        row = session.scalar(select(Campaign).where(Campaign.code == str(code)))
        if row is None:
            raise CampaignNotFound(N_("unknown campaign: %(campaign)s"), campaign=str(code))
        return row

    def get(self, code: str) -> CampaignView:
        with self.db.session() as session:
            return _view(self._row(session, code))

    def list(self) -> list[CampaignView]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
            )
            return [_view(r) for r in rows]

    # Shipments ----------------------------------------------------------------------

    def ship(
        self,
        actor: Any,
        code: str,
        *,
        region: str,
        quantity: int,
        on: date | None = None,
        establishment_code: str = "",
        note: str | None = None,
    ) -> dict[str, Any]:
        """Plan a shipment of ``quantity`` media/deployments to a target region."""
        require_campaign_role(actor)
        region_id = self.region(region)
        quantity = _quantity(quantity)
        with self.db.session() as session:
            row = self._row(session, code)
            if region_id not in {t.region for t in row.targets}:
                raise InvalidCampaign(
                    N_("the region %(region)s is not a target of the campaign"),
                    field="region",
                    region=region_id,
                )
            shipment = Shipment(
                campaign_id=row.id,
                region=region_id,
                establishment_code=str(establishment_code or "").strip(),
                quantity=quantity,
                status="planned",
                planned_on=on or utcnow().date(),
                planned_by=actor.username,
                note=note or None,
            )
            session.add(shipment)
            session.flush()
            return _shipment(shipment)

    def deliver(self, actor: Any, shipment_id: int, *, on: date | None = None) -> dict[str, Any]:
        require_campaign_role(actor)
        with self.db.session() as session:
            shipment = session.get(Shipment, int(shipment_id))
            if shipment is None:
                raise CampaignNotFound(N_("unknown shipment: %(id)s"), id=shipment_id)
            if shipment.status == "delivered":
                raise InvalidCampaign(N_("this shipment is already delivered"))
            delivered_on = on or utcnow().date()
            if delivered_on < shipment.planned_on:
                raise InvalidCampaign(
                    N_("the delivery date is before the planned date"), field="date"
                )
            shipment.status, shipment.delivered_on, shipment.delivered_by = (
                "delivered",
                delivered_on,
                actor.username,
            )
            session.flush()
            return _shipment(shipment)

    def status(self, code: str) -> builtins.list[RegionStatus]:
        """One line per region reached by the campaign (targets, shipments or reports)."""
        with self.db.session() as session:
            row = self._row(session, code)
            targets: dict[str, list[CampaignTarget]] = {}
            for t in row.targets:
                targets.setdefault(t.region, []).append(t)
            shipments = session.scalars(
                select(Shipment)
                .where(Shipment.campaign_id == row.id)
                .order_by(Shipment.planned_on, Shipment.id)
            ).all()
            installs = session.scalars(
                select(Installation)
                .where(Installation.campaign_id == row.id)
                .order_by(Installation.reported_on, Installation.line)
            ).all()
        regions = list(targets) + [s.region for s in shipments] + [i.region for i in installs]
        out: dict[str, RegionStatus] = {}
        for region in dict.fromkeys(regions):
            out[region] = RegionStatus(
                region=region,
                labels=self.region_labels(region),
                targeted=region in targets,
                establishments_targeted=sum(
                    1 for t in targets.get(region, []) if t.establishment_code
                ),
            )
        for s in shipments:
            st = out[s.region]
            st.planned += s.quantity
            st.delivered += s.quantity if s.status == "delivered" else 0
            st.shipments.append(_shipment(s))
        latest: dict[tuple[str, str], Installation] = {}
        for i in installs:  # the last report about an establishment wins
            latest[(i.region, i.establishment_code)] = i
            st = out[i.region]
            st.last_report = max(st.last_report or "", i.reported_on.isoformat())
        for (region, _code), i in latest.items():
            st = out[region]
            if i.status in ("installed", "partial"):
                st.installed += i.quantity
                st.establishments_installed += 1
            elif i.status == "failed":
                st.failed += 1
        for st in out.values():
            st.stage = (
                "installed"
                if st.establishments_installed
                else "delivered"
                if st.delivered
                else "planned"
                if st.planned
                else "targeted"
            )
        order = {t.id: n for n, t in enumerate(self.vocabularies["region"].terms.values())}
        return sorted(out.values(), key=lambda s: order.get(s.region, 99))


def _too_many() -> InvalidCampaign:
    return InvalidCampaign(
        N_("at most %(max)d resources per campaign"), field="resources", max=MAX_RESOURCES
    )


def _quantity(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 1_000_000:
        raise InvalidCampaign(
            N_("invalid quantity (a whole number from 1 to %(max)d)"),
            field="quantity",
            max=1_000_000,
        )
    return number


def _shipment(s: Shipment) -> dict[str, Any]:
    return {
        "id": s.id,
        "region": s.region,
        "establishment_code": s.establishment_code,
        "quantity": s.quantity,
        "status": s.status,
        "planned_on": s.planned_on.isoformat(),
        "planned_by": s.planned_by,
        "delivered_on": s.delivered_on.isoformat() if s.delivered_on else None,
        "delivered_by": s.delivered_by,
        "note": s.note,
    }


def _view(row: Campaign) -> CampaignView:
    return CampaignView(
        id=row.id,
        code=row.code,
        title=dict(row.title),
        channel=row.channel,
        selection=row.selection,
        note=row.note,
        created_at=row.created_at.isoformat() + "Z",
        created_by=row.created_by,
        resource_ids=[r.resource_id for r in row.resources],
        targets=[
            {
                "region": t.region,
                "establishment_code": t.establishment_code,
                "establishment_name": t.establishment_name or "",
            }
            for t in row.targets
        ],
    )
