"""ticket terms: the words of the tickets that may be likely repeats, an inverted index (term, ticket)

After upgrading, `flask --app portal tickets rebuild-terms` fills it from the existing tickets (new
filings and state changes keep it up to date from then on).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_terms',
    sa.Column('term', sa.String(length=50), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_terms_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'ticket_id', name=op.f('pk_ticket_terms'))
    )
    with op.batch_alter_table('ticket_terms') as batch:
        batch.create_index(batch.f('ix_ticket_terms_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_terms') as batch:
        batch.drop_index(batch.f('ix_ticket_terms_ticket_id'))
    op.drop_table('ticket_terms')
