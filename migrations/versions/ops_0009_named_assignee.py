"""the assignee a process names, apart from whoever holds a task (issue 11, separation of duties)

Revision ID: ops_0009_named_assignee
Revises: camunda_0008
"""
import sqlalchemy as sa
from alembic import op

revision = 'ops_0009_named_assignee'
down_revision = 'camunda_0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('named_assignee_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_human_tasks_named_assignee_id_users'), 'users', ['named_assignee_id'], ['id']
        )
    # a task the process handed to a named user was held from the moment it opened; one claimed
    # later has a later claim time, so it keeps no named assignee
    op.execute(
        "UPDATE human_tasks SET named_assignee_id = assignee_id "
        "WHERE assignee_id IS NOT NULL AND claimed_at = created_at"
    )


def downgrade():
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_constraint(op.f('fk_human_tasks_named_assignee_id_users'), type_='foreignkey')
        batch.drop_column('named_assignee_id')
