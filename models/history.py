"""The append-only audit trail of every case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, UTCDateTime, db


class HistoryEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "history_events"
    __table_args__ = (sa.Index("ix_history_events_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the username, not a foreign key: the record must outlive the account
    actor: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(40))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    task_name: Mapped[str | None] = mapped_column(sa.String(200))
    task_title: Mapped[str | None] = mapped_column(sa.String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # sha256 over the previous hash and this event: editing or deleting a row breaks the chain
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
