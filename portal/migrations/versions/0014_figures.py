"""figures: each holding's verdicts and the counted steps, kept with the events that decide them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

After upgrading, `flask --app portal figures rebuild` fills both tables from the events.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('holding_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('ticket_open', sa.Boolean(), nullable=False),
    sa.Column('running_due', sa.Date(), nullable=True),
    sa.Column('signed_on_time', sa.Boolean(), nullable=True),
    sa.Column('sign_open_due', sa.Date(), nullable=True),
    sa.Column('answered_on_time', sa.Boolean(), nullable=True),
    sa.Column('reply_open_due', sa.Date(), nullable=True),
    sa.Column('answer_days', sa.Integer(), nullable=True),
    sa.Column('bad_rating', sa.Boolean(), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_holding_figures_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_holding_figures_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holding_figures')),
    sa.UniqueConstraint('ticket_id', 'seq', name='uq_holding_figures_ticket_id_seq')
    )
    with op.batch_alter_table('holding_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holding_figures_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index('ix_holding_figures_day_bureau_id', ['day', 'bureau_id'], unique=False)
        batch_op.create_index('ix_holding_figures_filed_at', ['filed_at', 'ticket_id', 'seq'], unique=False)

    op.create_table('figure_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_figure_facts_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_figure_facts_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_facts'))
    )
    with op.batch_alter_table('figure_facts', schema=None) as batch_op:
        batch_op.create_index('ix_figure_facts_day_bureau_id', ['day', 'bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_facts_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table('figure_facts')
    op.drop_table('holding_figures')
