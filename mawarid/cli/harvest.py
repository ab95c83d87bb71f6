"""``mawarid harvest-oai URL``: import a partner's OAI-PMH records as drafts.

The command only parses its options and calls :class:`harvesters.oai.OAIHarvester`.
"""

from __future__ import annotations

import json

import click

from harvesters.oai import HarvestError, OAIHarvester

from .base import command, runtime


@command("harvest-oai")
@click.argument("base_url")
@click.option("--set", "set_spec", default=None, help="harvest this set only (setSpec)")
@click.option("--from", "since", default=None, help="records changed since (YYYY-MM-DD)")
@click.option("--until", default=None, help="records changed until (YYYY-MM-DD)")
@click.option(
    "--prefix",
    default="oai_lom",
    show_default=True,
    help="metadataPrefix of a LOM format the partner serves",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="stop after N records")
@click.option(
    "--user",
    default="system",
    show_default=True,
    help="account that creates the drafts (needs the indexer or admin role)",
)
@click.option(
    "--mode", default=None, help="acquisition mode recorded on every draft (e.g. cooperation, don)"
)
@click.option("--reference", default=None, help="acquisition reference (e.g. the agreement)")
def harvest_oai(
    base_url: str,
    set_spec: str | None,
    since: str | None,
    until: str | None,
    prefix: str,
    limit: int | None,
    user: str,
    mode: str | None,
    reference: str | None,
) -> None:
    """Harvest BASE_URL (a partner's OAI-PMH endpoint) into the catalogue as drafts."""
    from catalogue.errors import CatalogueError
    from catalogue.services.actors import SYSTEM
    from oaipmh.errors import OAIError

    rt = runtime()
    if user == "system":
        actor = SYSTEM
    else:
        try:
            actor = rt.accounts.actor(user)  # an active account, with its roles
        except CatalogueError as exc:
            raise click.ClickException(str(exc)) from None
    acquisition = None
    if mode:
        from metadata_schemas.errors import UnknownTermError

        try:  # checked once here, not refused record by record
            mode = rt.vocabularies["acquisition_mode"].resolve(mode).id
        except UnknownTermError as exc:
            raise click.ClickException(f"--mode: {exc}") from None
        acquisition = {
            "mode": mode,
            "reference": reference or f"OAI-PMH {base_url}",
            "counterpart": base_url,
        }
    harvester = OAIHarvester(
        base_url,
        resources=rt.resources,
        actor=actor,
        metadata_prefix=prefix,
        acquisition=acquisition,
    )

    def progress(report) -> None:
        if report.seen % 100 == 0:
            click.echo(f"… {report.seen} records, {len(report.created)} drafts created", err=True)

    try:
        report = harvester.harvest(
            set=set_spec, since=since, until=until, limit=limit, progress=progress
        )
    except CatalogueError as exc:
        raise click.ClickException(str(exc)) from None
    except (HarvestError, OAIError) as exc:
        code = getattr(exc, "code", None)
        raise click.ClickException(f"{code}: {exc}" if code else str(exc)) from None
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))


COMMANDS = [harvest_oai]
