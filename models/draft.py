"""Designer drafts: a process's BPMN/DMN file as last saved in the designer, not yet deployed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class ProcessDraft(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "process_drafts"
    # one working copy per file of a process, shared by the designers (updated_by says who saved last)
    __table_args__ = (sa.UniqueConstraint("process_key", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(sa.String(120))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[str] = mapped_column(sa.Text)
    # the deployed version the draft was edited from; None for a new process
    based_on_version: Mapped[int | None]
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
