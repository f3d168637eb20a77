"""municipal holiday overrides for the deadline calculator (issue 4) and versioned legal parameters (issue 3)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'holiday_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ['organisation_id'], ['organisations.id'],
            name=op.f('fk_holiday_overrides_organisation_id_organisations'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_overrides')),
        sa.UniqueConstraint('organisation_id', 'day', name=op.f('uq_holiday_overrides_organisation_id')),
    )
    op.create_table(
        'legal_parameters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('land', sa.String(length=10), nullable=True),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('value', JSON, nullable=True),
        sa.Column('unit', sa.String(length=40), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_parameters')),
        sa.UniqueConstraint('key', 'land', 'valid_from', name=op.f('uq_legal_parameters_key')),
    )
    with op.batch_alter_table('legal_parameters', schema=None) as batch_op:
        batch_op.create_index('ix_legal_parameters_key_from', ['key', 'valid_from'], unique=False)


def downgrade():
    with op.batch_alter_table('legal_parameters', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_parameters_key_from')
    op.drop_table('legal_parameters')
    op.drop_table('holiday_overrides')
