"""trends: each ticket's words, kept as it is filed (tickets filed before this revision are segmented
when first counted, or all at once by `flask --app portal figures rebuild`); the measures' figures:
tickets counted by topic and outcome from an index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_words',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_words_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_words'))
    )
    with op.batch_alter_table('tickets') as batch:
        batch.create_index('ix_tickets_topic_outcome', ['topic_id', 'state', 'type', 'confidential'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index('ix_tickets_topic_outcome')
    op.drop_table('ticket_words')
