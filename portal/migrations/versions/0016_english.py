"""English: optional English fields of guides and policies, the language a ticket was filed in

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

GUIDE_TEXTS = ('summary_en', 'body_en', 'applicants_en', 'conditions_en')
POLICY_TEXTS = ('summary_en', 'body_en', 'interpretation_en')


def upgrade() -> None:
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=300), server_default='', nullable=False))
        for name in GUIDE_TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('steps_en', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=500), server_default='', nullable=False))
        for name in POLICY_TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=2), server_default='zh', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('lang')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        for name in ('title_en', *POLICY_TEXTS):
            batch_op.drop_column(name)
    with op.batch_alter_table('guides', schema=None) as batch_op:
        for name in ('title_en', *GUIDE_TEXTS, 'steps_en'):
            batch_op.drop_column(name)
