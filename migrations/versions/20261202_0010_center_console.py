"""center console

Awards can be suspended per agreement (status, reason, when); organizations keep why and
since when they are suspended or debarred, until when, and purchasers' delivery addresses;
flags get a resolution (status, resolution, reason, who, when), the purchaser they are about,
and the kind ``accountability``.

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-02 13:21:03.970398
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
FLAGS_BEFORE = "'identical_totals', 'shared_contact', 'non_first_award', 'outlier_score'"
FLAGS_AFTER = FLAGS_BEFORE + ", 'accountability'"


def upgrade() -> None:
    with op.batch_alter_table('agreement_suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='active',
                                      nullable=False))
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(op.f('ck_agreement_suppliers_status'),
                                         "status IN ('active', 'suspended')")
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchaser_organization_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='open',
                                      nullable=False))
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_flags_purchaser_organization_id'),
                              ['purchaser_organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_flags_purchaser_organization_id_organizations'),
                                    'organizations', ['purchaser_organization_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_flags_resolved_by_id_users'), 'users',
                                    ['resolved_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_flags_kind'), f"kind IN ({FLAGS_AFTER})")
        batch_op.create_check_constraint(op.f('ck_flags_status'),
                                         "status IN ('open', 'dismissed', 'acted')")
        batch_op.create_check_constraint(
            op.f('ck_flags_resolution'),
            "resolution IS NULL OR resolution IN ('dismiss', 'suspend', 'debar', 'refer')")
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('delivery_addresses', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('delivery_addresses')
        batch_op.drop_column('status_until')
        batch_op.drop_column('status_since')
        batch_op.drop_column('status_reason')
    op.execute("DELETE FROM flags WHERE kind = 'accountability'")
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_resolution'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_flags_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_flags_kind'), f"kind IN ({FLAGS_BEFORE})")
        batch_op.drop_constraint(batch_op.f('fk_flags_resolved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_flags_purchaser_organization_id_organizations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_flags_purchaser_organization_id'))
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('reason')
        batch_op.drop_column('resolution')
        batch_op.drop_column('status')
        batch_op.drop_column('purchaser_organization_id')
    with op.batch_alter_table('agreement_suppliers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agreement_suppliers_status'), type_='check')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
