"""The search index: ``mawarid reindex`` and ``mawarid index status|sync|check|repair``.

The index follows the catalogue through the index journal (:mod:`mawarid.index_sync`):
``sync`` applies what is pending, ``check`` says how the index differs from the database
(counts and the first differing ids; exit status 1 when it does), ``repair`` fixes the
differences in place — no rebuild, no downtime — and ``reindex`` rebuilds the whole index
beside the serving one and switches to it atomically (an interrupted rebuild leaves the
serving index untouched).

Exit statuses: 0 when the index holds exactly what the database holds; 1 when it differs
(or a resource was refused); 4 when the index could not be written now and the changes
wait in the journal (they are applied when the engine is back).
"""

from __future__ import annotations

import json

import click

from core.messages import N_, gettext, ngettext
from mawarid.index_sync import Drift, SyncReport, summary_line

from .base import (
    EXIT_FAILED,
    EXIT_INDEX_BEHIND,
    command,
    exit_with,
    group,
    runtime,
    stopwatch,
)
from .progress import Progress


@command(
    "reindex",
    help=N_("Rebuild the search index (a fresh index, switched to atomically when complete)."),
)
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help=N_("Resources read from the database per transaction."),
)
def reindex(batch: int) -> None:
    rt = runtime()
    total = rt.resources.count(status="published")
    with Progress(gettext(N_("Indexing")), total) as progress:
        count, sync = rt.index.rebuild(batch=batch, progress=progress.update)
        progress.update(count)
        progress.summary(ngettext("%(num)d resource indexed", "%(num)d resources indexed", count))
    drift = rt.index.check()
    if not drift.in_step:
        _echo_drift(drift)
    _exit_for(drift, sync)


@group("index", help=N_("The search index and its journal: status, sync, check, repair."))
def index() -> None:
    pass


@index.command("status", help=N_("How many changes wait in the index journal."))
def status() -> None:
    rt = runtime()
    state = rt.catalogue.journal.state()
    click.echo(gettext(N_("changes waiting in the journal: %(count)d"), count=state.pending))
    if state.oldest is not None:
        click.echo(gettext(N_("oldest waiting change: %(when)s UTC"), when=state.oldest))
    click.echo(gettext(N_("resources refused by the index: %(count)d"), count=state.failed))
    if state.pending or state.failed:
        exit_with(EXIT_INDEX_BEHIND if not state.failed else EXIT_FAILED)


@index.command("sync", help=N_("Apply the changes waiting in the journal to the index now."))
def sync() -> None:
    rt = runtime()
    report = rt.index.drain(wait=True)
    _echo_sync(report)
    if not report.complete:
        exit_with(EXIT_FAILED if report.refused else EXIT_INDEX_BEHIND)


@index.command(
    "check",
    help=N_(
        "Compare the index with the database: counts and the first differing ids "
        "(exit status 1 when they differ)."
    ),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print the result as JSON."))
def check(as_json: bool) -> None:
    drift = runtime().index.check()
    if as_json:
        click.echo(json.dumps(drift.to_dict(), ensure_ascii=False, indent=2))
    else:
        _echo_drift(drift)
    if not drift.in_step:
        exit_with(EXIT_FAILED)


@index.command(
    "repair",
    help=N_("Fix the index in place from the database (no rebuild, no downtime)."),
)
def repair() -> None:
    rt = runtime()
    clock = stopwatch()
    report, drift = rt.index.repair()
    _echo_sync(report)
    _echo_drift(drift)
    click.echo(gettext(N_("done in %(seconds).1f s"), seconds=clock()))
    _exit_for(drift, report)


def _echo_sync(report: SyncReport) -> None:
    click.echo(
        gettext(
            N_("%(upserted)d resources written to the index, %(removed)d removed"),
            upserted=report.upserted,
            removed=report.removed,
        )
    )
    click.echo(summary_line(report), err=not report.complete)
    for rid, why in report.refused[:10]:
        click.echo(f"  {rid}: {why}", err=True)


def _echo_drift(drift: Drift) -> None:
    click.echo(
        gettext(
            N_("published in the catalogue: %(published)d; in the index: %(indexed)d"),
            published=drift.published,
            indexed=drift.indexed,
        )
    )
    if drift.missing_count:
        click.echo(
            gettext(
                N_("%(count)d published resources are missing from the index: %(ids)s"),
                count=drift.missing_count,
                ids=", ".join(drift.missing),
            ),
            err=True,
        )
    if drift.extra_count:
        click.echo(
            gettext(
                N_("%(count)d indexed resources are not published: %(ids)s"),
                count=drift.extra_count,
                ids=", ".join(drift.extra),
            ),
            err=True,
        )
    if drift.pending:
        click.echo(
            gettext(N_("changes waiting in the journal: %(count)d"), count=drift.pending),
            err=True,
        )
    for rid, why in drift.refused:
        click.echo(
            gettext(N_("refused by the index: %(id)s: %(error)s"), id=rid, error=why), err=True
        )
    if drift.in_step:
        click.echo(gettext(N_("the index holds exactly what the catalogue publishes")))


def _exit_for(drift: Drift, report: SyncReport) -> None:
    if drift.in_step:
        return
    behind = report.error is not None and not (drift.missing_count or drift.extra_count)
    exit_with(EXIT_INDEX_BEHIND if behind else EXIT_FAILED)


COMMANDS = [reindex, index]
