"""second stage

Competitions get their end states on record (closed early, cancelled with a reason, awarded
to which rank and why), requisitions keep their requirement text and whether they are
reserved for SMEs, a purchaser may shorten its minimum quoting period, and a new flag kind
marks awards that did not go to the lowest evaluated quote.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:29:01.583585
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awarded_rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('award_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sme_only', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_quoting_hours', sa.Integer(), nullable=True))
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirement_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sme_reserved', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_flags_kind'),
            "kind IN ('identical_totals', 'shared_contact', 'non_first_award')")


def downgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_flags_kind'), "kind IN ('identical_totals', 'shared_contact')")
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_column('sme_reserved')
        batch_op.drop_column('requirement_text')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('min_quoting_hours')
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('sme_only')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('award_reason')
        batch_op.drop_column('awarded_rank')
