"""intake: how each imported resource came in, and its review

Revision ID: 0003_intake
Revises: 0002_diffusion
Create Date: 2026-12-03

The table of :mod:`catalogue.intake.models`: per imported resource, its source
file and record family, the readers' notes (mappings, kept values, warnings) and
the state of its review.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0003_intake"
down_revision = "0002_diffusion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_reviews",
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", JSON, nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("partner_identifier", sa.String(length=1000), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["resources.id"], name=op.f("fk_intake_reviews_resource_id_resources")
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_intake_reviews")),
    )
    op.create_index(op.f("ix_intake_reviews_status"), "intake_reviews", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_reviews_status"), table_name="intake_reviews")
    op.drop_table("intake_reviews")
