"""harvest: the partner records a run could not bring in, asked again by the next runs

Revision ID: 0008_harvest_refused
Revises: 0005_harvest
Create Date: 2026-12-03

The table ``harvest_refused`` of :mod:`catalogue.store.harvest_models`.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0008_harvest_refused"
down_revision = "0005_harvest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_refused",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=False),
        sa.Column("datestamp", sa.DateTime(), nullable=True),
        sa.Column("problem", JSON, nullable=False),
        sa.Column("first_refused_at", sa.DateTime(), nullable=False),
        sa.Column("last_tried_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_run", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_refused_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "identifier", name=op.f("pk_harvest_refused")),
    )


def downgrade() -> None:
    op.drop_table("harvest_refused")
