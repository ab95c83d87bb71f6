"""A real SMTP server on this machine for the notification tests (aiosmtpd).

:class:`Inbox` keeps every message the server accepted and lets a test wait for them
(a condition, not a sleep); ``refuse`` makes the server answer 550 to every recipient.
:func:`smtp_server` starts one on a free port of 127.0.0.1 and stops it afterwards.
"""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._cond:
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The first ``count`` messages, once they have arrived (or fail after ``timeout``)."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.messages) >= count, timeout)
        assert arrived, f"{len(self.messages)} e-mails arrived, {count} expected"
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_settings(port: int) -> dict[str, str]:
    """Settings of an instance that e-mails through the local test server."""
    return {
        "MAWARID_SMTP_HOST": "127.0.0.1",
        "MAWARID_SMTP_PORT": str(port),
        "MAWARID_SMTP_TLS": "none",
        "MAWARID_SMTP_SENDER": "mawarid@lnrn.test",
        "MAWARID_SMTP_TIMEOUT": "5",
        "MAWARID_BASE_URL": "https://mawarid.test",
    }
