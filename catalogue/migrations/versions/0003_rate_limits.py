"""rate limits: counters shared by every worker process

Revision ID: 0003_rate_limits
Revises: 0002_diffusion
Create Date: 2026-12-03

The fixed windows of flask-limiter (staff login attempts…), kept in the database by default
so that several worker processes and several servers count together
(:class:`catalogue.store.models.RateLimitCounter`, ``portal.rate_limits``).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0003_rate_limits'
down_revision = '0002_diffusion'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )
    op.create_index(op.f('ix_rate_limit_counters_expires_at'), 'rate_limit_counters', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limit_counters_expires_at'), table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
