"""The searchable text of each case (full-text search, issue 13 §3).

One row per case, rewritten in the step's transaction. The database's own engine indexes it: on
SQLite an FTS5 table with the trigram tokenizer (``case_search_fts``, kept in step by triggers), on
PostgreSQL a German ``tsvector`` column and a trigram index (both made by the migration).
The case's organisation, visibility and start are copied from its instance row (none of them ever
changes), so a search filters by who may see it and sorts by its start on this one table.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class CaseSearch(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "case_search"
    __table_args__ = (sa.Index("ix_case_search_started", sa.text("started_at DESC"), "instance_id"),)

    # an integer key, because SQLite's FTS5 external-content table addresses rows by rowid
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), unique=True
    )
    # folded text: lower case, umlauts as plain and as spelled-out letters (see casework.cases.search)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # copies of the instance's columns (set at start, never changed): see casework.cases.search
    organisation_id: Mapped[int | None] = mapped_column(sa.Integer)
    visibility: Mapped[str] = mapped_column(sa.String(20), default="organisation", server_default="organisation")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
