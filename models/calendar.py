"""Municipal holidays an organisation observes beyond those of its Land (e.g. 8 August in Augsburg)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db


class HolidayOverride(db.Model):  # type: ignore[name-defined,misc]
    """One extra non-working day of one organisation; the deadline calculator shifts over it (§ 193 BGB)."""

    __tablename__ = "holiday_overrides"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(120))
