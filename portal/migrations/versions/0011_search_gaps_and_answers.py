"""search gaps, 热搜 counts and the knowledge base (answers, their links and sources)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_counts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.String(length=50), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_counts')),
    sa.UniqueConstraint('text', 'day', name=op.f('uq_search_counts_text'))
    )
    with op.batch_alter_table('search_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_counts_day'), ['day'], unique=False)

    op.create_table('search_gaps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.String(length=50), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_gaps')),
    sa.UniqueConstraint('text', name=op.f('uq_search_gaps_text'))
    )
    with op.batch_alter_table('search_gaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_gaps_last_at'), ['last_at'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'retired', name='answer_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('helpful', sa.Integer(), server_default='0', nullable=False),
    sa.Column('not_helpful', sa.Integer(), server_default='0', nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_answers_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('slug', name=op.f('uq_answers_slug'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_status'), ['status'], unique=False)

    op.create_table('answer_guides',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_guides_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_answer_guides_guide_id_guides'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'guide_id', name=op.f('pk_answer_guides'))
    )
    op.create_table('answer_policies',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_policies_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_answer_policies_policy_id_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'policy_id', name=op.f('pk_answer_policies'))
    )
    op.create_table('answer_topics',
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], name=op.f('fk_answer_topics_answer_id_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_answer_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('answer_id', 'topic_id', name=op.f('pk_answer_topics'))
    )
    op.create_table('answer_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_answer_sources_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_sources')),
    sa.UniqueConstraint('slug', name=op.f('uq_answer_sources_slug'))
    )
    with op.batch_alter_table('answer_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_sources_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answer_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_sources_ticket_id'))

    op.drop_table('answer_sources')
    op.drop_table('answer_topics')
    op.drop_table('answer_policies')
    op.drop_table('answer_guides')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_status'))
        batch_op.drop_index(batch_op.f('ix_answers_bureau_id'))

    op.drop_table('answers')
    with op.batch_alter_table('search_gaps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_gaps_last_at'))

    op.drop_table('search_gaps')
    with op.batch_alter_table('search_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_counts_day'))

    op.drop_table('search_counts')
