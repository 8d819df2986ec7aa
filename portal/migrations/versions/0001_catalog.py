"""catalog: bureaus, topics, guides, policies, synonyms

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bureaus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('supervisor', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bureaus')),
    sa.UniqueConstraint('code', name=op.f('uq_bureaus_code')),
    sa.UniqueConstraint('name', name=op.f('uq_bureaus_name'))
    )
    op.create_table('synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=50), nullable=False),
    sa.Column('means', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonyms')),
    sa.UniqueConstraint('term', name=op.f('uq_synonyms_term'))
    )
    op.create_table('guides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('applicants', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('case_type', sa.Enum('immediate', 'promised', name='case_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=True),
    sa.Column('promised_days', sa.Integer(), nullable=True),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('fee', sa.String(length=200), nullable=False),
    sa.Column('fee_basis', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('complaint_phone', sa.String(length=40), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('fully_online', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('faq', sa.JSON(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_guides_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guides')),
    sa.UniqueConstraint('slug', name=op.f('uq_guides_slug'))
    )
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guides_bureau_id'), ['bureau_id'], unique=False)

    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=100), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'consultation', 'in_force', 'expired', 'repealed', name='policy_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('beneficiaries', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('interpretation', sa.Text(), nullable=False),
    sa.Column('part_of_id', sa.Integer(), nullable=True),
    sa.Column('measure_no', sa.Integer(), nullable=True),
    sa.Column('modified_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_policies_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['part_of_id'], ['policies.id'], name=op.f('fk_policies_part_of_id_policies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('slug', name=op.f('uq_policies_slug'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_doc_number'), ['doc_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_part_of_id'), ['part_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policies_status'), ['status'], unique=False)

    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('key_indicator', sa.Boolean(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['bureaus.id'], name=op.f('fk_topics_lead_id_bureaus'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    sa.UniqueConstraint('code', name=op.f('uq_topics_code')),
    sa.UniqueConstraint('name', name=op.f('uq_topics_name'))
    )
    op.create_table('guide_topics',
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_guide_topics_guide_id_guides'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_guide_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guide_id', 'topic_id', name=op.f('pk_guide_topics'))
    )
    op.create_table('policy_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'consultation', 'in_force', 'expired', 'repealed', name='from_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('to_status', sa.Enum('draft', 'consultation', 'in_force', 'expired', 'repealed', name='to_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_policy_status_changes_policy_id_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_status_changes'))
    )
    with op.batch_alter_table('policy_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_status_changes_policy_id'), ['policy_id'], unique=False)

    op.create_table('policy_topics',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_policy_topics_policy_id_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_policy_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', 'topic_id', name=op.f('pk_policy_topics'))
    )
    op.create_table('topic_co_bureaus',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_topic_co_bureaus_bureau_id_bureaus'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_topic_co_bureaus_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'bureau_id', name=op.f('pk_topic_co_bureaus'))
    )


def downgrade() -> None:
    op.drop_table('topic_co_bureaus')
    op.drop_table('policy_topics')
    with op.batch_alter_table('policy_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_status_changes_policy_id'))

    op.drop_table('policy_status_changes')
    op.drop_table('guide_topics')
    op.drop_table('topics')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_status'))
        batch_op.drop_index(batch_op.f('ix_policies_part_of_id'))
        batch_op.drop_index(batch_op.f('ix_policies_doc_number'))
        batch_op.drop_index(batch_op.f('ix_policies_bureau_id'))

    op.drop_table('policies')
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guides_bureau_id'))

    op.drop_table('guides')
    op.drop_table('synonyms')
    op.drop_table('bureaus')
