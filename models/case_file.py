"""The case file beside the process: notes, documents (metadata; the bytes live in a storage) and
absences with their substitutes (issue 14)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class CaseNote(db.Model):  # type: ignore[name-defined,misc]
    """A note on a case, never edited or deleted: a correction is a new note."""

    __tablename__ = "case_notes"
    __table_args__ = (sa.Index("ix_case_notes_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the username, like the history: the note outlives the account
    author: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(sa.Text)


class CaseDocument(db.Model):  # type: ignore[name-defined,misc]
    """One uploaded file of a case. The bytes are in the document storage under ``sha256``; a new
    version is a new row, rows are never updated."""

    __tablename__ = "case_documents"
    __table_args__ = (
        sa.Index("ix_case_documents_instance", "instance_id", "uploaded_at"),
        sa.Index("ix_case_documents_sha256", "sha256"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(sa.ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the form field a document was given in (a BPMN form's `file` field), else NULL
    field: Mapped[str | None] = mapped_column(sa.String(120))
    filename: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str | None] = mapped_column(sa.String(300))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str] = mapped_column(sa.String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Absence(db.Model):  # type: ignore[name-defined,misc]
    """A user's recorded absence (leave) and who acts for them meanwhile; one per user."""

    __tablename__ = "absences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    substitute_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
