"""E-mails to the staff when something waits for them, sent after the action, never in its way.

:class:`Notifier` plans e-mails from the lifecycle's committed events
(:class:`catalogue.services.notifications.NotificationQueue`), writes each in the
recipient's language and sends it through the mail server of ``MAWARID_SMTP_*``
(:mod:`smtplib`: STARTTLS or implicit TLS with the server's certificate checked, login when
a user is set). An action only *wakes* it:

* in a running portal, :meth:`Notifier.wake` sets off a background thread (started on the
  first wake of the process) which also looks again every :data:`POLL_SECONDS` for
  retries; the request never waits for the mail server;
* a command calls :meth:`Notifier.run_once` after its action is committed, and says on
  one line when the mail server failed (the action stands; ``mawarid notify`` retries).

A mail server that refuses, fails or does not answer costs an attempt: the notification
is tried again after the queue's back-off, logged at each failure and kept ``failed``
with its reason once the attempts are spent (``mawarid notify --failed``). Nothing is
planned or sent while ``MAWARID_SMTP_HOST`` is empty.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from catalogue.services.notifications import REFUSED, TO_VALIDATE, NotificationQueue, Outgoing
from core.clock import SYSTEM_CLOCK, Clock
from core.messages import N_, gettext, text_direction
from core.settings import Settings
from metadata_schemas.record import title_of

log = logging.getLogger(__name__)

#: How often a running portal looks for notifications to retry.
POLL_SECONDS = 60.0
#: The console's page of a resource (portal/views/staff.py ``staff.resource``).
CONSOLE_RESOURCE = "/staff/resources/%s"
#: The console's home, which lists what waits for the reader ("my tasks").
CONSOLE_HOME = "/staff/"

SUBJECTS = {
    TO_VALIDATE: N_("[Mawarid] To validate: %(title)s"),
    REFUSED: N_("[Mawarid] Not conforming: %(title)s"),
}
BODIES = {
    TO_VALIDATE: N_(
        "%(actor)s submitted “%(title)s” (%(id)s) to the validation commission. "
        "It waits for the commission's decision."
    ),
    REFUSED: N_(
        "The validation commission (%(actor)s) found “%(title)s” (%(id)s) not conforming. "
        "Correct the record and submit it again."
    ),
}
NOTES = {
    TO_VALIDATE: N_("Note for the commission: %(note)s"),
    REFUSED: N_("The commission's remark: %(note)s"),
}


@dataclass
class NotifyReport:
    planned: int = 0
    sent: int = 0
    #: Failed attempts of this pass (tried again later unless spent).
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def compose(item: Outgoing, settings: Settings, base_url: str, now: datetime) -> EmailMessage:
    """The e-mail of one notification, in its recipient's language."""
    lang = item.language
    title = title_of({"general": {"title": item.title}}, lang) or item.resource_id
    params = {"title": title, "id": item.resource_id, "actor": item.actor}
    lines = [gettext(BODIES[item.kind], lang, **params)]
    if item.note:
        lines += ["", gettext(NOTES[item.kind], lang, note=item.note)]
    lines += [
        "",
        gettext(
            "Open it in the console: %(url)s",
            lang,
            url=base_url + CONSOLE_RESOURCE % item.resource_id,
        ),
        gettext("Everything waiting for you: %(url)s", lang, url=base_url + CONSOLE_HOME),
        "",
        "-- ",
        gettext("Mawarid, the catalogue of digital educational resources (LNRN)", lang),
    ]
    message = EmailMessage()
    message["Subject"] = gettext(SUBJECTS[item.kind], lang, **params)
    message["From"] = settings.smtp_sender
    message["To"] = item.address
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.smtp_sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    body = "\n".join(lines) + "\n"
    if text_direction(lang) == "rtl":
        body = "\n".join("\u202b" + line + "\u202c" if line else line for line in body.split("\n"))
    message.set_content(body, charset="utf-8")
    message["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return message


def open_connection(settings: Settings) -> smtplib.SMTP:
    """A connection to the mail server, secured and logged in as the settings say."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{a}: {c} {m!r}" for a, (c, m) in exc.recipients.items())
    return " ".join(f"{type(exc).__name__}: {exc}".split())


class Notifier:
    def __init__(
        self,
        settings: Settings,
        queue: NotificationQueue,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        self.queue = queue
        self.clock = clock
        self.enabled = bool(settings.smtp_host)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        if self.enabled:
            queue.start()

    @property
    def base_url(self) -> str:
        return self.settings.public_base_url()

    # -- one pass ------------------------------------------------------------------------

    def run_once(self) -> NotifyReport:
        """Plan what the new events call for and send what is due (one pass)."""
        report = NotifyReport()
        if not self.enabled:
            return report
        with self._lock:
            report.planned = self.queue.plan()
            while True:
                batch = self.queue.due()
                if not batch:
                    return report
                self._send(batch, report)
                if report.failed:  # the server is unwell: leave the rest to the next pass
                    return report

    def _send(self, batch: list[Outgoing], report: NotifyReport) -> None:
        try:
            smtp = open_connection(self.settings)
        except (OSError, smtplib.SMTPException) as exc:
            reason = _reason(exc)
            for item in batch:
                self._failed(item, reason, report)
            return
        try:
            for item in batch:
                try:
                    smtp.send_message(compose(item, self.settings, self.base_url, self.clock.now()))
                except (OSError, smtplib.SMTPException) as exc:
                    self._failed(item, _reason(exc), report)
                else:
                    self.queue.sent(item.id)
                    report.sent += 1
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _failed(self, item: Outgoing, reason: str, report: NotifyReport) -> None:
        again = self.queue.failed(item.id, reason)
        report.failed += 1
        report.errors.append(reason)
        log.warning(
            "notification %s (%s, %s) to %s not sent: %s%s",
            item.id,
            item.kind,
            item.resource_id,
            item.username,
            reason,
            "; will be tried again" if again else "; attempts spent",
        )

    # -- in a running portal -------------------------------------------------------------

    def wake(self) -> None:
        """Something may wait for someone: send in the background (never blocks)."""
        if not self.enabled:
            return
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="mawarid-notify", daemon=True)
            self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:  # the database itself may be gone: try again later
                log.exception("notifications not sent")
            self._wake.wait(POLL_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
