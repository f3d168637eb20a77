"""committees (bodies, body members) and legal parameters (issue 3)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bodies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('statutory_members', sa.Integer(), nullable=True),
        sa.Column('chair_rule', sa.String(length=20), nullable=False),
        sa.Column('chair_user_id', sa.Integer(), nullable=True),
        sa.Column('chair_term_start', sa.Date(), nullable=True),
        sa.Column('chair_term_end', sa.Date(), nullable=True),
        sa.Column('rotation_start', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_bodies_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['chair_user_id'], ['users.id'],
                                name=op.f('fk_bodies_chair_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bodies')),
        sa.UniqueConstraint('kind', 'organisation_id', name=op.f('uq_bodies_kind')),
    )
    op.create_table(
        'body_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('side', sa.String(length=20), nullable=False),
        sa.Column('term_start', sa.Date(), nullable=False),
        sa.Column('term_end', sa.Date(), nullable=True),
        sa.Column('is_chair', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['bodies.id'],
                                name=op.f('fk_body_members_body_id_bodies'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_body_members_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_body_members')),
    )
    op.create_index(op.f('ix_body_members_body_id'), 'body_members', ['body_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_body_members_body_id'), table_name='body_members')
    op.drop_table('body_members')
    op.drop_table('bodies')
