"""The ``mawarid campaign`` and ``mawarid usage`` commands on a real app."""

from __future__ import annotations

import csv
import io

from diffusion_testdata import CHROME_UA

from catalogue.store.models import utcnow
from mawarid.cli.diffusion import campaign, usage
from tests.support.cli import cli_runner


def test_campaign_from_the_command_line(app, tmp_path):
    runner = cli_runner(app)
    ok = runner.invoke(
        campaign,
        [
            "create",
            "dt-2026",
            "--title-ar",
            "درعة تافيلالت",
            "--channel",
            "CD-ROM",
            "--resource",
            "res-fractions",
            "--region",
            "Drâa-Tafilalet",
            "--establishment",
            "draa-tafilalet;ERR-001;Collège Ziz",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "campagne dt-2026 : 1 ressource, 2 cibles" in ok.output
    shipped = runner.invoke(
        campaign,
        ["ship", "dt-2026", "--region", "draa-tafilalet", "--quantity", "5", "--delivered"],
    )
    assert shipped.exit_code == 0 and "(delivered)" in shipped.output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "region,establishment_code,date,status,installer,quantity\n"
        "draa-tafilalet,ERR-001,hier,installed,Ali,5\n",
        "utf-8",
    )
    refused = runner.invoke(campaign, ["import-report", "dt-2026", str(bad)])
    assert refused.exit_code == 1
    assert "ligne 2, colonne date : date invalide « hier »" in refused.output
    arabic = runner.invoke(campaign, ["import-report", "dt-2026", str(bad)], env={"LANG": "ar_MA"})
    assert "السطر 2، العمود date: تاريخ غير صالح «hier»" in arabic.output
    good = tmp_path / "good.csv"
    good.write_text(
        "region,establishment_code,date,status,installer,quantity\n"
        f"draa-tafilalet,ERR-001,{utcnow().date()},installed,Ali,5\n",
        "utf-8",
    )
    assert runner.invoke(campaign, ["import-report", "dt-2026", str(good)]).exit_code == 0
    status = runner.invoke(campaign, ["status", "dt-2026"])
    assert "draa-tafilalet" in status.output and "installed" in status.output
    built = runner.invoke(campaign, ["bundle", "dt-2026", "--out", str(tmp_path / "usb"), "--zip"])
    assert built.exit_code == 0 and "(1 ressource, " in built.output
    denied = runner.invoke(
        campaign,
        ["create", "x-2", "--channel", "lms", "--resource", "res-fractions", "--as", "nobody"],
    )
    assert denied.exit_code != 0 and "nobody" in denied.output


def test_usage_report_csv(app):
    client = app.test_client()
    for path in ("/r/res-equations/access", "/resources/res-equations"):
        client.get(
            path, headers={"User-Agent": CHROME_UA}, environ_base={"REMOTE_ADDR": "41.0.0.1"}
        )
    result = cli_runner(app).invoke(usage, ["report", "--csv", "resources"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert rows[0]["resource_id"] == "res-equations"
    assert rows[0]["title_ar"] == "المعادلات"
    assert (rows[0]["total_requests"], rows[0]["total_investigations"]) == ("1", "2")
