"""session version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000

users.session_version: bumped on logout, password change and suspension; a browser session
signed with an older value is refused. Existing rows start at 1 (their sessions, which carry
no version yet, sign in again once).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
