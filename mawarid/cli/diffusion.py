"""``mawarid campaign …`` and ``mawarid usage …``: diffusion from the command line.

The commands only parse arguments and call ``runtime.diffusion`` services.
``--as USERNAME`` names the staff account the action is recorded under (it
must have the ``admin`` or ``indexer`` role); without it the catalogue's
``system`` actor is used, as for the other administration commands.
Refusals print the French and Arabic message and exit with status 1; a
refused installation report lists every faulty line and column.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from catalogue.services import SYSTEM
from core.messages import N_, gettext, ngettext
from diffusion.csv_export import REPORTS, report_csv
from diffusion.dashboards import Period
from diffusion.errors import DiffusionError, ReportRefused

from .base import group, runtime


def _actor(username: str | None):
    if not username:
        return SYSTEM
    try:
        return runtime().accounts.actor(username)
    except Exception as exc:
        raise click.ClickException(f"--as {username}: {exc}") from None


def _fail(exc: DiffusionError):
    if isinstance(exc, ReportRefused):
        for p in exc.problems:
            click.echo(
                "  "
                + gettext(
                    N_("line %(line)d, column %(column)s: %(problem)s"),
                    line=p.line,
                    column=p.column,
                    problem=p.text(),
                ),
                err=True,
            )
    raise click.ClickException(exc.message())


def _campaign_line(view) -> str:
    return ngettext(
        "campaign %(code)s: %(num)d resource, %(targets)d targets",
        "campaign %(code)s: %(num)d resources, %(targets)d targets",
        len(view.resource_ids),
        code=view.code,
        targets=len(view.targets),
    )


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            gettext(N_("%(value)s is not a date YYYY-MM-DD"), value=repr(value))
        ) from None


def _establishments(values) -> list[dict[str, str]]:
    out = []
    for value in values:
        parts = [p.strip() for p in value.split(";")]
        if len(parts) < 2:
            raise click.BadParameter(
                gettext(N_("%(value)s: expected REGION;CODE[;NAME]"), value=repr(value))
            )
        out.append(
            {"region": parts[0], "code": parts[1], "name": parts[2] if len(parts) > 2 else ""}
        )
    return out


as_option = click.option(
    "--as",
    "username",
    metavar="USERNAME",
    help=N_("The staff account acting (admin or indexer role)."),
)


def _content_options(command: Any) -> Any:
    """The options naming what a campaign holds (resources) and where it goes (targets)."""
    options = (
        click.option(
            "--resource", "resources", multiple=True, metavar="ID", help=N_("A resource id.")
        ),
        click.option(
            "--region", "regions", multiple=True, help=N_("A target region, id or label.")
        ),
        click.option(
            "--establishment",
            "establishments",
            multiple=True,
            metavar="REGION;CODE;NAME",
            help=N_("A target establishment."),
        ),
    )
    for option in reversed(options):  # applied bottom-up, as stacked decorators are
        command = option(command)
    return command


@group("campaign", help=N_("Diffusion campaigns to the regional academies (AREF)."))
def campaign() -> None:
    pass


@campaign.command(
    "create",
    help=N_("Create a campaign from a saved search (--q/--filter) or a list (--resource)."),
)
@click.argument("code")
@click.option("--title-fr", default="", help=N_("French title."))
@click.option("--title-ar", default="", help=N_("Arabic title."))
@click.option(
    "--channel", required=True, help=N_("cd-usb, school-server, lms or portal (or a label).")
)
@click.option("--q", "q", default=None, help=N_("Saved search: its words."))
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FACET=VALUE",
    help=N_("Saved search: a facet filter."),
)
@_content_options
@click.option("--note", default=None, help=N_("A note about the campaign."))
@as_option
def create(
    code,
    title_fr,
    title_ar,
    channel,
    q,
    filters,
    resources,
    regions,
    establishments,
    note,
    username,
):
    query = None
    if q is not None or filters:
        parsed: dict[str, list[str]] = {}
        for f in filters:
            name, sep, value = f.partition("=")
            if not sep:
                raise click.BadParameter(
                    gettext(N_("%(value)s: expected FACET=VALUE"), value=repr(f)),
                    param_hint="--filter",
                )
            parsed.setdefault(name.strip(), []).append(value.strip())
        query = {"q": q or "", "filters": parsed}
    try:
        view = runtime().diffusion.campaigns.create(
            _actor(username),
            code=code,
            title={"fr": title_fr, "ar": title_ar},
            channel=channel,
            query=query,
            resource_ids=list(resources) or None,
            regions=regions,
            establishments=_establishments(establishments),
            note=note,
        )
    except DiffusionError as exc:
        _fail(exc)
    click.echo(_campaign_line(view))


@campaign.command("add", help=N_("Add resources and/or targets to a campaign."))
@click.argument("code")
@_content_options
@as_option
def add(code, resources, regions, establishments, username):
    services = runtime().diffusion.campaigns
    try:
        if resources:
            services.add_resources(_actor(username), code, resources)
        if regions or establishments:
            services.add_targets(
                _actor(username),
                code,
                regions=regions,
                establishments=_establishments(establishments),
            )
        view = services.get(code)
    except DiffusionError as exc:
        _fail(exc)
    click.echo(_campaign_line(view))


@campaign.command(
    "ship", help=N_("Plan a shipment to a target region (optionally delivered at once).")
)
@click.argument("code")
@click.option("--region", required=True, help=N_("A target region, id or label."))
@click.option("--quantity", required=True, type=int, help=N_("How many media or installations."))
@click.option("--date", "on", default=None, help=N_("Planned date YYYY-MM-DD (default today)."))
@click.option("--establishment-code", default="", help=N_("The establishment it goes to."))
@click.option("--delivered", is_flag=True, help=N_("Record it as delivered at once."))
@as_option
def ship(code, region, quantity, on, establishment_code, delivered, username):
    services = runtime().diffusion.campaigns
    try:
        shipment = services.ship(
            _actor(username),
            code,
            region=region,
            quantity=quantity,
            on=_date(on),
            establishment_code=establishment_code,
        )
        if delivered:
            shipment = services.deliver(_actor(username), shipment["id"], on=_date(on))
    except DiffusionError as exc:
        _fail(exc)
    click.echo(
        gettext(
            N_("shipment %(id)s: %(quantity)d → %(region)s (%(status)s)"),
            id=shipment["id"],
            quantity=shipment["quantity"],
            region=shipment["region"],
            status=shipment["status"],
        )
    )


@campaign.command("deliver", help=N_("Record a planned shipment as delivered."))
@click.argument("shipment_id", type=int)
@click.option("--date", "on", default=None, help=N_("Delivery date YYYY-MM-DD (default today)."))
@as_option
def deliver(shipment_id, on, username):
    try:
        shipment = runtime().diffusion.campaigns.deliver(
            _actor(username), shipment_id, on=_date(on)
        )
    except DiffusionError as exc:
        _fail(exc)
    click.echo(
        gettext(
            N_("shipment %(id)s delivered on %(date)s"),
            id=shipment["id"],
            date=shipment["delivered_on"],
        )
    )


@campaign.command(
    "bundle", help=N_("Export the campaign as an offline, bilingual static catalogue.")
)
@click.argument("code")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=N_("Destination folder (default $MAWARID_HOME/bundles)."),
)
@click.option("--zip", "make_zip", is_flag=True, help=N_("Also write a .zip."))
def bundle(code, out, make_zip):
    try:
        result = runtime().diffusion.bundles.build(code, destination=out, make_zip=make_zip)
    except DiffusionError as exc:
        _fail(exc)
    click.echo(
        ngettext(
            "%(folder)s (%(num)d resource, %(files)d files)",
            "%(folder)s (%(num)d resources, %(files)d files)",
            result.resources,
            folder=str(result.folder),
            files=result.files,
        )
    )
    if result.zip_path:
        click.echo(str(result.zip_path))


@campaign.command(
    "import-report", help=N_("Import an installation report (CSV); refused whole on any error.")
)
@click.argument("code")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_option
def import_report(code, report, username):
    try:
        result = runtime().diffusion.installations.import_report(
            _actor(username), code, filename=report.name, data=report.read_bytes()
        )
    except DiffusionError as exc:
        _fail(exc)
    click.echo(
        ngettext(
            "%(num)d line imported (%(regions)s)",
            "%(num)d lines imported (%(regions)s)",
            result.lines,
            regions=", ".join(result.regions),
        )
    )


@campaign.command("status", help=N_("Status per region: planned, delivered, installed."))
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def status(code, as_json):
    try:
        regions = runtime().diffusion.campaigns.status(code)
    except DiffusionError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in regions], ensure_ascii=False, indent=1))
        return
    click.echo(
        f"{'region':28} {'stage':10} {'planned':>8} {'delivered':>9} {'installed':>9} {'estab.':>6}"
    )
    for r in regions:
        click.echo(
            f"{r.region:28} {r.stage:10} {r.planned:>8} {r.delivered:>9} {r.installed:>9} "
            f"{r.establishments_installed:>6}"
        )


@campaign.command("list", help=N_("Every campaign, newest first."))
def list_campaigns():
    for c in runtime().diffusion.campaigns.list():
        click.echo(
            f"{c.code}\t{c.channel}\t{len(c.resource_ids)} resources\t{c.title.get('fr') or c.title.get('ar')}"
        )


@group("usage", help=N_("Usage statistics (COUNTER R5: robots and double clicks excluded)."))
def usage() -> None:
    pass


@usage.command(
    "report", help=N_("A dashboard report as CSV (UTF-8 with BOM, for Excel in Arabic).")
)
@click.option("--csv", "name", type=click.Choice(REPORTS), default="totals", show_default=True)
@click.option("--start", default=None, help=N_("First day YYYY-MM-DD."))
@click.option("--end", default=None, help=N_("Last day YYYY-MM-DD."))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("Write to this file (default: standard output)."),
)
def report(name, start, end, output):
    body = report_csv(runtime().diffusion.reports, name, Period(_date(start), _date(end)))
    if output:
        output.write_bytes(body)
        click.echo(str(output))
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


@usage.command(
    "purge",
    help=N_("Delete old raw usage events (hashed visitor keys); dashboards keep their counts."),
)
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help=N_("Delete raw events older than this many days."),
)
def purge(days):

    before = date.today() - timedelta(days=days)
    removed = runtime().diffusion.usage.purge(before)
    click.echo(
        ngettext(
            "%(num)d event before %(date)s deleted",
            "%(num)d events before %(date)s deleted",
            removed,
            date=before.isoformat(),
        )
    )


COMMANDS = [campaign, usage]
