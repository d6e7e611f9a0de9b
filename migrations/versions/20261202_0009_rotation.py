"""rotation

Order rotation (顺序轮候): one turn counter per (agreement, product) whose row lock serialises
the turns, each awarded supplier's position in that queue, and which requisition lines the
system assigned by rotation rather than the purchaser chose.

Revision ID: 0009
Revises: 0070
Create Date: 2026-12-02 07:32:50.489308
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0070'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rotation_turns',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_rotation_turns_seq_non_negative')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_rotation_turns_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_rotation_turns_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'product_id', name=op.f('pk_rotation_turns'))
    )
    op.create_table('rotation_positions',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('last_served_seq', sa.BigInteger(), nullable=False),
    sa.Column('served_count', sa.Integer(), nullable=False),
    sa.Column('last_served_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_requisition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('served_count >= 0', name=op.f('ck_rotation_positions_served_count_non_negative')),
    sa.ForeignKeyConstraint(['agreement_id', 'product_id'], ['rotation_turns.agreement_id', 'rotation_turns.product_id'], name=op.f('fk_rotation_positions_agreement_id_rotation_turns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_requisition_id'], ['requisitions.id'], name=op.f('fk_rotation_positions_last_requisition_id_requisitions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['organizations.id'], name=op.f('fk_rotation_positions_supplier_id_organizations')),
    sa.PrimaryKeyConstraint('agreement_id', 'product_id', 'supplier_id', name=op.f('pk_rotation_positions'))
    )
    # Existing lines were all chosen by the purchaser.
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment', sa.String(length=16),
                                      server_default='chosen', nullable=False))
        batch_op.create_check_constraint(op.f('ck_requisition_lines_assignment'),
                                         "assignment IN ('chosen', 'rotation')")


def downgrade() -> None:
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_requisition_lines_assignment'), type_='check')
        batch_op.drop_column('assignment')
    op.drop_table('rotation_positions')
    op.drop_table('rotation_turns')
