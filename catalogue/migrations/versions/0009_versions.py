"""versions: a resource's earlier descriptions; one head again

Revision ID: 0009_versions
Revises: 0003_intake, 0003_rate_limits, 0004_journal, 0006_console, 0008_harvest_refused
Create Date: 2026-12-03

The table ``resource_versions`` (:class:`catalogue.store.models.ResourceVersion`): each
edit keeps the description it replaces. The revision also joins the branches this round
opened in parallel, so ``alembic upgrade head`` names one revision again.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0009_versions"
down_revision = (
    "0003_intake",
    "0003_rate_limits",
    "0004_journal",
    "0006_console",
    "0008_harvest_refused",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_versions",
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_by", sa.String(length=100), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_versions_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "version", name=op.f("pk_resource_versions")),
    )


def downgrade() -> None:
    op.drop_table("resource_versions")
