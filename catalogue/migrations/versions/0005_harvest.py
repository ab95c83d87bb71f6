"""harvest: partner sources, their runs and the records followed

Revision ID: 0005_harvest
Revises: 0002_diffusion
Create Date: 2026-11-24

Tables of :mod:`catalogue.store.harvest_models`.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0005_harvest"
down_revision = "0002_diffusion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("metadata_prefix", sa.String(length=64), nullable=False),
        sa.Column("sets", JSON, nullable=False),
        sa.Column("acquisition_mode", sa.String(length=64), nullable=False),
        sa.Column("agreement", sa.String(length=200), nullable=False),
        sa.Column("counterpart", sa.String(length=500), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("full_every_days", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("granularity", sa.String(length=32), nullable=True),
        sa.Column("deleted_record", sa.String(length=16), nullable=True),
        sa.Column("next_from", sa.DateTime(), nullable=True),
        sa.Column("last_datestamp", sa.DateTime(), nullable=True),
        sa.Column("last_full_at", sa.DateTime(), nullable=True),
        sa.Column("resume", JSON, nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_harvest_sources_name")),
    )
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("since", sa.String(length=32), nullable=True),
        sa.Column("resumed", sa.Boolean(), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_runs_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_runs")),
    )
    op.create_index(
        "ix_harvest_runs_source_started", "harvest_runs", ["source_id", "started_at"], unique=False
    )
    op.create_table(
        "harvest_records",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("datestamp", sa.DateTime(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("seen_pass", sa.Integer(), nullable=False),
        sa.Column("pending", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_records_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "identifier", name=op.f("pk_harvest_records")),
    )
    op.create_index(
        op.f("ix_harvest_records_resource_id"), "harvest_records", ["resource_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_harvest_records_resource_id"), table_name="harvest_records")
    op.drop_table("harvest_records")
    op.drop_index("ix_harvest_runs_source_started", table_name="harvest_runs")
    op.drop_table("harvest_runs")
    op.drop_table("harvest_sources")
