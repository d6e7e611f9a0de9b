"""drop two indexes no query needs from the feed import's tables

``ix_offers_supplier_id`` is a prefix of the unique constraint ``uq_offers_supplier_id_sku``,
whose index serves every ``supplier_id = …`` lookup (and its foreign-key check) as well;
``ix_audit_batch_rows_offer`` is read by no query (a batch's rows are read by
``batch_key``). Each was one more index entry per offer a feed writes.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-04 02:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0025'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_offers_supplier_id', table_name='offers')
    op.drop_index('ix_audit_batch_rows_offer', table_name='audit_batch_rows')


def downgrade() -> None:
    op.create_index('ix_audit_batch_rows_offer', 'audit_batch_rows', ['offer_id'], unique=False)
    op.create_index('ix_offers_supplier_id', 'offers', ['supplier_id'], unique=False)
