"""drop three indexes no query needs from the feed import's tables

``ix_offers_supplier_id`` is a prefix of the unique constraint ``uq_offers_supplier_id_sku``
and ``ix_products_category_id`` one of ``uq_products_category_id_model_key``; the unique
indexes serve every ``supplier_id = …`` / ``category_id = …`` lookup as well.
``ix_audit_batch_rows_offer`` is read by no query (a batch's rows are read by ``batch_key``).
Each was one more index entry per row a feed writes, and while a fresh catalog's statistics
were stale the planner took ``ix_products_category_id`` for the feed's product lookup
(category_id = … AND model_key = …) and read every product of the category per key.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 02:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_offers_supplier_id', table_name='offers')
    op.drop_index('ix_audit_batch_rows_offer', table_name='audit_batch_rows')
    op.drop_index('ix_products_category_id', table_name='products')


def downgrade() -> None:
    op.create_index('ix_products_category_id', 'products', ['category_id'], unique=False)
    op.create_index('ix_audit_batch_rows_offer', 'audit_batch_rows', ['offer_id'], unique=False)
    op.create_index('ix_offers_supplier_id', 'offers', ['supplier_id'], unique=False)
