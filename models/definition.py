"""Deployed process definitions: immutable versions of BPMN/DMN sources per process key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, UTCDateTime, db


class ProcessDefinition(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "process_definitions"
    __table_args__ = (
        sa.UniqueConstraint("key", "version"),
        sa.Index("ix_process_definitions_key_hash", "key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(300))
    # sha256 over the files the process needs; the spec cache is keyed by it
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # {file name: XML text}: the BPMN file holding the process plus called processes and DMN tables
    # deferred: read only when a version is parsed into the spec cache, not on every step
    files: Mapped[dict[str, str]] = mapped_column(JSONType, deferred=True)
    bpmn_file: Mapped[str] = mapped_column(sa.String(255))
    starter_groups: Mapped[list[str]] = mapped_column(JSONType, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    deployed_by: Mapped[str | None] = mapped_column(sa.String(80))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
