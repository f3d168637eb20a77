"""Waiting timers (BPMN timer events, reminders, escalations) and message subscriptions.

Both are derived rows: the scheduler finds due timers and the message API finds waiting cases
with one indexed query each, without restoring any workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, UTCDateTime, db

# The scheduler's only query reads unfired rows by due time; fired rows stay for a while as the
# record of what fired and must not make that query slower, hence partial indexes.
_UNFIRED = sa.text("fired_at IS NULL")
_FIRED = sa.text("fired_at IS NOT NULL")


class Timer(db.Model):  # type: ignore[name-defined,misc]
    """One thing that must happen at ``due_at``; ``kind`` picks the handler that makes it happen."""

    __tablename__ = "timers"
    __table_args__ = (
        sa.Index("ix_timers_due_unfired", "due_at", sqlite_where=_UNFIRED, postgresql_where=_UNFIRED),
        sa.Index("ix_timers_fired", "fired_at", sqlite_where=_FIRED, postgresql_where=_FIRED),
        sa.Index("ix_timers_instance_kind", "instance_id", "kind"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # nullable: a kind registered later may concern no case (a periodic maintenance job, say)
    instance_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    # "bpmn" (a timer event of the workflow), "reminder", "escalation", or a kind registered later
    kind: Mapped[str] = mapped_column(sa.String(40))
    # the engine task id of a bpmn timer, or the human task a reminder belongs to
    task_id: Mapped[str | None] = mapped_column(sa.String(64))
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # a scheduler's lease on the row; an expired lease (crashed scheduler) may be taken over
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class MessageSubscription(db.Model):  # type: ignore[name-defined,misc]
    """A case waiting for a message; ``correlation_key`` is the key value the message must carry."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (
        sa.Index("ix_message_subscriptions_name_key", "message_name", "correlation_key"),
        sa.Index("ix_message_subscriptions_instance", "instance_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    message_name: Mapped[str] = mapped_column(sa.String(200))
    # None: the workflow accepts this message with any key (no correlation bound yet)
    correlation_key: Mapped[str | None] = mapped_column(sa.String(400))
    element_id: Mapped[str | None] = mapped_column(sa.String(200))
