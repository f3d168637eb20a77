"""People, roles (groups) and who holds which role in which organisation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import UTCDateTime, db


class User(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # reminders once a day in one mail, at this hour (German time), instead of one mail each
    mail_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    digest_hour: Mapped[int] = mapped_column(default=7, server_default="7")
    # a mail for each new task offered or assigned: "immediately", "daily" (in the digest) or "off"
    new_task_mail: Mapped[str] = mapped_column(sa.String(12), default="daily", server_default="daily")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Group(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    # escalations of this group's overdue tasks go to the supervisor group (e.g. gf)
    supervisor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("groups.id"))


class Membership(db.Model):  # type: ignore[name-defined,misc]
    """A user holds a group's role within one organisation ("gf of Jobcenter Musterkreis")."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "group_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
