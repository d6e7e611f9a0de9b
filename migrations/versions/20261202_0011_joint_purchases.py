"""joint purchases

Joint procurement (联合采购): campaigns and the purchasers' commitments; a competition may
now be for a joint purchase instead of a requisition (``competitions.subject``), exactly one
of the two; a participant's requisition names its joint purchase (for reports).

Revision ID: 0011
Revises: 0015 (re-chained at merge: 0012 → 0014 → 0015 → 0011)
Create Date: 2026-12-02 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
MONEY = sa.Numeric(precision=14, scale=2, asdecimal=True)


def upgrade() -> None:
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=16),
                                      server_default='requisition', nullable=False))
        batch_op.alter_column('requisition_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_competitions_one_subject'),
            "(subject = 'requisition') = (requisition_id IS NOT NULL)")
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_purchase_id', sa.Integer(), nullable=True))
    op.create_table('joint_purchases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lead_organization_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deliver_by', sa.Date(), nullable=False),
    sa.Column('requirement_text', sa.Text(), nullable=True),
    sa.Column('regions', JSON, nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=True),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('total_quantity', sa.Integer(), nullable=True),
    sa.Column('reference_price', MONEY, nullable=True),
    sa.Column('listed_prices', JSON, nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('awarded_unit_price', MONEY, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(product_id IS NULL) <> (standard_id IS NULL)', name=op.f('ck_joint_purchases_one_subject')),
    sa.CheckConstraint('min_quantity IS NULL OR min_quantity > 0', name=op.f('ck_joint_purchases_min_quantity')),
    sa.CheckConstraint("status IN ('open', 'competing', 'awarded', 'failed', 'cancelled')", name=op.f('ck_joint_purchases_status')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_joint_purchases_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_joint_purchases_category_id_categories')),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_joint_purchases_competition_id_competitions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_joint_purchases_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_organization_id'], ['organizations.id'], name=op.f('fk_joint_purchases_lead_organization_id_organizations')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_joint_purchases_lot_id_lots')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_joint_purchases_product_id_products')),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_joint_purchases_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_purchases')),
    sa.UniqueConstraint('competition_id', name=op.f('uq_joint_purchases_competition_id'))
    )
    with op.batch_alter_table('joint_purchases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_purchases_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_purchases_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index('ix_joint_purchases_status_closes_at', ['status', 'closes_at'], unique=False)
    op.create_table('joint_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('joint_purchase_id', sa.Integer(), nullable=False),
    sa.Column('purchaser_organization_id', sa.Integer(), nullable=False),
    sa.Column('committed_by_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('delivery_region', sa.String(length=16), nullable=False),
    sa.Column('preview', JSON, nullable=False),
    sa.Column('requisition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('savings', MONEY, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_joint_commitments_quantity_positive')),
    sa.ForeignKeyConstraint(['committed_by_id'], ['users.id'], name=op.f('fk_joint_commitments_committed_by_id_users')),
    sa.ForeignKeyConstraint(['joint_purchase_id'], ['joint_purchases.id'], name=op.f('fk_joint_commitments_joint_purchase_id_joint_purchases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['purchaser_organization_id'], ['organizations.id'], name=op.f('fk_joint_commitments_purchaser_organization_id_organizations')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_joint_commitments_requisition_id_requisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_commitments')),
    sa.UniqueConstraint('joint_purchase_id', 'purchaser_organization_id', name=op.f('uq_joint_commitments_joint_purchase_id_purchaser_organization_id'))
    )
    with op.batch_alter_table('joint_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_commitments_purchaser_organization_id'), ['purchaser_organization_id'], unique=False)


def downgrade() -> None:
    op.drop_table('joint_commitments')
    op.drop_table('joint_purchases')
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_column('joint_purchase_id')
    op.execute("DELETE FROM competitions WHERE requisition_id IS NULL")
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_competitions_one_subject'), type_='check')
        batch_op.alter_column('requisition_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('subject')
