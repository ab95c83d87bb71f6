"""console: staff contacts (e-mail, language) and e-mail notifications

Revision ID: 0006_console
Revises: 0002_diffusion
Create Date: 2026-11-25

Tables of :mod:`catalogue.store.console_models`.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0006_console"
down_revision = "0002_diffusion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_contacts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_contacts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_contacts")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["resource_events.seq"],
            name=op.f("fk_notifications_event_seq_resource_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("event_seq", "username", name="uq_notifications_event_seq_username"),
    )
    op.create_index(
        "ix_notifications_status_next_attempt_at",
        "notifications",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "notification_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_cursor")),
    )


def downgrade() -> None:
    op.drop_table("notification_cursor")
    op.drop_index("ix_notifications_status_next_attempt_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("user_contacts")
