"""remote evaluation

The shared expert pool (experts, their conflicts), panel draws with their seed and pool,
panel members' scores; competitions get a ranking method and a best-value plan, quotes their
technical answers; role ``expert``; flag kind ``outlier_score``.

Revision ID: 0070
Revises: 0008
Create Date: 2026-12-02 07:45:08.396637
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0070'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
FLAGS_BEFORE = "'identical_totals', 'shared_contact', 'non_first_award'"
FLAGS_AFTER = FLAGS_BEFORE + ", 'outlier_score'"
ROLES_BEFORE = "'buyer', 'approver', 'auditor', 'finance', 'supplier_admin', 'center_admin'"
ROLES_AFTER = ROLES_BEFORE + ", 'expert'"


def upgrade() -> None:
    op.create_table('experts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('specialties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_experts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_experts'))
    )
    op.create_index(op.f('ix_experts_region'), 'experts', ['region'], unique=False)
    op.create_table('expert_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('affiliation', 'declared')", name=op.f('ck_expert_conflicts_kind')),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.user_id'], name=op.f('fk_expert_conflicts_expert_id_experts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_expert_conflicts_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_conflicts')),
    sa.UniqueConstraint('expert_id', 'organization_id', 'kind', name=op.f('uq_expert_conflicts_expert_id_organization_id_kind'))
    )
    op.create_index(op.f('ix_expert_conflicts_expert_id'), 'expert_conflicts', ['expert_id'], unique=False)
    op.create_table('panel_draws',
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('panel_size', sa.Integer(), nullable=False),
    sa.Column('pool', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('exclusions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_panel_draws_competition_id_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_panel_draws_drawn_by_id_users')),
    sa.PrimaryKeyConstraint('competition_id', name=op.f('pk_panel_draws'))
    )
    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('comments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], name=op.f('fk_panel_members_competition_id_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.user_id'], name=op.f('fk_panel_members_expert_id_experts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    sa.UniqueConstraint('competition_id', 'expert_id', name=op.f('uq_panel_members_competition_id_expert_id'))
    )
    op.create_index(op.f('ix_panel_members_competition_id'), 'panel_members', ['competition_id'], unique=False)
    op.create_index(op.f('ix_panel_members_expert_id'), 'panel_members', ['expert_id'], unique=False)
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=16),
                                      server_default='lowest_price', nullable=False))
        batch_op.add_column(sa.Column('evaluation_plan', JSON, nullable=True))
        batch_op.create_check_constraint(op.f('ck_competitions_method'),
                                         "method IN ('lowest_price', 'best_value')")
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technical', JSON, nullable=True))
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_flags_kind'), f"kind IN ({FLAGS_AFTER})")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'), f"role IN ({ROLES_AFTER})")


def downgrade() -> None:
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'),
                                         f"role IN ({ROLES_BEFORE})")
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_flags_kind'), f"kind IN ({FLAGS_BEFORE})")
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_column('technical')
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_competitions_method'), type_='check')
        batch_op.drop_column('evaluation_plan')
        batch_op.drop_column('method')
    op.drop_index(op.f('ix_panel_members_expert_id'), table_name='panel_members')
    op.drop_index(op.f('ix_panel_members_competition_id'), table_name='panel_members')
    op.drop_table('panel_members')
    op.drop_table('panel_draws')
    op.drop_index(op.f('ix_expert_conflicts_expert_id'), table_name='expert_conflicts')
    op.drop_table('expert_conflicts')
    op.drop_index(op.f('ix_experts_region'), table_name='experts')
    op.drop_table('experts')
