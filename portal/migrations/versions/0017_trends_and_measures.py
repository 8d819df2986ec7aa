"""trends and measures: risk words and the tickets they flagged, the weekly digest sent per week; the
plan's measures' progress, milestones and linked tickets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# The words the supervising office starts with (editable on /supervision/risk-words).
DEFAULT_RISK_WORDS = ["群体", "上访", "欠薪", "讨薪", "安全事故", "跳楼", "堵路", "集体停工", "媒体曝光", "自杀"]

INSTALLED = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
STATUS = ('not_started', 'in_progress', 'done', 'behind')


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:  # the trends count tickets by when they were received
        batch.create_index(batch.f('ix_tickets_received_at'), ['received_at'], unique=False)
    risk_words = op.create_table('risk_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=20), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_words')),
    sa.UniqueConstraint('word', name=op.f('uq_risk_words_word'))
    )
    op.bulk_insert(risk_words, [{'word': w, 'added_at': INSTALLED, 'added_by': '初始设置'}
                                for w in DEFAULT_RISK_WORDS])
    op.create_table('ticket_risks',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('words', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_risks_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_risks'))
    )
    with op.batch_alter_table('ticket_risks') as batch:
        batch.create_index(batch.f('ix_ticket_risks_at'), ['at'], unique=False)
    op.create_table('trend_digests',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week', name=op.f('pk_trend_digests'))
    )
    op.create_table('measure_progress',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUS, name='measure_status', native_enum=False, create_constraint=True,
                                length=11), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.String(length=50), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_measure_progress_bureau_id_bureaus'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_measure_progress_policy_id_policies'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', name=op.f('pk_measure_progress'))
    )
    op.create_table('measure_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum(*STATUS, name='milestone_status', native_enum=False, create_constraint=True,
                                length=11), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=50), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_measure_milestones_bureau_id_bureaus'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_measure_milestones_policy_id_policies'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_milestones'))
    )
    with op.batch_alter_table('measure_milestones') as batch:
        batch.create_index(batch.f('ix_measure_milestones_policy_id'), ['policy_id'], unique=False)
    op.create_table('measure_tickets',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_measure_tickets_policy_id_policies'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_measure_tickets_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', 'ticket_id', name=op.f('pk_measure_tickets'))
    )


def downgrade() -> None:
    op.drop_table('measure_tickets')
    with op.batch_alter_table('measure_milestones') as batch:
        batch.drop_index(batch.f('ix_measure_milestones_policy_id'))
    op.drop_table('measure_milestones')
    op.drop_table('measure_progress')
    op.drop_table('trend_digests')
    with op.batch_alter_table('ticket_risks') as batch:
        batch.drop_index(batch.f('ix_ticket_risks_at'))
    op.drop_table('ticket_risks')
    op.drop_table('risk_words')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index(batch.f('ix_tickets_received_at'))
