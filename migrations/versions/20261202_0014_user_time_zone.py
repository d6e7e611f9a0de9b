"""user time zone

A user's own IANA time zone for the times pages show; empty means the zone of the
organization's region (mall.timezones).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('users', 'time_zone')
