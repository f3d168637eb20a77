"""External tasks: service tasks (camunda:type="external") that wait for a worker to fetch and do them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class ExternalTask(db.Model):  # type: ignore[name-defined,misc]
    """One open external task; the row goes when the engine task completes or is cancelled (the case
    history keeps what happened). ``retries`` 0 is an incident: not fetched until an admin retries."""

    __tablename__ = "external_tasks"
    __table_args__ = (sa.Index("ix_external_tasks_topic_fetchable", "topic", "not_before", "lock_expires_at"),)

    # the SpiffWorkflow task id
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    element_id: Mapped[str] = mapped_column(sa.String(200))
    topic: Mapped[str] = mapped_column(sa.String(200))
    process_key: Mapped[str] = mapped_column(sa.String(120))
    business_key: Mapped[str | None] = mapped_column(sa.String(200))
    worker_id: Mapped[str | None] = mapped_column(sa.String(200))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until a worker reports a failure (Camunda: retries are set by the first failure)
    retries: Mapped[int | None] = mapped_column(sa.Integer)
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # after a failure with retry_timeout_ms: not fetched before this time
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
