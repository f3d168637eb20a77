"""one Aktenzeichen per organisation and process (issue 13 §2)

Revision ID: desk_0012_business_key
Revises: serve_0011_heartbeats
"""
import sqlalchemy as sa
from alembic import op

revision = 'desk_0012_business_key'
down_revision = 'serve_0011_heartbeats'
branch_labels = None
depends_on = None

INDEX = 'uq_process_instances_org_key_business_key'


def upgrade():
    # earlier versions accepted duplicates silently: name them instead of failing with a bare
    # IntegrityError, so an operator can give one of each pair a new file reference first
    duplicates = op.get_bind().execute(sa.text(
        "SELECT organisation_id, process_key, business_key, COUNT(*) FROM process_instances "
        "WHERE business_key IS NOT NULL GROUP BY organisation_id, process_key, business_key HAVING COUNT(*) > 1"
    )).all()
    if duplicates:
        listed = "; ".join(f"{key} ({process}, organisation {org}): {n} cases" for org, process, key, n in duplicates)
        raise RuntimeError(f"Duplicate Aktenzeichen must be renamed before this upgrade: {listed}")
    op.create_index(
        INDEX, 'process_instances', ['organisation_id', 'process_key', 'business_key'], unique=True,
        sqlite_where=sa.text('business_key IS NOT NULL'), postgresql_where=sa.text('business_key IS NOT NULL'),
    )


def downgrade():
    op.drop_index(INDEX, table_name='process_instances')
