"""scheduler heartbeats for /readyz and /metrics (issue 12)

Revision ID: serve_0011_heartbeats
Revises: ops_0010_auth_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = 'serve_0011_heartbeats'
down_revision = 'ops_0010_auth_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_heartbeats',
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('host', sa.String(length=100), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('interval_seconds', sa.Float(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('worker', name=op.f('pk_scheduler_heartbeats')),
    )
    op.create_index(op.f('ix_scheduler_heartbeats_beat_at'), 'scheduler_heartbeats', ['beat_at'])


def downgrade():
    op.drop_index(op.f('ix_scheduler_heartbeats_beat_at'), table_name='scheduler_heartbeats')
    op.drop_table('scheduler_heartbeats')
