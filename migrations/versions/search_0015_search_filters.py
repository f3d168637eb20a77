"""case search answered from one table (issue 13 §3, p95 < 50 ms with 100,000 cases): case_search gets
copies of the case's organisation, visibility and start (indexed newest first); PostgreSQL's search indexes keep a
short pending list (every search reads it)

Revision ID: search_0015_search_filters
Revises: find_0014_case_search
"""
import sqlalchemy as sa
from alembic import op

revision = 'search_0015_search_filters'
down_revision = 'find_0014_case_search'
branch_labels = None
depends_on = None

GIN_INDEXES = ('ix_case_search_words', 'ix_case_search_trigrams')


def upgrade():
    # plain ALTER TABLE (no batch copy): SQLite's FTS5 table and its triggers stay as they are
    op.add_column('case_search', sa.Column('organisation_id', sa.Integer(), nullable=True))
    op.add_column('case_search', sa.Column('visibility', sa.String(20), nullable=False,
                                           server_default='organisation'))
    op.add_column('case_search', sa.Column('started_at', sa.DateTime(), nullable=True))
    # the page of a frequent word: the newest cases read in order until the page is full
    op.create_index('ix_case_search_started', 'case_search', [sa.text('started_at DESC'), 'instance_id'])
    op.execute(
        "UPDATE case_search SET organisation_id = (SELECT organisation_id FROM process_instances p "
        "WHERE p.id = case_search.instance_id), visibility = (SELECT visibility FROM process_instances p "
        "WHERE p.id = case_search.instance_id), started_at = (SELECT started_at FROM process_instances p "
        "WHERE p.id = case_search.instance_id)"
    )
    if op.get_bind().dialect.name == 'postgresql':
        for index in GIN_INDEXES:
            # new entries wait in a pending list that every search reads in full (4 MB by default:
            # 20 ms a search); 256 kB keeps that read short and still spares a step most of the
            # index work (without the list, each text written cost about 1 ms more)
            op.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = 256)")
            op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
    op.drop_index('ix_case_search_started', table_name='case_search')
    for column in ('started_at', 'visibility', 'organisation_id'):
        op.drop_column('case_search', column)
