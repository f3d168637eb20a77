"""Mails waiting to be sent: written in the business transaction, delivered by the scheduler."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db

# queued: waiting for delivery; sent; failed: gave up after the last attempt (an admin may requeue);
# digest: a reminder item held for its recipient's daily digest; bundled: sent inside a digest mail
MAIL_STATUSES = ("queued", "sent", "failed", "digest", "bundled")


class OutboxMail(db.Model):  # type: ignore[name-defined,misc]
    """One mail to one address. ``dedupe_key`` makes a reminder step impossible to queue twice."""

    __tablename__ = "outbox_mails"
    __table_args__ = (
        # the delivery query: queued rows whose next attempt is due, oldest first
        sa.Index("ix_outbox_mails_status_next", "status", "next_attempt_at"),
        # the digest job: one recipient's held items
        sa.Index("ix_outbox_mails_user_status", "to_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a delivery worker's lease: another worker takes the row only after it has expired
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    # "notification", "reminder", "escalation", "digest": what the mail is, for the admin list
    kind: Mapped[str] = mapped_column(sa.String(20), default="notification")
    # not foreign keys: a mail (and its record) outlives the case it was about
    instance_id: Mapped[str | None] = mapped_column(sa.String(36))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the digest mail a "bundled" item went out in
    bundle_id: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
