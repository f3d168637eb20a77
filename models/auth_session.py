"""Server-side sign-ins: one row per browser session or API token, so either can be ended for good."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "auth_sessions"

    # SHA-256 of the secret the client holds (cookie or bearer token); the secret itself is never
    # stored, so a copy of this table signs no one in
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # "web" or "api"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # moved at most once a minute (SessionService.TOUCH_SECONDS), so a request rarely writes
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
