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

from core.clock import utcnow

from .errors import CampaignNotFound, InvalidCampaign, NotAllowed
from .models import Campaign, CampaignResource, CampaignTarget, Installation, Shipment

#: Roles that may run campaigns.
CAMPAIGN_ROLES = frozenset({"admin", "indexer"})
MAX_RESOURCES = 5_000
STAGES = ("targeted", "planned", "delivered", "installed")

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


def require_campaign_role(actor: Any) -> None:
    roles = set(getattr(actor, "roles", ()) or ())
    if not roles & CAMPAIGN_ROLES:
        name = getattr(actor, "username", "?")
        raise NotAllowed(
            f"{name} ne peut pas gérer les campagnes (rôle admin ou indexer requis)",
            f"لا يمكن لـ {name} تدبير الحملات (يلزم دور admin أو indexer)",
        )


class CampaignService:
    def __init__(self, db: Any, resources: Any, search: Any, vocabularies: Any) -> None:
        self.db = db
        self.resources = resources
        self.search = search
        self.vocabularies = vocabularies

    # Vocabulary checks -------------------------------------------------------------

    def _term(self, vocabulary: str, value: Any, what_fr: str, what_ar: str) -> str:
        try:
            return self.vocabularies[vocabulary].resolve(str(value)).id
        except Exception:
            raise InvalidCampaign(
                f"{what_fr} inconnu(e) : {value!r}",
                f"{what_ar} غير معروف(ة): {value!r}",
                field=vocabulary,
            ) from None

    def region(self, value: Any) -> str:
        return self._term("region", value, "région", "الجهة")

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
                "code de campagne invalide (2 à 64 lettres, chiffres, . _ -)",
                "رمز الحملة غير صالح (من 2 إلى 64 حرفا أو رقما أو . _ -)",
                field="code",
            )
        title = {
            k: v.strip()
            for k, v in (title or {}).items()
            if k in ("fr", "ar", "en", "zgh") and isinstance(v, str) and v.strip()
        }
        if not title:
            raise InvalidCampaign(
                "titre requis (en français ou en arabe)",
                "العنوان مطلوب (بالفرنسية أو بالعربية)",
                field="title",
            )
        channel_id = self._term("diffusion_channel", channel, "canal de diffusion", "قناة النشر")
        if (query is None) == (resource_ids is None):
            raise InvalidCampaign(
                "choisir soit une recherche enregistrée, soit une liste de ressources",
                "اختر إما بحثا محفوظا أو لائحة موارد",
                field="selection",
            )
        selection = self._clean_query(query) if query is not None else None
        ids = self._evaluate(selection) if selection is not None else self._check_ids(resource_ids)
        targets = self._targets(regions, establishments)
        now = utcnow()
        with self.db.session() as session:
            if session.scalar(select(Campaign.id).where(Campaign.code == code)) is not None:
                raise InvalidCampaign(
                    f"une campagne porte déjà le code {code}",
                    f"توجد حملة بالرمز {code}",
                    field="code",
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
            raise InvalidCampaign("recherche invalide", "بحث غير صالح", field="query")
        q = str(query.get("q") or "").strip()[:500]
        filters: dict[str, list[str]] = {}
        for name, values in (query.get("filters") or {}).items():
            if isinstance(values, str):
                values = [values]
            values = [str(v) for v in values if str(v).strip()]
            if values:
                filters[str(name)] = values
        if not q and not filters:
            raise InvalidCampaign(
                "la recherche enregistrée doit avoir une requête ou un filtre",
                "يجب أن يتضمن البحث المحفوظ استعلاما أو مرشحا",
                field="query",
            )
        return {"q": q, "filters": filters}

    def _evaluate(self, selection: dict[str, Any]) -> list[str]:
        """Every hit of the saved search (published resources only), in ranking order."""
        try:
            from indexer import SearchQuery
        except ImportError:  # the package exports it from its model module
            from indexer.model import SearchQuery
        ids: list[str] = []
        page = 1
        while True:
            try:
                result = self.search.search(
                    SearchQuery(q=selection["q"], filters=selection["filters"], page=page, size=100)
                )
            except Exception as exc:
                raise InvalidCampaign(
                    f"la recherche enregistrée a échoué : {exc}",
                    f"تعذر تنفيذ البحث المحفوظ: {exc}",
                    field="query",
                ) from None
            ids.extend(hit.id for hit in result.hits if hit.id not in ids)
            if not result.hits or page * 100 >= result.total or len(ids) >= MAX_RESOURCES:
                break
            page += 1
        if not ids:
            raise InvalidCampaign(
                "la recherche enregistrée ne trouve aucune ressource publiée",
                "لا يجد البحث المحفوظ أي مورد منشور",
                field="query",
            )
        return ids[:MAX_RESOURCES]

    def _check_ids(self, resource_ids: Iterable[str] | None) -> list[str]:
        ids = list(dict.fromkeys(str(r).strip() for r in (resource_ids or []) if str(r).strip()))
        if not ids:
            raise InvalidCampaign(
                "liste de ressources vide", "لائحة الموارد فارغة", field="resources"
            )
        if len(ids) > MAX_RESOURCES:
            raise InvalidCampaign(
                f"au plus {MAX_RESOURCES} ressources par campagne",
                f"{MAX_RESOURCES} موردا على الأكثر لكل حملة",
                field="resources",
            )
        for rid in ids:
            try:
                view = self.resources.get(rid)
            except Exception:
                view = None
            if view is None or getattr(view, "status", None) != "published":
                raise InvalidCampaign(
                    f"ressource inconnue ou non publiée : {rid}",
                    f"مورد غير معروف أو غير منشور: {rid}",
                    field="resources",
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
                    f"code d'établissement invalide : {code!r}",
                    f"رمز المؤسسة غير صالح: {code!r}",
                    field="establishments",
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
                raise InvalidCampaign(
                    f"au plus {MAX_RESOURCES} ressources par campagne",
                    f"{MAX_RESOURCES} موردا على الأكثر لكل حملة",
                    field="resources",
                )
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
                raise InvalidCampaign(
                    "cette campagne n'a pas de recherche enregistrée",
                    "هذه الحملة ليس لها بحث محفوظ",
                    field="query",
                )
            if session.scalar(
                select(func.count()).select_from(Shipment).where(Shipment.campaign_id == row.id)
            ):
                raise InvalidCampaign(
                    "sélection figée : des envois existent déjà",
                    "الاختيار مجمد: توجد إرساليات سابقة",
                    field="query",
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
            raise CampaignNotFound(f"campagne inconnue : {code}", f"حملة غير معروفة: {code}")
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
                    f"la région {region_id} n'est pas une cible de la campagne",
                    f"الجهة {region_id} ليست من أهداف الحملة",
                    field="region",
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
                raise CampaignNotFound(
                    f"envoi inconnu : {shipment_id}", f"إرسالية غير معروفة: {shipment_id}"
                )
            if shipment.status == "delivered":
                raise InvalidCampaign("cet envoi est déjà livré", "تم تسليم هذه الإرسالية من قبل")
            delivered_on = on or utcnow().date()
            if delivered_on < shipment.planned_on:
                raise InvalidCampaign(
                    "date de livraison antérieure à la date prévue",
                    "تاريخ التسليم سابق للتاريخ المبرمج",
                    field="date",
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


def _quantity(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 1_000_000:
        raise InvalidCampaign(
            "quantité invalide (entier de 1 à 1 000 000)",
            "كمية غير صالحة (عدد صحيح من 1 إلى 1000000)",
            field="quantity",
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
