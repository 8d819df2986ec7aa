"""index log: tasks numbered in commit order and kept until every host has applied them; a cursor per host

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('index_tasks') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(batch.f('uq_index_tasks_seq'), ['seq'])
    op.execute("UPDATE index_tasks SET seq = id")  # rows waiting from before: in their old order
    op.create_table('index_cursors',
    sa.Column('host', sa.String(length=100), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_index_cursors'))
    )


def downgrade() -> None:
    op.drop_table('index_cursors')
    with op.batch_alter_table('index_tasks') as batch:
        batch.drop_constraint(batch.f('uq_index_tasks_seq'), type_='unique')
        batch.drop_column('seq')
