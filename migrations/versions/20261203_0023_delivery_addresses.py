"""delivery addresses

A purchaser organization's delivery address book, and the address snapshot a requisition
and its purchase orders keep (a copy, never a reference).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 10:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
ONE_DEFAULT = 'is_default AND archived_at IS NULL'


def upgrade() -> None:
    op.create_table(
        'delivery_addresses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('recipient_name', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('line1', sa.String(length=200), nullable=False),
        sa.Column('line2', sa.String(length=200), nullable=True),
        sa.Column('city', sa.String(length=100), nullable=False),
        sa.Column('postal_code', sa.String(length=20), nullable=True),
        sa.Column('region', sa.String(length=16), nullable=False),
        sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_delivery_addresses_organization_id_organizations'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_addresses')),
    )
    op.create_index('ix_delivery_addresses_org', 'delivery_addresses',
                    ['organization_id', 'archived_at'], unique=False)
    op.create_index('uq_delivery_addresses_one_default', 'delivery_addresses',
                    ['organization_id'], unique=True,
                    postgresql_where=sa.text(ONE_DEFAULT), sqlite_where=sa.text(ONE_DEFAULT))
    with op.batch_alter_table('requisitions') as batch:
        batch.add_column(sa.Column('delivery_address', JSON, nullable=True))
    with op.batch_alter_table('purchase_orders') as batch:
        batch.add_column(sa.Column('delivery_address', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('purchase_orders') as batch:
        batch.drop_column('delivery_address')
    with op.batch_alter_table('requisitions') as batch:
        batch.drop_column('delivery_address')
    op.drop_index('uq_delivery_addresses_one_default', table_name='delivery_addresses',
                  postgresql_where=sa.text(ONE_DEFAULT), sqlite_where=sa.text(ONE_DEFAULT))
    op.drop_index('ix_delivery_addresses_org', table_name='delivery_addresses')
    op.drop_table('delivery_addresses')
