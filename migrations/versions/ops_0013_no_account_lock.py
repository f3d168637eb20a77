"""no account-wide lock any more: sign-ins are throttled per client and account (issue 11 §4)

Revision ID: ops_0013_no_account_lock
Revises: desk_0012_business_key
"""
import sqlalchemy as sa
from alembic import op

revision = 'ops_0013_no_account_lock'
down_revision = 'desk_0012_business_key'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('failed_logins')
        batch.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
