"""hardening: one-click unsubscribe header on mail

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


def downgrade() -> None:
    with op.batch_alter_table('mail_outbox') as batch:
        batch.drop_column('list_unsubscribe')
