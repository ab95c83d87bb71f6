"""diffusion: usage events, daily rollup, campaigns

Revision ID: 0002_diffusion
Revises: 0001_catalogue
Create Date: 2026-11-23

Tables of :mod:`diffusion.models`: the usage log (hashed visitors only), its
daily and monthly COUNTER roll-ups, the classification copy used by the dashboards, and the
campaign tables (selection, targets, shipments, installation reports).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = '0002_diffusion'
down_revision = '0001_catalogue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('diffusion_campaigns',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', JSON, nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('selection', JSON, nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diffusion_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_diffusion_campaigns_code'))
    )
    op.create_table('usage_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('accesses', sa.Integer(), nullable=False),
    sa.Column('api_reads', sa.Integer(), nullable=False),
    sa.Column('harvests', sa.Integer(), nullable=False),
    sa.Column('total_investigations', sa.Integer(), nullable=False),
    sa.Column('unique_investigations', sa.Integer(), nullable=False),
    sa.Column('total_requests', sa.Integer(), nullable=False),
    sa.Column('unique_requests', sa.Integer(), nullable=False),
    sa.Column('robots', sa.Integer(), nullable=False),
    sa.Column('double_clicks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'resource_id', name=op.f('pk_usage_daily'))
    )
    with op.batch_alter_table('usage_daily', schema=None) as batch_op:
        batch_op.create_index('ix_usage_daily_resource', ['resource_id', 'day'], unique=False)

    op.create_table('usage_monthly',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('accesses', sa.Integer(), nullable=False),
    sa.Column('api_reads', sa.Integer(), nullable=False),
    sa.Column('harvests', sa.Integer(), nullable=False),
    sa.Column('total_investigations', sa.Integer(), nullable=False),
    sa.Column('unique_investigations', sa.Integer(), nullable=False),
    sa.Column('total_requests', sa.Integer(), nullable=False),
    sa.Column('unique_requests', sa.Integer(), nullable=False),
    sa.Column('robots', sa.Integer(), nullable=False),
    sa.Column('double_clicks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'resource_id', name=op.f('pk_usage_monthly'))
    )
    with op.batch_alter_table('usage_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_usage_monthly_resource', ['resource_id', 'month'], unique=False)

    op.create_table('usage_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('visitor', sa.String(length=32), nullable=False),
    sa.Column('agent', sa.String(length=8), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('double_click', sa.Boolean(), nullable=False),
    sa.Column('first_investigation', sa.Boolean(), nullable=False),
    sa.Column('first_request', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_events'))
    )
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.create_index('ix_usage_events_day_resource', ['day', 'resource_id'], unique=False)
        batch_op.create_index('ix_usage_events_visitor', ['visitor', 'occurred_at'], unique=False)

    op.create_table('usage_resource_terms',
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('term', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('resource_id', 'dimension', 'term', name=op.f('pk_usage_resource_terms'))
    )
    with op.batch_alter_table('usage_resource_terms', schema=None) as batch_op:
        batch_op.create_index('ix_usage_resource_terms_term', ['dimension', 'term'], unique=False)

    op.create_table('diffusion_campaign_resources',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['diffusion_campaigns.id'], name=op.f('fk_diffusion_campaign_resources_campaign_id_diffusion_campaigns')),
    sa.PrimaryKeyConstraint('campaign_id', 'resource_id', name=op.f('pk_diffusion_campaign_resources'))
    )
    op.create_table('diffusion_campaign_targets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('establishment_code', sa.String(length=64), nullable=False),
    sa.Column('establishment_name', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['diffusion_campaigns.id'], name=op.f('fk_diffusion_campaign_targets_campaign_id_diffusion_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diffusion_campaign_targets')),
    sa.UniqueConstraint('campaign_id', 'region', 'establishment_code', name='uq_diffusion_campaign_targets_key')
    )
    with op.batch_alter_table('diffusion_campaign_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diffusion_campaign_targets_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('diffusion_report_imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['diffusion_campaigns.id'], name=op.f('fk_diffusion_report_imports_campaign_id_diffusion_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diffusion_report_imports')),
    sa.UniqueConstraint('campaign_id', 'sha256', name='uq_diffusion_report_imports_file')
    )
    with op.batch_alter_table('diffusion_report_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diffusion_report_imports_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('diffusion_shipments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('establishment_code', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('planned_by', sa.String(length=100), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('delivered_by', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['diffusion_campaigns.id'], name=op.f('fk_diffusion_shipments_campaign_id_diffusion_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diffusion_shipments'))
    )
    with op.batch_alter_table('diffusion_shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diffusion_shipments_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('diffusion_installations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('establishment_code', sa.String(length=64), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('installer', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['diffusion_campaigns.id'], name=op.f('fk_diffusion_installations_campaign_id_diffusion_campaigns')),
    sa.ForeignKeyConstraint(['import_id'], ['diffusion_report_imports.id'], name=op.f('fk_diffusion_installations_import_id_diffusion_report_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diffusion_installations'))
    )
    with op.batch_alter_table('diffusion_installations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diffusion_installations_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_diffusion_installations_region', ['campaign_id', 'region'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('diffusion_installations', schema=None) as batch_op:
        batch_op.drop_index('ix_diffusion_installations_region')
        batch_op.drop_index(batch_op.f('ix_diffusion_installations_import_id'))

    op.drop_table('diffusion_installations')
    with op.batch_alter_table('diffusion_shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diffusion_shipments_campaign_id'))

    op.drop_table('diffusion_shipments')
    with op.batch_alter_table('diffusion_report_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diffusion_report_imports_campaign_id'))

    op.drop_table('diffusion_report_imports')
    with op.batch_alter_table('diffusion_campaign_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diffusion_campaign_targets_campaign_id'))

    op.drop_table('diffusion_campaign_targets')
    op.drop_table('diffusion_campaign_resources')
    with op.batch_alter_table('usage_resource_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_resource_terms_term')

    op.drop_table('usage_resource_terms')
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_events_visitor')
        batch_op.drop_index('ix_usage_events_day_resource')

    op.drop_table('usage_events')
    with op.batch_alter_table('usage_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_monthly_resource')

    op.drop_table('usage_monthly')
    with op.batch_alter_table('usage_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_daily_resource')

    op.drop_table('usage_daily')
    op.drop_table('diffusion_campaigns')
