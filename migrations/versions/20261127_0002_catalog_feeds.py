"""catalog: feed imports and their row errors; superseded price changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('encoding', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_ok', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('rows_superseded', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("format IN ('csv', 'ndjson')", name=op.f('ck_feed_imports_format')),
    sa.CheckConstraint("source IN ('api', 'feed', 'admin', 'seed')", name=op.f('ck_feed_imports_source')),
    sa.CheckConstraint("status IN ('processing', 'completed', 'failed')", name=op.f('ck_feed_imports_status')),
    sa.CheckConstraint('rows_total >= 0 AND rows_ok >= 0 AND rows_rejected >= 0 AND rows_superseded >= 0 AND rows_ok + rows_rejected + rows_superseded <= rows_total', name=op.f('ck_feed_imports_counts')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_feed_imports_actor_user_id_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_feed_imports_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_imports'))
    )
    with op.batch_alter_table('feed_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_imports_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('feed_import_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_import_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.CheckConstraint('row >= 1', name=op.f('ck_feed_import_errors_row_positive')),
    sa.ForeignKeyConstraint(['feed_import_id'], ['feed_imports.id'], name=op.f('fk_feed_import_errors_feed_import_id_feed_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_import_errors'))
    )
    with op.batch_alter_table('feed_import_errors', schema=None) as batch_op:
        batch_op.create_index('ix_feed_import_errors_import_row', ['feed_import_id', 'row'], unique=False)

    with op.batch_alter_table('price_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_price_changes_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_price_changes_status'), "status IN ('applied', 'pending_review', 'refused', 'superseded')")


def downgrade() -> None:
    with op.batch_alter_table('price_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_price_changes_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_price_changes_status'), "status IN ('applied', 'pending_review', 'refused')")
    with op.batch_alter_table('feed_import_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_import_errors_import_row')
    op.drop_table('feed_import_errors')
    with op.batch_alter_table('feed_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_imports_supplier_id'))
    op.drop_table('feed_imports')
