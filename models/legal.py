"""Versioned legal parameters: every number of the law, with the period it was (or is) in force."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, db


class LegalParameter(db.Model):  # type: ignore[name-defined,misc]
    """One version of a parameter; ``land`` NULL is federal law, a code is that Land's own rule.

    Versions of one (key, land) do not overlap: a new version closes the previous one's ``valid_to``.
    """

    __tablename__ = "legal_parameters"
    __table_args__ = (
        sa.UniqueConstraint("key", "land", "valid_from"),
        sa.Index("ix_legal_parameters_key_from", "key", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    land: Mapped[str | None] = mapped_column(sa.String(10))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    # JSON null is a value too ("unbefristet"), so the column may hold it
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    unit: Mapped[str | None] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.Text)
