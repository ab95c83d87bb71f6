"""Campaigns: selection, targets, shipments, installation reports, status per region."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from diffusion_testdata import INDEXER, VALIDATOR_ONLY
from sqlalchemy import func, select

from catalogue.store.models import utcnow
from diffusion.errors import InvalidCampaign, NotAllowed, ReportRefused
from diffusion.models import Installation, ReportImport

TODAY = utcnow().date()


def _campaign(diffusion, **kw):
    args = {
        "code": "usb-2026-oriental",
        "title": {"fr": "Clés USB 2026", "ar": "مفاتيح USB 2026"},
        "channel": "cd-usb",
        "resource_ids": ["res-fractions", "res-equations"],
        "regions": ["oriental", "Fès-Meknès"],
        "establishments": [{"region": "oriental", "code": "OUJ-0012", "name": "Collège Ibn Sina"}],
    }
    args.update(kw)
    return diffusion.campaigns.create(INDEXER, **args)


def test_create_by_list_resolves_vocabularies(diffusion, corpus):
    view = _campaign(diffusion, channel="Clé USB")
    assert view.channel == "cd-usb"
    assert view.resource_ids == ["res-fractions", "res-equations"]
    assert {t["region"] for t in view.targets} == {"oriental", "fes-meknes"}
    assert diffusion.campaigns.get("usb-2026-oriental").targets == view.targets


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"resource_ids": ["res-draft"]}, "resources"),  # not published
        ({"resource_ids": ["nope"]}, "resources"),
        ({"regions": ["atlantide"]}, "region"),
        ({"channel": "pigeon"}, "diffusion_channel"),
        ({"code": "a b"}, "code"),
        ({"title": {"fr": "  "}}, "title"),
        ({"resource_ids": None}, "selection"),
    ],
)
def test_bad_campaigns_are_refused_with_the_field(diffusion, corpus, kw, field):
    with pytest.raises(InvalidCampaign) as err:
        _campaign(diffusion, **kw)
    assert err.value.field == field
    french, arabic = err.value.message("fr"), err.value.message("ar")
    assert french and arabic and french != arabic and french != err.value.message("en")
    assert err.value.field_errors("ar")[field] == [arabic]  # shown next to the field
    assert diffusion.campaigns.list() == []


def test_only_indexers_and_admins_run_campaigns(diffusion, corpus):
    with pytest.raises(NotAllowed):
        diffusion.campaigns.create(
            VALIDATOR_ONLY,
            code="x1",
            title={"fr": "x"},
            channel="lms",
            resource_ids=["res-fractions"],
            regions=["oriental"],
        )


def test_shipment_to_a_region_that_is_not_a_target_is_refused(diffusion, corpus):
    _campaign(diffusion)
    with pytest.raises(InvalidCampaign) as err:
        diffusion.campaigns.ship(INDEXER, "usb-2026-oriental", region="souss-massa", quantity=3)
    assert err.value.field == "region"


GOOD_REPORT = (
    "région;code établissement;date;statut;installateur;quantité\n"
    "Oriental;OUJ-0012;{d1};installé;Ahmed Alaoui;2\n"
    "oriental;OUJ-0044;{d1};échec;Ahmed Alaoui;0\n"
    "جهة الشرق;NAD-0003;{d2};installed;Samira B.;1\n"
)


def _report(text: str) -> bytes:
    return ("\ufeff" + text.format(d1=TODAY.isoformat(), d2=TODAY.isoformat())).encode("utf-8")


def test_shipments_reports_and_status_per_region(diffusion, corpus):
    _campaign(diffusion)
    camp = diffusion.campaigns
    ship = camp.ship(INDEXER, "usb-2026-oriental", region="oriental", quantity=40)
    camp.ship(INDEXER, "usb-2026-oriental", region="fes-meknes", quantity=25)
    camp.deliver(INDEXER, ship["id"])
    result = diffusion.installations.import_report(
        INDEXER, "usb-2026-oriental", filename="oriental.csv", data=_report(GOOD_REPORT)
    )
    assert result.lines == 3 and result.regions == ["oriental"]
    status = {s.region: s for s in camp.status("usb-2026-oriental")}
    oriental, fes = status["oriental"], status["fes-meknes"]
    assert (oriental.stage, oriental.planned, oriental.delivered) == ("installed", 40, 40)
    assert (oriental.installed, oriental.establishments_installed, oriental.failed) == (3, 2, 1)
    assert oriental.labels["ar"] and oriental.establishments_targeted == 1
    assert (fes.stage, fes.planned, fes.delivered, fes.installed) == ("planned", 25, 0, 0)
    per_region = {r["region"]: r for r in diffusion.reports.by_region()}
    assert len(per_region) == 12
    assert per_region["oriental"]["installed"] == 3
    assert per_region["souss-massa"]["planned"] == 0


def test_a_later_report_line_updates_an_establishment(diffusion, corpus):
    _campaign(diffusion)
    first = "region,establishment_code,date,status,installer,quantity\noriental,OUJ-0012,{d1},failed,A,0\n"
    later = "region,establishment_code,date,status,installer,quantity\noriental,OUJ-0012,{d1},installed,A,1\n"
    diffusion.installations.import_report(
        INDEXER, "usb-2026-oriental", filename="a.csv", data=_report(first)
    )
    diffusion.installations.import_report(
        INDEXER, "usb-2026-oriental", filename="b.csv", data=_report(later)
    )
    oriental = {s.region: s for s in diffusion.campaigns.status("usb-2026-oriental")}["oriental"]
    assert (oriental.establishments_installed, oriental.failed) == (1, 0)


@pytest.mark.parametrize(
    "body, line, column",
    [
        (
            "oriental;OUJ-0012;{d1};installé;Ahmed;2\nsouss-massa;AGA-1;{d1};installé;B;1\n",
            3,
            "region",
        ),
        (
            "oriental;OUJ-0012;{d1};installé;Ahmed;2\noriental;OUJ-13;2026-13-45;installé;B;1\n",
            3,
            "date",
        ),
        ("oriental;OUJ-0012;{d1};installé;Ahmed;deux\n", 2, "quantity"),
        ("oriental;OUJ-0012;{d1};perdu;Ahmed;2\n", 2, "status"),
        ("oriental;;{d1};installé;Ahmed;2\n", 2, "establishment_code"),
        ("oriental;OUJ-0012;{d1};installé;;2\n", 2, "installer"),
        ("oriental;OUJ-0012;{d1};installé;Ahmed\n", 2, "*"),
        ("oriental;OUJ-0012;{future};installé;Ahmed;2\n", 2, "date"),
        (
            "oriental;OUJ-0012;{d1};installé;A;2\noriental;OUJ-0012;{d1};installé;A;2\n",
            3,
            "establishment_code",
        ),
    ],
)
def test_malformed_report_is_refused_whole_with_line_and_column(
    diffusion, corpus, body, line, column
):
    _campaign(diffusion)
    header = "région;code établissement;date;statut;installateur;quantité\n"
    good_first = "oriental;OUJ-0099;{d1};installé;Karim;1\n"
    text = header + good_first + body.replace("{future}", (TODAY + timedelta(days=3)).isoformat())
    with pytest.raises(ReportRefused) as err:
        diffusion.installations.import_report(
            INDEXER, "usb-2026-oriental", filename="bad.csv", data=_report(text)
        )
    first = err.value.problems[0]
    assert (first.line, first.column) == (line + 1, column)  # +1: the good line we put first
    assert f"ligne {line + 1}" in err.value.message("fr")
    assert f"السطر {line + 1}" in err.value.message("ar")
    with diffusion.db.session() as s:  # nothing imported, not even line 2
        assert s.scalar(select(func.count()).select_from(Installation)) == 0
        assert s.scalar(select(func.count()).select_from(ReportImport)) == 0


@pytest.mark.parametrize(
    "data, column",
    [
        (b"", "*"),
        ("région;date\noriental;2026-01-01\n".encode(), "establishment_code"),
        (b"region,establishment_code,date,status,installer,quantity,colour\n", "colour"),
        (
            "region,establishment_code,date,status,installer,quantity\noriental,É,x".encode(
                "latin-1"
            ),
            "*",
        ),
        (b"region,establishment_code,date,status,installer,quantity\n", "*"),
    ],
)
def test_unreadable_reports_are_refused(diffusion, corpus, data, column):
    _campaign(diffusion)
    with pytest.raises(ReportRefused) as err:
        diffusion.installations.import_report(
            INDEXER, "usb-2026-oriental", filename="x.csv", data=data
        )
    assert column in [p.column for p in err.value.problems]


def test_the_same_report_cannot_be_imported_twice(diffusion, corpus):
    _campaign(diffusion)
    data = _report(GOOD_REPORT)
    diffusion.installations.import_report(INDEXER, "usb-2026-oriental", filename="r.csv", data=data)
    with pytest.raises(ReportRefused, match="déjà été importé"):
        diffusion.installations.import_report(
            INDEXER, "usb-2026-oriental", filename="r2.csv", data=data
        )
    with diffusion.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Installation)) == 3


def test_deliver_before_planned_date_is_refused(diffusion, corpus):
    _campaign(diffusion)
    ship = diffusion.campaigns.ship(
        INDEXER, "usb-2026-oriental", region="oriental", quantity=1, on=date(2026, 5, 1)
    )
    with pytest.raises(InvalidCampaign):
        diffusion.campaigns.deliver(INDEXER, ship["id"], on=date(2026, 4, 30))
