"""full-text case search (issue 13 §3): case_search, with FTS5 (SQLite) or tsvector + trigram (PostgreSQL);
users.new_task_mail (§4); saved_filters (inbox tabs)

Revision ID: find_0014_case_search
Revises: ops_0013_no_account_lock
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'find_0014_case_search'
down_revision = 'ops_0013_no_account_lock'
branch_labels = None
depends_on = None

SQLITE_FTS = [
    # external content: the text lives once, in case_search; the FTS index follows it by triggers
    "CREATE VIRTUAL TABLE case_search_fts USING fts5(body, content='case_search', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER case_search_ai AFTER INSERT ON case_search BEGIN "
    "INSERT INTO case_search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER case_search_ad AFTER DELETE ON case_search BEGIN "
    "INSERT INTO case_search_fts(case_search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER case_search_au AFTER UPDATE ON case_search BEGIN "
    "INSERT INTO case_search_fts(case_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO case_search_fts(rowid, body) VALUES (new.id, new.body); END",
]
POSTGRES_INDEXES = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE case_search ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('german', body)) STORED",
    "CREATE INDEX ix_case_search_words ON case_search USING gin (words)",
    "CREATE INDEX ix_case_search_trigrams ON case_search USING gin (body gin_trgm_ops)",
]


def upgrade():
    op.create_table(
        'case_search',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('instance_id', sa.String(36),
                  sa.ForeignKey('process_instances.id', ondelete='CASCADE'), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.UniqueConstraint('instance_id', name='uq_case_search_instance_id'),
    )
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False, index=True),
        sa.Column('name', sa.String(80), nullable=False),
        sa.Column('query', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('user_id', 'name', name='uq_saved_filters_user_name'),
    )
    # a mail when work arrives (issue 13 §4): everyone starts with the daily digest
    op.add_column('users', sa.Column('new_task_mail', sa.String(12), nullable=False, server_default='daily'))
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == 'sqlite' else POSTGRES_INDEXES if dialect == 'postgresql' else []:
        op.execute(statement)


def downgrade():
    op.drop_column('users', 'new_task_mail')
    op.drop_table('saved_filters')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS case_search_fts")
    op.drop_table('case_search')
