"""corrections (纠错): the ticket type `correction` with what is wrong and the policy or page it is about
(a page's correction has no topic); a revision's correction ticket; a guide's 最近核对

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TYPES = ('consultation', 'help', 'complaint', 'suggestion')
PROBLEMS = ('time_limit', 'material', 'link', 'outdated', 'other')


def _types(types: tuple[str, ...]) -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(op.f('ck_tickets_ticket_type'), type_='check')
        batch.create_check_constraint(op.f('ck_tickets_ticket_type'),
                                      f"type IN ({', '.join(repr(t) for t in types)})")


def upgrade() -> None:
    _types(TYPES + ('correction',))
    with op.batch_alter_table('tickets') as batch:
        batch.alter_column('topic_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('problem', sa.Enum(*PROBLEMS, name='correction_problem', native_enum=False,
                                                      create_constraint=True), nullable=True))
        batch.add_column(sa.Column('policy_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('page', sa.String(length=200), server_default='', nullable=False))
        batch.create_foreign_key(batch.f('fk_tickets_policy_id_policies'), 'policies', ['policy_id'], ['id'],
                                 ondelete='SET NULL')
    with op.batch_alter_table('content_revisions') as batch:
        batch.add_column(sa.Column('correction_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_content_revisions_correction_id_tickets'), 'tickets', ['correction_id'],
                                 ['id'], ondelete='SET NULL')
    with op.batch_alter_table('guides') as batch:
        batch.add_column(sa.Column('checked_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('checked_by_revision', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('guides') as batch:
        batch.drop_column('checked_by_revision')
        batch.drop_column('checked_on')
    with op.batch_alter_table('content_revisions') as batch:
        batch.drop_constraint(batch.f('fk_content_revisions_correction_id_tickets'), type_='foreignkey')
        batch.drop_column('correction_id')
    op.execute("DELETE FROM tickets WHERE type = 'correction'")
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(batch.f('fk_tickets_policy_id_policies'), type_='foreignkey')
        batch.drop_column('page')
        batch.drop_column('policy_id')
        batch.drop_column('problem')
        batch.alter_column('topic_id', existing_type=sa.Integer(), nullable=False)
    _types(TYPES)
