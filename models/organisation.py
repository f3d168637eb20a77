"""Organisations: the bodies of DOMAIN.md §1; visibility of cases is decided by them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db

ORGANISATION_KINDS = ("ge", "agentur", "kreis", "kommune", "gemeinde", "land", "bmas", "other")


class Organisation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    # `holidays` subdivision code of the Land the organisation sits in (deadlines, working days)
    land: Mapped[str | None] = mapped_column(sa.String(5))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))


class OrganisationLink(db.Model):  # type: ignore[name-defined,misc]
    """`related` takes part in the cases of `organisation` (a gE's Träger, say): they become case parties."""

    __tablename__ = "organisation_links"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
