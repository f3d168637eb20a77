"""the case file: notes, documents, absences, committee deputies, per-case visibility (issue 14)

Revision ID: 0007_casefile
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_casefile'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_notes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('author', sa.String(length=80), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'],
                                name=op.f('fk_case_notes_instance_id_process_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes')),
    )
    op.create_index('ix_case_notes_instance', 'case_notes', ['instance_id', 'id'], unique=False)
    op.create_table(
        'case_documents',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('instance_id', sa.String(length=36), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('field', sa.String(length=120), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=True),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by', sa.String(length=80), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'],
                                name=op.f('fk_case_documents_instance_id_process_instances'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
    )
    op.create_index('ix_case_documents_instance', 'case_documents', ['instance_id', 'uploaded_at'], unique=False)
    op.create_index('ix_case_documents_sha256', 'case_documents', ['sha256'], unique=False)
    op.create_table(
        'absences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('substitute_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_absences_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['substitute_id'], ['users.id'],
                                name=op.f('fk_absences_substitute_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_absences')),
    )
    op.create_index(op.f('ix_absences_substitute_id'), 'absences', ['substitute_id'], unique=False)
    with op.batch_alter_table('body_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deputy_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_body_members_deputy_user_id_users'), 'users',
                                    ['deputy_user_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=20), nullable=False,
                                      server_default='organisation'))


def downgrade():
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_column('visibility')
    with op.batch_alter_table('body_members', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_body_members_deputy_user_id_users'), type_='foreignkey')
        batch_op.drop_column('deputy_user_id')
    op.drop_index(op.f('ix_absences_substitute_id'), table_name='absences')
    op.drop_table('absences')
    op.drop_index('ix_case_documents_sha256', table_name='case_documents')
    op.drop_index('ix_case_documents_instance', table_name='case_documents')
    op.drop_table('case_documents')
    op.drop_index('ix_case_notes_instance', table_name='case_notes')
    op.drop_table('case_notes')
