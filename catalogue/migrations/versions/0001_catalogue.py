"""catalogue: resources, provenance, accounts, OAI items

Revision ID: 0001_catalogue
Revises: 
Create Date: 2026-11-23

The first schema of the catalogue. ``resource_events`` is made append-only by
triggers (see :mod:`catalogue.store.triggers`). Later revisions of other packages
(``0002_diffusion``) have ``down_revision = "0001_catalogue"``.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from catalogue.store import triggers

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = '0001_catalogue'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acquisitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mode', sa.String(length=64), nullable=False),
    sa.Column('procedure', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('counterpart', sa.String(length=500), nullable=True),
    sa.Column('started_on', sa.String(length=10), nullable=True),
    sa.Column('completed_on', sa.String(length=10), nullable=True),
    sa.Column('current_step', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acquisitions')),
    sa.UniqueConstraint('mode', 'reference', name='uq_acquisitions_mode_reference')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('roles', JSON, nullable=False),
    sa.Column('commissions', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('procedure_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('acquisition_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('date', sa.String(length=10), nullable=True),
    sa.Column('actors', JSON, nullable=False),
    sa.Column('commission', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acquisition_id'], ['acquisitions.id'], name=op.f('fk_procedure_steps_acquisition_id_acquisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_steps')),
    sa.UniqueConstraint('acquisition_id', 'step', name='uq_procedure_steps_acq_step')
    )
    op.create_index(op.f('ix_procedure_steps_acquisition_id'), 'procedure_steps', ['acquisition_id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('record', JSON, nullable=False),
    sa.Column('title', sa.String(length=1000), nullable=False),
    sa.Column('title_key', sa.Text(), nullable=False),
    sa.Column('acquisition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('datestamp', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acquisition_id'], ['acquisitions.id'], name=op.f('fk_resources_acquisition_id_acquisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    op.create_index(op.f('ix_resources_acquisition_id'), 'resources', ['acquisition_id'], unique=False)
    op.create_index(op.f('ix_resources_status'), 'resources', ['status'], unique=False)
    op.create_index(op.f('ix_resources_updated_at'), 'resources', ['updated_at'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('acquisition_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['acquisition_id'], ['acquisitions.id'], name=op.f('fk_documents_acquisition_id_acquisitions')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_documents_resource_id_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    op.create_index(op.f('ix_documents_acquisition_id'), 'documents', ['acquisition_id'], unique=False)
    op.create_index(op.f('ix_documents_sha256'), 'documents', ['sha256'], unique=False)

    op.create_table('oai_item',
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('identifier', sa.String(length=300), nullable=False),
    sa.Column('datestamp', sa.DateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('oai_dc', sa.Text(), nullable=True),
    sa.Column('oai_lom', sa.Text(), nullable=True),
    sa.Column('scolomfr', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_oai_item_resource_id_resources')),
    sa.PrimaryKeyConstraint('resource_id', name=op.f('pk_oai_item')),
    sa.UniqueConstraint('identifier', name=op.f('uq_oai_item_identifier'))
    )
    op.create_index('ix_oai_item_datestamp_identifier', 'oai_item', ['datestamp', 'identifier'], unique=False)

    op.create_table('oai_item_set',
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('set_spec', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['oai_item.resource_id'], name=op.f('fk_oai_item_set_resource_id_oai_item')),
    sa.PrimaryKeyConstraint('resource_id', 'set_spec', name=op.f('pk_oai_item_set'))
    )
    op.create_index(op.f('ix_oai_item_set_set_spec'), 'oai_item_set', ['set_spec'], unique=False)

    op.create_table('resource_events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('commission', sa.String(length=64), nullable=True),
    sa.Column('decision', sa.String(length=32), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_resource_events_document_id_documents')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_events_resource_id_resources')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_resource_events'))
    )
    op.create_index(op.f('ix_resource_events_resource_id'), 'resource_events', ['resource_id'], unique=False)

    bind = op.get_bind()
    for statement in triggers.statements(bind.dialect.name):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in triggers.statements(bind.dialect.name, drop=True):
        op.execute(statement)
    op.drop_index(op.f('ix_resource_events_resource_id'), table_name='resource_events')

    op.drop_table('resource_events')
    op.drop_index(op.f('ix_oai_item_set_set_spec'), table_name='oai_item_set')

    op.drop_table('oai_item_set')
    op.drop_index('ix_oai_item_datestamp_identifier', table_name='oai_item')

    op.drop_table('oai_item')
    op.drop_index(op.f('ix_documents_sha256'), table_name='documents')
    op.drop_index(op.f('ix_documents_acquisition_id'), table_name='documents')

    op.drop_table('documents')
    op.drop_index(op.f('ix_resources_updated_at'), table_name='resources')
    op.drop_index(op.f('ix_resources_status'), table_name='resources')
    op.drop_index(op.f('ix_resources_acquisition_id'), table_name='resources')

    op.drop_table('resources')
    op.drop_index(op.f('ix_procedure_steps_acquisition_id'), table_name='procedure_steps')

    op.drop_table('procedure_steps')
    op.drop_table('users')
    op.drop_table('acquisitions')
