"""offer images

Images stored once per content hash with their thumbnails; an offer's image, its feed URL
and the last fetch failure.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-02 19:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('images',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('original', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_images'))
    )
    op.create_table('image_thumbnails',
    sa.Column('image_hash', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['image_hash'], ['images.hash'], name=op.f('fk_image_thumbnails_image_hash_images'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('image_hash', 'size', name=op.f('pk_image_thumbnails'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('image_url', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('image_error', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_offers_image_hash'), ['image_hash'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_offers_image_hash_images'), 'images', ['image_hash'], ['hash'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offers_image_hash_images'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_offers_image_hash'))
        batch_op.drop_column('image_error')
        batch_op.drop_column('image_url')
        batch_op.drop_column('image_hash')
    op.drop_table('image_thumbnails')
    op.drop_table('images')
