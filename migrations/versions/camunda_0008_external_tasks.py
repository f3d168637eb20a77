"""external tasks (issue 16)

Revision ID: camunda_0008
Revises: 0007_casefile
"""
import sqlalchemy as sa
from alembic import op

revision = 'camunda_0008'
down_revision = '0007_casefile'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_tasks',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('element_id', sa.String(length=200), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('business_key', sa.String(length=200), nullable=True),
        sa.Column('worker_id', sa.String(length=200), nullable=True),
        sa.Column('lock_expires_at', sa.DateTime(), nullable=True),
        sa.Column('retries', sa.Integer(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('not_before', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'],
                                name=op.f('fk_external_tasks_instance_id_process_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_tasks')),
    )
    op.create_index(op.f('ix_external_tasks_instance_id'), 'external_tasks', ['instance_id'])
    op.create_index('ix_external_tasks_topic_fetchable', 'external_tasks', ['topic', 'not_before', 'lock_expires_at'])


def downgrade():
    op.drop_index('ix_external_tasks_topic_fetchable', table_name='external_tasks')
    op.drop_index(op.f('ix_external_tasks_instance_id'), table_name='external_tasks')
    op.drop_table('external_tasks')
