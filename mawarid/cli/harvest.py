"""Partner commands: ``sources add|list|show|remove|enable|disable``, ``harvest``, ``harvest-oai``.

Sources are data (``harvest_sources``): ``mawarid sources add`` records a partner once;
``mawarid harvest NAME…`` runs named sources now, ``mawarid harvest --due`` every source
whose interval has passed (for cron or a systemd timer). ``harvest-oai URL`` is the
one-shot of earlier versions, now a thin alias: it adds the source (named after the
host) if needed and runs it. The commands only parse options and call
:class:`harvesters.run.SourceHarvester` and the catalogue's
:class:`~catalogue.services.harvest_sources.HarvestSources`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import click

from catalogue.services.harvest_sources import HarvestSources
from catalogue.services.harvest_views import (
    STATUS_LABELS,
    PageOutcome,
    RunView,
    SourceBusy,
    SourceSpec,
    SourceView,
)
from catalogue.services.views import iso
from catalogue.services.workers import default_procs
from core.messages import N_, current_language, gettext
from harvesters.errors import HarvestError
from harvesters.run import SourceHarvester
from oaipmh.dates import parse_date

from .base import command, group, runtime, settings


def _sources() -> HarvestSources:
    return runtime().catalogue.harvest


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- sources ----------------------------------------------------------------------------


@group("sources", help=N_("Partner OAI-PMH repositories followed by `mawarid harvest`."))
def sources() -> None:
    pass


@sources.command("add", help=N_("Record a partner repository to harvest."))
@click.argument("name")
@click.argument("base_url")
@click.option("--prefix", default="oai_lom", show_default=True, help=N_("metadataPrefix to ask"))
@click.option("--set", "sets", multiple=True, help=N_("harvest this set only (repeat for several)"))
@click.option(
    "--mode",
    default="cooperation",
    show_default=True,
    help=N_("acquisition mode recorded on every record (cooperation, don…)"),
)
@click.option(
    "--agreement", required=True, help=N_("reference of the agreement the records come under")
)
@click.option("--counterpart", default=None, help=N_("the partner's name (default: its URL)"))
@click.option(
    "--publish",
    is_flag=True,
    help=N_("publish records under the agreement instead of sending them to review"),
)
@click.option(
    "--every",
    "interval",
    default=24 * 60,
    show_default=True,
    type=click.IntRange(min=1),
    help=N_("minutes between runs of `harvest --due`"),
)
@click.option(
    "--full-every",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help=N_("days between full comparisons, for partners that keep no deletions"),
)
def sources_add(
    name: str,
    base_url: str,
    prefix: str,
    sets: tuple[str, ...],
    mode: str,
    agreement: str,
    counterpart: str | None,
    publish: bool,
    interval: int,
    full_every: int,
) -> None:
    spec = SourceSpec(
        name=name,
        base_url=base_url,
        metadata_prefix=prefix,
        sets=sets,
        acquisition_mode=mode,
        agreement=agreement,
        counterpart=counterpart,
        publish=publish,
        interval_minutes=interval,
        full_every_days=full_every,
    )
    view = _sources().add(spec, created_by="cli")
    click.echo(gettext(N_("Source %(name)s added: %(url)s"), name=view.name, url=view.base_url))


@sources.command("list", help=N_("Each source: last run, status, counts, next due run."))
@click.option("--json", "as_json", is_flag=True, help=N_("as JSON"))
def sources_list(as_json: bool) -> None:
    views = _sources().all()
    if as_json:
        _echo_json([v.to_dict() for v in views])
        return
    if not views:
        click.echo(gettext(N_("No source yet: add one with `mawarid sources add`.")))
        return
    for view in views:
        click.echo(_line(view))


def _line(view: SourceView) -> str:
    run = view.last_run
    if run is None:
        last = gettext(N_("never run"))
    else:
        last = gettext(
            N_(
                "last run %(started)s %(status)s: %(created)d new, %(updated)d updated, "
                "%(withdrawn)d withdrawn, %(failed)d failed"
            ),
            started=iso(run.started_at),
            status=_status(run.status),
            created=run.count("created"),
            updated=run.count("updated"),
            withdrawn=run.count("withdrawn"),
            failed=run.count("failed"),
        )
    state = _status("running") if view.lease_owner else ""
    if not view.enabled:
        state = gettext(N_("disabled"))
    return gettext(
        N_("%(name)s  %(url)s  %(records)d records  %(last)s  next: %(due)s %(state)s"),
        name=view.name,
        url=view.base_url,
        records=view.record_count,
        last=last,
        due=iso(view.next_due),
        state=state,
    ).rstrip()


def _status(status: str) -> str:
    return gettext(STATUS_LABELS.get(status, status))


@sources.command("show", help=N_("One source: settings, state and its last runs."))
@click.argument("name")
@click.option("--runs", default=5, show_default=True, type=click.IntRange(min=0))
def sources_show(name: str, runs: int) -> None:
    service = _sources()
    data = service.get(name).to_dict()
    data["runs"] = [r.to_dict() for r in service.runs(name, limit=runs)]
    _echo_json(data)


@sources.command("remove", help=N_("Stop following a source (its records stay)."))
@click.argument("name")
def sources_remove(name: str) -> None:
    _sources().remove(name)
    click.echo(gettext(N_("Source %(name)s removed; its records stay."), name=name))


@sources.command("enable", help=N_("Let `harvest --due` run a source again."))
@click.argument("name")
def sources_enable(name: str) -> None:
    _sources().set_enabled(name, True)


@sources.command("disable", help=N_("Keep `harvest --due` from running a source."))
@click.argument("name")
def sources_disable(name: str) -> None:
    _sources().set_enabled(name, False)


# -- harvest ----------------------------------------------------------------------------


def _progress(phase: str, outcome: PageOutcome) -> None:
    counts = outcome.counts
    click.echo(
        gettext(
            N_(
                "… %(phase)s: %(seen)d seen, %(created)d new, %(updated)d updated, %(failed)d failed"
            ),
            phase=phase,
            seen=counts.get("seen", 0),
            created=counts.get("created", 0),
            updated=counts.get("updated", 0),
            failed=counts.get("failed", 0),
        ),
        err=True,
    )


def _run(
    names: list[str], *, full: bool = False, since: str | None = None
) -> tuple[list[RunView], list[SourceBusy]]:
    """Run each source; one already running is skipped (its run goes on) and returned apart."""
    config = settings()
    rt = runtime()
    sources = rt.catalogue.harvest
    harvester = SourceHarvester(
        sources,
        progress=_progress,
        timeout=config.harvest_timeout,
        attempts=config.harvest_attempts,
        backoff=config.harvest_backoff,
        max_wait=config.harvest_max_wait,
    )
    runs, busy = [], []
    # The new records of a large page are prepared in worker processes (started by the
    # first such page only: a partner's pages of 100 are prepared here).
    with rt.resources.preparer(default_procs(config.ingest_procs)) as preparer:
        sources.prepare_with(preparer)
        try:
            for name in names:
                try:
                    runs.append(harvester.run(name, full=full, since=since))
                except SourceBusy as exc:
                    click.echo(str(exc), err=True)
                    busy.append(exc)
        finally:
            sources.prepare_with(None)
    return runs, busy


def _summary(run: RunView) -> str:
    lang = current_language()
    text = gettext(
        N_("%(source)s: %(status)s (%(counts)s)"),
        source=run.source,
        status=run.status_label(lang),
        counts=run.counts_line(lang, all=True),
    )
    error = run.error_message()
    if error is not None:
        text += "\n  " + error.render()
    # Failures first, then the records with notes (the review queue has the notes).
    listed = sorted(
        zip(run.problems, run.problem_messages(), strict=True), key=lambda p: bool(p[0].get("note"))
    )
    for _, (identifier, message) in listed[:20]:
        text += f"\n  {identifier}: {message.render()}"
    return text


@command("harvest", help=N_("Run harvest sources now (NAME…) or those due (--due)."))
@click.argument("names", nargs=-1)
@click.option("--due", is_flag=True, help=N_("every enabled source whose interval has passed"))
@click.option("--full", is_flag=True, help=N_("harvest everything again and compare"))
@click.option("--json", "as_json", is_flag=True, help=N_("print the run reports as JSON"))
def harvest(names: tuple[str, ...], due: bool, full: bool, as_json: bool) -> None:
    wanted = list(names)
    if due:
        wanted += [s.name for s in _sources().due() if s.name not in wanted]
    elif not wanted:
        raise click.UsageError(gettext(N_("name one or more sources, or give --due")))
    runs, busy = _run(wanted, full=full)
    if as_json:
        _echo_json([r.to_dict() for r in runs])
    else:
        for run in runs:
            click.echo(_summary(run))
    # With --due, a source still running from the last tick is not a failure.
    if any(r.status != "done" for r in runs) or (busy and not due):
        raise click.exceptions.Exit(1)


@command(
    "harvest-oai",
    help=N_("Harvest a partner once: adds the source (named after the host) and runs it."),
)
@click.argument("base_url")
@click.option("--name", default=None, help=N_("source name (default: from the URL's host)"))
@click.option("--set", "set_spec", default=None, help=N_("harvest this set only (setSpec)"))
@click.option("--from", "since", default=None, help=N_("records changed since (YYYY-MM-DD)"))
@click.option("--prefix", default="oai_lom", show_default=True, help=N_("metadataPrefix to ask"))
@click.option(
    "--mode",
    default="cooperation",
    show_default=True,
    help=N_("acquisition mode recorded on every record (cooperation, don…)"),
)
@click.option("--reference", default=None, help=N_("acquisition reference (e.g. the agreement)"))
def harvest_oai(
    base_url: str,
    name: str | None,
    set_spec: str | None,
    since: str | None,
    prefix: str,
    mode: str,
    reference: str | None,
) -> None:
    service = _sources()
    name = name or _name_of(base_url)
    existing = {v.name: v for v in service.all()}
    if name not in existing:
        service.add(
            SourceSpec(
                name=name,
                base_url=base_url,
                metadata_prefix=prefix,
                sets=(set_spec,) if set_spec else (),
                acquisition_mode=mode,
                agreement=reference or f"OAI-PMH {base_url}",
            ),
            created_by="cli",
        )
    elif existing[name].base_url != base_url:
        raise HarvestError(
            N_("a source named %(name)s already harvests %(url)s: choose another --name"),
            name=name,
            url=existing[name].base_url,
        )
    if since is not None:
        parse_date("from", since)
    runs, busy = _run([name], since=since)
    if busy:
        raise busy[0]
    run = runs[0]
    _echo_json(run.to_dict())
    if run.status != "done":
        raise click.exceptions.Exit(1)


def _name_of(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "partner"
    port = urlsplit(base_url).port
    name = re.sub(r"[^a-z0-9.-]+", "-", host.lower()) + (f"-{port}" if port else "")
    return name[:64]


COMMANDS = [sources, harvest, harvest_oai]
