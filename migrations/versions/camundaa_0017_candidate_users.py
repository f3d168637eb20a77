"""the users a task is offered to by name (camunda:candidateUsers), beside task_candidates (issue 16)

Revision ID: camundaa_0017_candidate_users
Revises: tvchair_0016_chair_rotation
"""
import sqlalchemy as sa
from alembic import op

revision = 'camundaa_0017_candidate_users'
down_revision = 'tvchair_0016_chair_rotation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_candidate_users',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'],
                                name=op.f('fk_task_candidate_users_task_id_human_tasks'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_candidate_users_user_id_users')),
        sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_candidate_users')),
    )
    # "Gruppenaufgaben" of a user named as candidate: one index range scan in due order
    op.create_index('ix_task_candidate_users_inbox', 'task_candidate_users', ['user_id', 'due_at', 'priority'])


def downgrade():
    op.drop_index('ix_task_candidate_users_inbox', table_name='task_candidate_users')
    op.drop_table('task_candidate_users')
