"""write path: index journal (transactional outbox), session epochs, login throttle

Revision ID: 0004_journal
Revises: 0002_diffusion
Create Date: 2026-12-03

* ``index_journal``: one row per change of a resource's public view, written in the
  transaction of the change; the index is brought up to date from it
  (``mawarid.index_sync``). Resources published before this revision are journalled
  once here, so that an index that missed one of them catches up by itself.
* ``users.session_epoch``: bumped to end every session of an account at once.
* ``login_throttle``: failed logins per user name, for the per-account back-off.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0004_journal'
down_revision = '0002_diffusion'
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('index_journal',
    sa.Column('seq', SEQ, autoincrement=True, nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_index_journal'))
    )
    op.create_index(op.f('ix_index_journal_resource_id'), 'index_journal', ['resource_id'], unique=False)
    op.create_table('login_throttle',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    # Whatever is published now is journalled once: the first drain checks it is indexed.
    op.execute(
        "INSERT INTO index_journal (resource_id, change, at) "
        "SELECT id, 'published', updated_at FROM resources WHERE status = 'published' ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_epoch')
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_index_journal_resource_id'), table_name='index_journal')
    op.drop_table('index_journal')
