"""notification mail

Each notification is also e-mailed by the worker: when it is due, when it was sent, how many
attempts and the last SMTP error; a partial index for the worker's claim.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 19:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('mail_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('mail_attempts', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('mail_error', sa.Text(), nullable=True))
    # Rows made before this migration are not mailed (their news is old).
    op.create_index('ix_notifications_mail_due', 'notifications', ['mail_due_at', 'id'],
                    unique=False, postgresql_where=sa.text('mail_due_at IS NOT NULL'),
                    sqlite_where=sa.text('mail_due_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_notifications_mail_due', table_name='notifications',
                  postgresql_where=sa.text('mail_due_at IS NOT NULL'),
                  sqlite_where=sa.text('mail_due_at IS NOT NULL'))
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('mail_error')
        batch.drop_column('mail_attempts')
        batch.drop_column('mailed_at')
        batch.drop_column('mail_due_at')
