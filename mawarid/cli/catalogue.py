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
import time
from pathlib import Path

import click

from catalogue.services.actors import ROLES, Actor

from .base import as_actor_option, command, group, runtime


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


@command("demo")
@click.option(
    "--count",
    default=200,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="How many synthetic resources.",
)
@click.option("--seed", default="0", show_default=True, help="Same seed, same resources.")
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Resources per transaction.",
)
@click.option("--no-index", is_flag=True, help="Do not rebuild the search index afterwards.")
def demo(count: int, seed: str, batch: int, no_index: bool) -> None:
    """Add COUNT synthetic, published resources with complete provenance / بيانات تجريبية."""
    from catalogue.services.demo import Demo

    rt = runtime()
    started = time.monotonic()
    with click.progressbar(length=count, label="Catalogue / الفهرس", show_pos=True) as bar:
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            bar.update(n - done)
            done = n

        result = Demo(rt.resources, seed=seed, batch_size=batch).run(count, progress=progress)
    seconds = time.monotonic() - started
    rate = result["created"] / seconds if seconds > 0 else 0.0
    click.echo(
        f"{result['created']} ressources publiées ({result['skipped']} déjà présentes) "
        f"en {seconds:.1f} s — {rate:.0f}/s / تم نشر {result['created']} موردا"
    )
    if not no_index and result["created"]:
        total = rt.resources.count(status="published")
        indexed = rt.pipeline.reindex(rt.resources.iter_published(), total=total)
        click.echo(f"index: {indexed if indexed is not None else total} ressources / موارد مفهرسة")


# -- import / export ------------------------------------------------------------------


@command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--migrate-validated",
    "reference",
    metavar="REFERENCE",
    help="The records were validated before Mawarid: record a 'conforme' decision of "
    "the validation commission with this reference (PV) and publish them.",
)
@click.option(
    "--acquisition-mode",
    metavar="MODE",
    help="Acquisition mode for records that name none (achat, don, cooperation, ...).",
)
@click.option("--acquisition-reference", metavar="REF", help="Its reference (tender, convention).")
@click.option("--counterpart", metavar="NAME", help="Its counterpart (supplier, donor, partner).")
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Records per transaction.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Also write the full report as JSON to this file.",
)
@as_option
def import_(
    paths,
    reference,
    acquisition_mode,
    acquisition_reference,
    counterpart,
    batch,
    report_path,
    as_user,
) -> None:
    """Import LOM XML files, folders, zip archives or JSON lines as drafts / استيراد."""
    from catalogue.services.importer import Importer

    rt = runtime()
    default_acquisition = None
    if acquisition_mode:
        default_acquisition = {
            "mode": acquisition_mode,
            "reference": acquisition_reference,
            "counterpart": counterpart,
        }
    elif acquisition_reference or counterpart:
        raise click.UsageError("--acquisition-reference and --counterpart need --acquisition-mode")
    importer = Importer(
        rt.resources,
        actor=_actor(as_user),
        migrate_reference=reference,
        default_acquisition=default_acquisition,
        batch_size=batch,
    )
    report = importer.run(paths)
    for source, error in report.refused:
        click.echo(f"{source}: {error}", err=True)
    click.echo(
        f"{len(report.created)} créées, {len(report.published)} publiées, "
        f"{len(report.skipped)} déjà importées, {len(report.refused)} refusées"
        + (f", {len(report.ignored)} fichiers ignorés" if report.ignored else "")
        + f" / أنشئ {len(report.created)}، رفض {len(report.refused)}"
    )
    if report_path:
        report_path.write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    if report.refused:
        sys.exit(1)


@command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["lom", "oai_dc", "json"]),
    default="lom",
    show_default=True,
)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--status",
    default="published",
    show_default=True,
    type=click.Choice(
        ["published", "draft", "submitted", "validated", "rejected", "withdrawn", "all"]
    ),
)
def export(fmt: str, out: Path, status: str) -> None:
    """Write one file per resource plus its provenance document (JSON) / تصدير."""
    from catalogue.services.exporter import export as run_export

    report = run_export(
        runtime().resources, out, format=fmt, status=None if status == "all" else status
    )
    click.echo(
        f"{report.written} ressources exportées dans {report.out} ({report.files} fichiers)"
        f" / تم تصدير {report.written} موردا"
    )


# -- lifecycle --------------------------------------------------------------------------


@command("submit")
@click.argument("resource_id")
@click.option("--note")
@as_option
def submit(resource_id: str, note: str | None, as_user: str | None) -> None:
    """Submit a draft to the validation commission / الإحالة على المصادقة."""
    view = runtime().resources.submit(_actor(as_user), resource_id, note=note)
    click.echo(f"{view.id}: {view.status}")


@command("decide")
@click.argument("resource_id")
@click.option("--decision", required=True, type=click.Choice(["conforme", "non_conforme"]))
@click.option("--reference", required=True, help="Reference of the commission's PV.")
@click.option("--commission", default="validation", show_default=True)
@click.option("--note")
@as_option
def decide(resource_id, decision, reference, commission, note, as_user) -> None:
    """Record the validation commission's decision / تسجيل قرار لجنة المصادقة."""
    view = runtime().resources.decide(
        _actor(as_user),
        resource_id,
        commission=commission,
        decision=decision,
        reference=reference,
        note=note,
    )
    click.echo(f"{view.id}: {view.status}")


@command("publish")
@click.argument("resource_id")
@as_option
def publish(resource_id: str, as_user: str | None) -> None:
    """Publish a resource found conforme / النشر."""
    view = runtime().resources.publish(_actor(as_user), resource_id)
    click.echo(f"{view.id}: {view.status}")


@command("withdraw")
@click.argument("resource_id")
@click.option("--reason", required=True)
@as_option
def withdraw(resource_id: str, reason: str, as_user: str | None) -> None:
    """Withdraw a published resource (it becomes an OAI-PMH deleted record) / السحب."""
    view = runtime().resources.withdraw(_actor(as_user), resource_id, reason=reason)
    click.echo(f"{view.id}: {view.status}")


@command("provenance")
@click.argument("resource_id")
def provenance(resource_id: str) -> None:
    """Print a resource's provenance document (JSON) / مصدر المورد."""
    _echo_json(runtime().resources.provenance(resource_id))


# -- users --------------------------------------------------------------------------------


@group("user")
def user() -> None:
    """Staff accounts / حسابات الموظفين."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="Repeat for several roles.",
)
@click.option(
    "--commission",
    "commissions",
    multiple=True,
    help="Commission the user sits on (repeatable), e.g. validation.",
)
@click.option("--display-name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(username, roles, commissions, display_name, password_stdin) -> None:
    """Create an account (the password is asked for, hidden) / إنشاء حساب."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Mot de passe / كلمة المرور", hide_input=True, confirmation_prompt=True
        )
    view = runtime().accounts.create_user(
        username, password, display_name=display_name, roles=roles, commissions=commissions
    )
    click.echo(
        f"{view.username}: {', '.join(sorted(view.roles))}"
        + (f" ({', '.join(sorted(view.commissions))})" if view.commissions else "")
    )


@user.command("list")
def user_list() -> None:
    """List accounts."""
    for view in runtime().accounts.list():
        state = "" if view.active else " (désactivé / معطل)"
        click.echo(
            f"{view.username}\t{','.join(sorted(view.roles))}\t"
            f"{','.join(sorted(view.commissions))}{state}"
        )


@user.command("set-active")
@click.argument("username")
@click.argument("active", type=click.BOOL)
def user_set_active(username: str, active: bool) -> None:
    """Activate (true) or deactivate (false) an account."""
    view = runtime().accounts.set_active(username, active)
    click.echo(f"{view.username}: {'active' if view.active else 'inactive'}")


# -- database --------------------------------------------------------------------------------


@group("db")
def db() -> None:
    """Database schema / قاعدة البيانات."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the latest revision (Alembic)."""
    database = runtime().catalogue.db
    revisions = database.upgrade()
    click.echo(f"schema: {', '.join(sorted(revisions))}")


COMMANDS = [demo, import_, export, submit, decide, publish, withdraw, provenance, user, db]
