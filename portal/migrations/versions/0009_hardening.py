"""hardening: one-click unsubscribe header on mail; a bureau's consent to a part of its document

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail_outbox') as batch:
        batch.add_column(sa.Column('list_unsubscribe', sa.String(length=500), nullable=True))
    with op.batch_alter_table('content_revisions') as batch:
        batch.add_column(sa.Column('part_approved_by', sa.String(length=50), server_default='', nullable=False))
        batch.add_column(sa.Column('part_approved_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('content_revisions') as batch:
        batch.drop_column('part_approved_at')
        batch.drop_column('part_approved_by')
    with op.batch_alter_table('mail_outbox') as batch:
        batch.drop_column('list_unsubscribe')
