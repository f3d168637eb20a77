"""designer drafts (issue 5)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('based_on_version', sa.Integer(), nullable=True),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts')),
        sa.UniqueConstraint('process_key', 'file_name', name=op.f('uq_process_drafts_process_key')),
    )


def downgrade():
    op.drop_table('process_drafts')
