"""order delivery region

Where a purchase order is delivered: a requisition's own delivery region (a joint purchase
participant's choice), copied to its orders, else the purchaser's region at placement.

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-02 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_region', sa.String(length=16), nullable=True))
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_region', sa.String(length=16), nullable=True))
    # Earlier joint shares went to the committed region; every other order to the purchaser.
    op.execute("UPDATE requisitions SET delivery_region = (SELECT c.delivery_region FROM "
               "joint_commitments c WHERE c.requisition_id = requisitions.id) "
               "WHERE joint_purchase_id IS NOT NULL")
    op.execute("UPDATE purchase_orders SET delivery_region = COALESCE("
               "(SELECT r.delivery_region FROM requisitions r "
               "WHERE r.id = purchase_orders.requisition_id), "
               "(SELECT o.region FROM organizations o "
               "WHERE o.id = purchase_orders.purchaser_organization_id))")


def downgrade() -> None:
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_column('delivery_region')
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_column('delivery_region')
