"""audit batch rows

The rows a bulk write (a supplier feed batch on PostgreSQL) changed, named by one audit
event per batch that carries their digest.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('audit_batch_rows',
    sa.Column('id', BIG, autoincrement=True, nullable=False),
    sa.Column('batch_key', sa.String(length=64), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('offer_id', BIG, nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', JSON, nullable=True),
    sa.Column('after', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_batch_rows'))
    )
    op.create_index('ix_audit_batch_rows_offer', 'audit_batch_rows', ['offer_id'], unique=False)
    op.create_index(op.f('ix_audit_batch_rows_batch_key'), 'audit_batch_rows', ['batch_key'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_batch_rows_batch_key'), table_name='audit_batch_rows')
    op.drop_index('ix_audit_batch_rows_offer', table_name='audit_batch_rows')
    op.drop_table('audit_batch_rows')
