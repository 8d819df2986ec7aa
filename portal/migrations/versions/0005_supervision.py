"""supervision

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The audit log is append-only in the database too, not only in the ORM.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_reminders_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('ticket_id', 'day', 'kind', name='uq_reminders_ticket_id_day_kind')
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('urges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('bureau_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('press', 'supervise', name='urge_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['bureau_id'], ['bureaus.id'], name=op.f('fk_urges_bureau_id_bureaus'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_urges_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urges'))
    )
    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urges_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_urges_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_urges_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due', sa.Date(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bureau_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_ratings_bureau_id'), ['bureau_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ticket_ratings_bureau_id_bureaus'), 'bureaus', ['bureau_id'],
                                    ['id'], ondelete='SET NULL')

    # Events written before this migration: the deadline each step ran against, as well as the tickets
    # still tell it (the sign deadline for steps from 待签收; the reply deadline for answers of tickets
    # never redone), and the rated bureau is the ticket's holder.
    op.execute("UPDATE ticket_events SET due = (SELECT sign_due FROM tickets WHERE tickets.id = ticket_events.ticket_id) "
               "WHERE due IS NULL AND from_state = 'assigned' AND action IN ('sign', 'return', 'reject')")
    op.execute("UPDATE ticket_events SET due = (SELECT reply_due FROM tickets WHERE tickets.id = ticket_events.ticket_id "
               "AND tickets.reopen_count = 0) WHERE due IS NULL AND from_state = 'accepted' AND action IN ('reply', 'reject')")
    op.execute("UPDATE ticket_ratings SET bureau_id = (SELECT bureau_id FROM tickets WHERE tickets.id = ticket_ratings.ticket_id)")



def downgrade() -> None:
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_ratings_bureau_id_bureaus'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_ratings_bureau_id'))
        batch_op.drop_column('bureau_id')
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update" + (" ON audit_log" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_column('due')

    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_urges_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_urges_bureau_id'))
        batch_op.drop_index(batch_op.f('ix_urges_at'))

    op.drop_table('urges')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_ticket_id'))

    op.drop_table('reminders')
