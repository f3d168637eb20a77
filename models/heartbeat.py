"""One row per running scheduler: when it last completed the start of a pass (for /readyz and /metrics)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class SchedulerHeartbeat(db.Model):  # type: ignore[name-defined,misc]
    """A scheduler writes its row on every pass and deletes it when it stops cleanly.

    A killed scheduler leaves its row behind; it simply ages, and is purged after a day.
    """

    __tablename__ = "scheduler_heartbeats"

    worker: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(100))
    pid: Mapped[int]
    # the scheduler's own poll interval: readiness allows three of them since the last beat
    interval_seconds: Mapped[float]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
