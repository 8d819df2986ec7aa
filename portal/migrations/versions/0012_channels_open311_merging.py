"""channels, Open311 keys, confidential tickets, merging: a ticket's channel and when it was received,
保密件, the master a repeat was merged into (state `merged`); API keys and the tickets each key filed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

STATES = ('submitted', 'dispatch', 'assigned', 'accepted', 'replied', 'reopened', 'closed', 'rejected')
CHANNELS = ('web', 'api', 'open311', 'phone', 'letter', 'visit', 'hotline', 'wechat')


def _states(column: str, states: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(s) for s in states)})"


def _recheck(table: str, checks: list[tuple[str, str]], states: tuple[str, ...]) -> None:
    """Replace the CHECK constraints of a table's state columns (SQLite: by copying the table)."""
    with op.batch_alter_table(table) as batch:
        for name, column in checks:
            batch.drop_constraint(op.f(name), type_='check')
            batch.create_check_constraint(op.f(name), _states(column, states))


def upgrade() -> None:
    _recheck('tickets', [('ck_tickets_ticket_state', 'state')], STATES + ('merged',))
    _recheck('ticket_events', [('ck_ticket_events_event_from_state', 'from_state'),
                               ('ck_ticket_events_event_to_state', 'to_state')], STATES + ('merged',))
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('channel', sa.Enum(*CHANNELS, name='ticket_channel', native_enum=False,
                                                      create_constraint=True), server_default='web', nullable=False))
        batch.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_tickets_merged_into_id_tickets'), 'tickets', ['merged_into_id'], ['id'],
                                 ondelete='SET NULL')  # tickets are never deleted; a bulk delete still works
        batch.create_index(batch.f('ix_tickets_merged_into_id'), ['merged_into_id'], unique=False)
        batch.create_index(batch.f('ix_tickets_credit_code'), ['credit_code'], unique=False)
    op.execute("UPDATE tickets SET received_at = created_at")  # what came before arrived when it was filed
    with op.batch_alter_table('tickets') as batch:
        batch.alter_column('received_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('channel', sa.Enum(*CHANNELS, name='api_key_channel', native_enum=False, create_constraint=True),
              nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_api_keys_name'))
    )
    op.create_table('open311_tickets',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_open311_tickets_api_key_id_api_keys'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_open311_tickets_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_open311_tickets'))
    )
    with op.batch_alter_table('open311_tickets') as batch:
        batch.create_index(batch.f('ix_open311_tickets_api_key_id'), ['api_key_id'], unique=False)


def downgrade() -> None:
    op.drop_table('open311_tickets')
    op.drop_table('api_keys')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index(batch.f('ix_tickets_credit_code'))
        batch.drop_index(batch.f('ix_tickets_merged_into_id'))
        batch.drop_constraint(batch.f('fk_tickets_merged_into_id_tickets'), type_='foreignkey')
        batch.drop_column('merged_into_id')
        batch.drop_column('confidential')
        batch.drop_column('received_at')
        batch.drop_column('channel')
    _recheck('ticket_events', [('ck_ticket_events_event_from_state', 'from_state'),
                               ('ck_ticket_events_event_to_state', 'to_state')], STATES)
    _recheck('tickets', [('ck_tickets_ticket_state', 'state')], STATES)
