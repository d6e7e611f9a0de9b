"""peppol and punchout

PEPPOL BIS Catalogue 3 feeds are recorded with format ``peppol``; purchaser organizations get
a cXML punch-out identity with a hashed shared secret, and punch-out sessions their one-time
start tokens.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feed_imports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_feed_imports_format'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feed_imports_format'),
                                         "format IN ('csv', 'ndjson', 'peppol')")
    op.create_table('punchout_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('identity', sa.String(length=128), nullable=False),
    sa.Column('secret_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_punchout_identities_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punchout_identities')),
    sa.UniqueConstraint('identity', name=op.f('uq_punchout_identities_identity')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_punchout_identities_organization_id'))
    )
    op.create_table('punchout_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('buyer_cookie', sa.Text(), nullable=False),
    sa.Column('browser_form_post_url', sa.Text(), nullable=False),
    sa.Column('request_payload_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['punchout_identities.id'], name=op.f('fk_punchout_sessions_identity_id_punchout_identities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_punchout_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_punchout_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_punchout_sessions_token_hash'))
    )
    op.create_index(op.f('ix_punchout_sessions_identity_id'), 'punchout_sessions', ['identity_id'], unique=False)
    op.create_index(op.f('ix_punchout_sessions_user_id'), 'punchout_sessions', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_punchout_sessions_user_id'), table_name='punchout_sessions')
    op.drop_index(op.f('ix_punchout_sessions_identity_id'), table_name='punchout_sessions')
    op.drop_table('punchout_sessions')
    op.drop_table('punchout_identities')
    op.execute("DELETE FROM feed_imports WHERE format = 'peppol'")
    with op.batch_alter_table('feed_imports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_feed_imports_format'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feed_imports_format'),
                                         "format IN ('csv', 'ndjson')")
