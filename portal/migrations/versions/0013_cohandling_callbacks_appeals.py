"""co-handling tasks (协办), the supervising office's callbacks (回访), appeals of bad ratings (差评申诉)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('resolved', sa.Enum('resolved', 'partly', 'unresolved', name='callback_resolution', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('satisfaction', sa.Enum('very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied', name='callback_satisfaction', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_callbacks_bureau_id_bureaus'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_callbacks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callbacks_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('cohandling_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asked_by', sa.String(length=80), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('answered_by', sa.String(length=80), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_cohandling_tasks_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_cohandling_tasks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohandling_tasks'))
    )
    with op.batch_alter_table('cohandling_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohandling_tasks_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohandling_tasks_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohandling_tasks_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('rating_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('decision', sa.Enum('pending', 'upheld', 'dismissed', name='appeal_decision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_rating_appeals_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rating_id'], ['ticket_ratings.id'], name=op.f('fk_rating_appeals_rating_id_ticket_ratings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_rating_appeals_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_appeals')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_appeals_rating_id'))
    )
    with op.batch_alter_table('rating_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_appeals_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_appeals_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rating_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_appeals_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_rating_appeals_bureau_id'))

    op.drop_table('rating_appeals')
    with op.batch_alter_table('cohandling_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohandling_tasks_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_cohandling_tasks_bureau_id'))
        batch_op.drop_index(batch_op.f('ix_cohandling_tasks_asked_at'))

    op.drop_table('cohandling_tasks')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_bureau_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_at'))

    op.drop_table('callbacks')
