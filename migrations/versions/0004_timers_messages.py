"""waiting timers and message subscriptions (issue 4)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_UNFIRED = sa.text('fired_at IS NULL')
_FIRED = sa.text('fired_at IS NOT NULL')


def upgrade():
    op.create_table('timers',
    sa.Column('id', _BIGINT, nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('payload', _JSON, nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('fired_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_timers_instance_id_process_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers'))
    )
    op.create_index('ix_timers_due_unfired', 'timers', ['due_at'], unique=False,
                    sqlite_where=_UNFIRED, postgresql_where=_UNFIRED)
    op.create_index('ix_timers_fired', 'timers', ['fired_at'], unique=False,
                    sqlite_where=_FIRED, postgresql_where=_FIRED)
    op.create_index('ix_timers_instance_kind', 'timers', ['instance_id', 'kind'], unique=False)
    op.create_table('message_subscriptions',
    sa.Column('id', _BIGINT, nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('message_name', sa.String(length=200), nullable=False),
    sa.Column('correlation_key', sa.String(length=400), nullable=True),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_message_subscriptions_instance_id_process_instances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_subscriptions'))
    )
    op.create_index('ix_message_subscriptions_name_key', 'message_subscriptions', ['message_name', 'correlation_key'], unique=False)
    op.create_index('ix_message_subscriptions_instance', 'message_subscriptions', ['instance_id'], unique=False)


def downgrade():
    op.drop_index('ix_message_subscriptions_instance', table_name='message_subscriptions')
    op.drop_index('ix_message_subscriptions_name_key', table_name='message_subscriptions')
    op.drop_table('message_subscriptions')
    op.drop_index('ix_timers_instance_kind', table_name='timers')
    op.drop_index('ix_timers_fired', table_name='timers')
    op.drop_index('ix_timers_due_unfired', table_name='timers')
    op.drop_table('timers')
