"""E-mail notifications from the command line: send what is due, list what failed.

``mawarid notify`` plans and sends the e-mails the lifecycle calls for (a running portal
does it in the background; a cron line covers instances without one), ``--failed`` lists
those whose attempts are spent, with the mail server's reason, and ``--retry`` puts them
back in the queue. :func:`after_action` is what ``submit`` and ``decide`` run once their
action is committed.
"""

from __future__ import annotations

import logging

import click

from core.messages import N_, gettext

from .base import command, runtime

log = logging.getLogger(__name__)


def after_action() -> None:
    """Send the e-mails an action calls for; a mail server that fails is said on one
    line (stderr) and never fails the action, which is already saved."""
    try:
        report = runtime().notifier.run_once()
    except Exception as exc:  # the action stands whatever happens here
        log.exception("notifications not sent")
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
    else:
        if not report.failed:
            return
        reason = report.errors[0]
    click.echo(
        gettext(
            N_("E-mail notifications not sent (%(reason)s); `mawarid notify` tries again."),
            reason=reason,
        ),
        err=True,
    )


@command("notify", help=N_("Send the staff's e-mail notifications that are due."))
@click.option("--failed", is_flag=True, help=N_("List the notifications whose attempts are spent."))
@click.option("--retry", is_flag=True, help=N_("Try the failed notifications again."))
def notify(failed: bool, retry: bool) -> None:
    rt = runtime()
    if not rt.notifier.enabled:
        click.echo(gettext(N_("E-mail notifications are off: MAWARID_SMTP_HOST is not set.")))
        return
    if failed:
        for f in rt.catalogue.notifications.failures():
            click.echo(f"{f.at:%Y-%m-%d %H:%M}\t{f.resource_id}\t{f.kind}\t{f.address}\t{f.error}")
        return
    if retry:
        again = rt.catalogue.notifications.retry()
        click.echo(gettext(N_("%(num)d failed notifications queued again."), num=again))
    report = rt.notifier.run_once()
    click.echo(
        gettext(
            N_("%(sent)d e-mails sent, %(failed)d failed attempts."),
            sent=report.sent,
            failed=report.failed,
        )
    )
    if report.failed:
        click.echo(report.errors[0], err=True)


COMMANDS = [notify]
