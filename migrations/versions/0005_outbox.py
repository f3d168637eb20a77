"""outbox mail, reminder state and mail preferences (issue 4)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table(
        'outbox_mails',
        sa.Column('id', _ID, nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('to_user_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('claimed_by', sa.String(length=80), nullable=True),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('dedupe_key', sa.String(length=200), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('bundle_id', _ID, nullable=True),
        sa.ForeignKeyConstraint(['to_user_id'], ['users.id'], name=op.f('fk_outbox_mails_to_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_mails_dedupe_key')),
    )
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_mails_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_mails_user_status', ['to_user_id', 'status'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_digest', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest_hour', sa.Integer(), server_default='7', nullable=False))

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_hour')
        batch_op.drop_column('mail_digest')
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_mails_user_status')
        batch_op.drop_index('ix_outbox_mails_status_next')
    op.drop_table('outbox_mails')
