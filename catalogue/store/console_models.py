"""Tables of the staff console's notifications: who is told, how, and what was sent.

* ``user_contacts`` — an account's e-mail address and the language it reads (French or
  Arabic), apart from the account itself (``users``: credentials and roles);
* ``notifications`` — one e-mail per lifecycle event and recipient (a record waiting for
  the validation commission, a record sent back as not conforming): planned from the
  append-only ``resource_events`` after their commit, sent, retried with a back-off
  when the mail server fails, and kept ``failed`` with the reason once the attempts
  are spent;
* ``notification_cursor`` — the last event read, so each event is planned once.

Datetimes are UTC, naive, at whole seconds, like every catalogue table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class UserContact(Base):
    __tablename__ = "user_contacts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="fr")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_seq", "username", name="uq_notifications_event_seq_username"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("resource_events.seq"))
    resource_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    #: pending → sent, or failed once the attempts are spent.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class NotificationCursor(Base):
    __tablename__ = "notification_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
