"""Committees as data (DOMAIN.md §1): a gE's Trägerversammlung and Beirat, a Land's
Kooperationsausschuss, a Kommune's council — their members, sides, chair and terms."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db

BODY_KINDS = ("tv", "ka", "council", "beirat")
SIDES = ("ba", "kommune", "land", "bmas")
CHAIR_RULES = ("elected", "rotation")


class Body(db.Model):  # type: ignore[name-defined,misc]
    """One committee; ``organisation`` is the gE (TV, Beirat), the Land (KA) or the Kommune (council)."""

    __tablename__ = "bodies"
    __table_args__ = (sa.UniqueConstraint("kind", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    # councils: the members by law (two-thirds rule counts these, not those present)
    statutory_members: Mapped[int | None] = mapped_column()
    # "elected": chair_user for a term of up to five years; "rotation": no agreement, sides take
    # turns for two years each from rotation_start, BA first (§ 44c Abs. 2 SGB II)
    chair_rule: Mapped[str] = mapped_column(sa.String(20), default="elected")
    chair_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    chair_term_start: Mapped[date | None] = mapped_column(sa.Date)
    chair_term_end: Mapped[date | None] = mapped_column(sa.Date)
    rotation_start: Mapped[date | None] = mapped_column(sa.Date)
    # the side whose turn begins on rotation_start (NULL: the law's first, BA for a TV, BMAS for a KA)
    rotation_first_side: Mapped[str | None] = mapped_column(sa.String(20))
    # the Agentur named the TV's first chair under the rotation: then the Kommune appoints the GF first
    first_chair_by_ba: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class BodyMember(db.Model):  # type: ignore[name-defined,misc]
    """A seat held from ``term_start`` to ``term_end`` (inclusive; open-ended when NULL).

    Under the rotation rule ``is_chair`` marks the member a side has named to chair in its turn.
    """

    __tablename__ = "body_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(sa.String(20))
    term_start: Mapped[date] = mapped_column(sa.Date)
    term_end: Mapped[date | None] = mapped_column(sa.Date)
    is_chair: Mapped[bool] = mapped_column(default=False)
    # the member's named deputy (Stellvertretung): votes for the member while they are absent
    deputy_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
