"""Catalogue commands: demo data, import/export, lifecycle, provenance, users, database.

They only call the catalogue services of the running instance
(:func:`mawarid.cli.base.runtime`). Refusals are printed as one clear line on stderr
with exit code 1 — never a traceback (see :class:`mawarid.cli.base.Group`).

Who acts: ``--as USERNAME`` names an existing active account (its roles and
commissions apply, exactly as in the portal); without it, the command acts as the
local operator ``cli:<os user>`` with every role and a seat on the validation
commission (whoever runs commands on the server already holds the database).
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from catalogue.intake.importer import Importer
from catalogue.intake.report import IntakeReport
from catalogue.services.actors import ROLES, Actor
from catalogue.services.demo import Demo
from catalogue.services.exporter import export as run_export
from catalogue.services.workers import default_procs
from core.messages import N_, gettext, ngettext
from mawarid.index_follow import IndexFollower
from mawarid.index_sync import SyncReport, summary_line
from mawarid.runtime import Runtime

from .base import (
    EXIT_FAILED,
    EXIT_INDEX_BEHIND,
    as_actor_option,
    command,
    exit_with,
    group,
    runtime,
)
from .notify import after_action
from .progress import Progress


def _actor(username: str | None) -> Actor:
    if username:
        return runtime().accounts.actor(username)
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        who = "operator"
    return Actor(f"cli:{who}", frozenset(ROLES), frozenset({"validation"}))


as_option = as_actor_option()


def _echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- demo -------------------------------------------------------------------------


@command(
    "demo",
    help=N_("Add synthetic, published resources with a complete provenance (demonstrations)."),
)
@click.option(
    "--count",
    default=200,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help=N_("How many synthetic resources."),
)
@click.option("--seed", default="0", show_default=True, help=N_("Same seed, same resources."))
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help=N_("Resources per transaction."),
)
@click.option(
    "--no-index",
    is_flag=True,
    help=N_("Leave the search index to the running portal (the changes wait in its journal)."),
)
def demo(count: int, seed: str, batch: int, no_index: bool) -> None:
    rt = runtime()
    procs = default_procs(rt.settings.ingest_procs)
    with (
        IndexFollower(rt.settings, enabled=not no_index and procs > 1) as follower,
        rt.resources.preparer(procs) as preparer,
        Progress(gettext(N_("Catalogue")), count) as progress,
    ):

        def written(n: int) -> None:
            progress.update(n)
            follower.written(n)

        result = Demo(rt.resources, seed=seed, batch_size=batch, preparer=preparer).run(
            count, progress=written
        )
        progress.summary(
            ngettext(
                "%(num)d resource published (%(skipped)d already there)",
                "%(num)d resources published (%(skipped)d already there)",
                result["created"],
                skipped=result["skipped"],
            )
        )
    finish_ingest(rt, index=not no_index, followed=follower.report)


def finish_ingest(
    rt: Runtime, *, index: bool, failed: int = 0, followed: SyncReport | None = None
) -> None:
    """The last lines of an ingest: where the search index stands (with what the index
    follower applied meanwhile, ``followed``). The exit status:
    ``failed`` when something was refused (the ingest's own status), else 1 when the index
    refused a resource, 4 when it is behind (the changes wait in the journal), 0 when all
    is done."""
    if not index:
        rt.resources.changed = 0  # the running portal applies the journal
        state = rt.catalogue.journal.state()
        click.echo(gettext(N_("changes waiting in the journal: %(count)d"), count=state.pending))
        if failed:
            exit_with(failed)
        return
    with Progress(gettext(N_("Indexing"))) as progress:
        report = followed or SyncReport()
        report.absorb(rt.index.catch_up(progress=progress.update))
        progress.summary(summary_line(report))
    rt.resources.changed = 0
    if failed:
        exit_with(failed)
    if report.refused:
        exit_with(EXIT_FAILED)
    if not report.complete:
        exit_with(EXIT_INDEX_BEHIND)


# -- import / export ------------------------------------------------------------------


@command(
    "import",
    help=N_(
        "Import partner records (LOM, ScoLOMFR, IMS, SCORM, OAI-PMH, Dublin Core), staff "
        "spreadsheets (CSV, XLSX) or JSON lines, from files, folders and zip archives. "
        "Exit status: 0 when every input was read (notes to review allowed), 3 when some "
        "inputs were refused (listed with their reason), 2 on bad usage, 1 on a fatal error."
    ),
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--migrate-validated",
    "reference",
    metavar="REFERENCE",
    help=N_(
        "The records were validated before Mawarid: record a 'conforme' decision of "
        "the validation commission with this reference (minutes) and publish them."
    ),
)
@click.option(
    "--acquisition-mode",
    metavar="MODE",
    help=N_("Acquisition mode for records that name none (achat, don, cooperation…)."),
)
@click.option(
    "--acquisition-reference", metavar="REF", help=N_("Its reference (tender, agreement).")
)
@click.option(
    "--counterpart", metavar="NAME", help=N_("Its counterpart (supplier, donor, partner).")
)
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help=N_("Records per transaction."),
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=N_("Also write the full report (every record, its notes) as JSON to this file."),
)
@click.option("--verbose", "-v", is_flag=True, help=N_("List every record with its notes."))
@as_option
def import_(
    paths,
    reference,
    acquisition_mode,
    acquisition_reference,
    counterpart,
    batch,
    report_path,
    verbose,
    as_user,
) -> None:
    rt = runtime()
    default_acquisition = None
    if acquisition_mode:
        default_acquisition = {
            "mode": acquisition_mode,
            "reference": acquisition_reference,
            "counterpart": counterpart,
        }
    elif acquisition_reference or counterpart:
        raise click.UsageError(
            gettext(N_("--acquisition-reference and --counterpart need --acquisition-mode"))
        )
    importer = Importer(
        rt.resources,
        actor=_actor(as_user),
        migrate_reference=reference,
        default_acquisition=default_acquisition,
        batch_size=batch,
        procs=default_procs(rt.settings.ingest_procs),
    )
    with (
        IndexFollower(rt.settings, enabled=importer.procs > 1) as follower,
        Progress(gettext(N_("Import"))) as progress,
    ):

        def written(so_far: IntakeReport) -> None:
            progress.update(len(so_far.outcomes))
            follower.written(len(so_far.outcomes))

        report = importer.run(paths, progress=written)
        progress.close()
        for outcome in report.outcomes:
            if outcome.status == "refused":
                click.echo(f"{outcome.source}: {outcome.reason()}", err=True)
            elif verbose or outcome.status == "deleted":
                line = f"{outcome.source}: {outcome.status} {outcome.resource_id or ''}"
                click.echo(line.rstrip())
            if verbose:
                for note in outcome.notes:
                    click.echo(f"    {note.render()}")
        progress.summary(report.summary())
    if report_path:
        _write_atomic(report_path, json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    # What this import wrote reaches the search index now; the exit status says whether
    # everything did (0), some inputs were refused (3) or the index is behind (4).
    finish_ingest(rt, index=True, failed=report.exit_code, followed=follower.report)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@command(
    "export",
    help=N_(
        "Write one file per resource plus its provenance document (JSON). What a format "
        "cannot hold (Dublin Core, strict LOM, ScoLOMFR) is listed in left-out.json."
    ),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["lom", "lom-strict", "scolomfr", "oai_dc", "json"]),
    default="lom",
    show_default=True,
    help=N_(
        "Format of the record files (lom-strict: LOMv1.0 vocabularies only, valid against "
        "lomStrict.xsd)."
    ),
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Folder to write into."),
)
@click.option(
    "--status",
    default="published",
    show_default=True,
    type=click.Choice(
        ["published", "draft", "submitted", "validated", "rejected", "withdrawn", "all"]
    ),
    help=N_("Which resources."),
)
def export(fmt: str, out: Path, status: str) -> None:
    rt = runtime()
    wanted = None if status == "all" else status
    with Progress(gettext(N_("Export")), rt.resources.count(status=wanted)) as progress:
        report = run_export(rt.resources, out, format=fmt, status=wanted, progress=progress.update)
        progress.summary(
            ngettext(
                "%(num)d resource exported into %(out)s (%(files)d files)",
                "%(num)d resources exported into %(out)s (%(files)d files)",
                report.written,
                out=str(report.out),
                files=report.files,
            )
        )
    if report.left_out:
        click.echo(
            ngettext(
                "%(num)d record with values this format cannot hold: see left-out.json",
                "%(num)d records with values this format cannot hold: see left-out.json",
                len(report.left_out),
            )
        )


# -- lifecycle --------------------------------------------------------------------------


@command("submit", help=N_("Submit a draft to the validation commission."))
@click.argument("resource_id")
@click.option("--note", help=N_("A note for the commission."))
@as_option
def submit(resource_id: str, note: str | None, as_user: str | None) -> None:
    view = runtime().resources.submit(_actor(as_user), resource_id, note=note)
    click.echo(f"{view.id}: {view.status}")
    after_action()  # the commission is told by e-mail


@command("decide", help=N_("Record the validation commission's decision."))
@click.argument("resource_id")
@click.option(
    "--decision",
    required=True,
    type=click.Choice(["conforme", "non_conforme"]),
    help=N_("conforme or non_conforme."),
)
@click.option("--reference", required=True, help=N_("Reference of the commission's minutes."))
@click.option(
    "--commission", default="validation", show_default=True, help=N_("The deciding commission.")
)
@click.option("--note", help=N_("The commission's remark."))
@as_option
def decide(resource_id, decision, reference, commission, note, as_user) -> None:
    view = runtime().resources.decide(
        _actor(as_user),
        resource_id,
        commission=commission,
        decision=decision,
        reference=reference,
        note=note,
    )
    click.echo(f"{view.id}: {view.status}")
    after_action()  # a refusal is e-mailed to the authors


@command("publish", help=N_("Publish a resource found conforming."))
@click.argument("resource_id")
@as_option
def publish(resource_id: str, as_user: str | None) -> None:
    view = runtime().resources.publish(_actor(as_user), resource_id)
    click.echo(f"{view.id}: {view.status}")


@command(
    "withdraw",
    help=N_("Withdraw a published resource (it becomes an OAI-PMH deleted record)."),
)
@click.argument("resource_id")
@click.option("--reason", required=True, help=N_("Why it is withdrawn."))
@as_option
def withdraw(resource_id: str, reason: str, as_user: str | None) -> None:
    view = runtime().resources.withdraw(_actor(as_user), resource_id, reason=reason)
    click.echo(f"{view.id}: {view.status}")


@command("provenance", help=N_("Print a resource's provenance document (JSON)."))
@click.argument("resource_id")
def provenance(resource_id: str) -> None:
    _echo_json(runtime().resources.provenance(resource_id))


# -- users --------------------------------------------------------------------------------


@group("user", help=N_("Staff accounts."))
def user() -> None:
    pass


@user.command("create", help=N_("Create an account (the password is asked for, hidden)."))
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help=N_("A role of the account."),
)
@click.option(
    "--commission",
    "commissions",
    multiple=True,
    help=N_("Commission the user sits on, e.g. validation."),
)
@click.option("--display-name", help=N_("The name shown in the console."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from standard input."))
def user_create(username, roles, commissions, display_name, password_stdin) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(gettext(N_("Password")), hide_input=True, confirmation_prompt=True)
    view = runtime().accounts.create_user(
        username, password, display_name=display_name, roles=roles, commissions=commissions
    )
    click.echo(
        f"{view.username}: {', '.join(sorted(view.roles))}"
        + (f" ({', '.join(sorted(view.commissions))})" if view.commissions else "")
    )


@user.command(
    "set-password",
    help=N_(
        "Give an account a new password (asked for, hidden); every session of the account "
        "ends at once."
    ),
)
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from standard input."))
def user_set_password(username: str, password_stdin: bool) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            gettext(N_("New password")), hide_input=True, confirmation_prompt=True
        )
    view = runtime().accounts.set_password(username, password)
    click.echo(gettext(N_("%(name)s: new password; its sessions are ended"), name=view.username))


@user.command("list", help=N_("List accounts."))
def user_list() -> None:
    for view in runtime().accounts.list():
        state = "" if view.active else " (" + gettext(N_("deactivated")) + ")"
        click.echo(
            f"{view.username}\t{','.join(sorted(view.roles))}\t"
            f"{','.join(sorted(view.commissions))}{state}"
        )


@user.command("set-active", help=N_("Activate (true) or deactivate (false) an account."))
@click.argument("username")
@click.argument("active", type=click.BOOL)
def user_set_active(username: str, active: bool) -> None:
    view = runtime().accounts.set_active(username, active)
    state = gettext(N_("active")) if view.active else gettext(N_("deactivated"))
    click.echo(f"{view.username}: {state}")


@user.command("contact", help=N_("Set where an account's e-mail notifications go."))
@click.argument("username")
@click.option("--email", help=N_("The address (empty: no e-mail)."))
@click.option("--language", help=N_("Language of the e-mails: fr, ar or en."))
def user_contact(username: str, email: str | None, language: str | None) -> None:
    contact = runtime().catalogue.contacts.set(username, email=email, language=language)
    click.echo(f"{contact.username}: {contact.email or '-'} ({contact.language})")


# -- database --------------------------------------------------------------------------------


@group("db", help=N_("Database schema."))
def db() -> None:
    pass


@db.command("upgrade", help=N_("Bring the database schema to the latest revision (Alembic)."))
def db_upgrade() -> None:
    database = runtime().catalogue.db
    revisions = database.upgrade()
    click.echo(f"schema: {', '.join(sorted(revisions))}")


COMMANDS = [demo, import_, export, submit, decide, publish, withdraw, provenance, user, db]
