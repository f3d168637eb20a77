"""Running and finished cases: the engine state plus the columns that lists and filters read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, UTCDateTime, db

INSTANCE_STATUSES = ("running", "completed", "error", "terminated")


class ProcessInstance(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "process_instances"
    __table_args__ = (
        sa.Index("ix_process_instances_key_status", "process_key", "status"),
        sa.Index("ix_process_instances_org_started", "organisation_id", "started_at"),
        sa.Index("ix_process_instances_started_by", "started_by"),
        # one Aktenzeichen per organisation and process (casework/business_keys.py)
        sa.Index(
            "uq_process_instances_org_key_business_key", "organisation_id", "process_key", "business_key",
            unique=True, sqlite_where=sa.text("business_key IS NOT NULL"),
            postgresql_where=sa.text("business_key IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(sa.String(120))
    definition_version: Mapped[int]
    business_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(sa.String(20))
    # SpiffWorkflow's serializer output without the spec (the spec comes from the cache)
    state: Mapped[str] = mapped_column(sa.Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(sa.String(20))
    # compare-and-set counter: every write is UPDATE ... WHERE lock_version = <read value>
    lock_version: Mapped[int] = mapped_column(default=1)
    variables: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    outcome: Mapped[str | None] = mapped_column(sa.String(80))
    error_element: Mapped[str | None] = mapped_column(sa.String(200))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    started_by: Mapped[str | None] = mapped_column(sa.String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # organisation ids of the case parties (copy of case_parties), read with the state on every step
    parties: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # head of the instance's history hash chain, so appending needs no extra read
    history_head: Mapped[str | None] = mapped_column(sa.String(64))
    # who sees the case (the process's `visibility` property at start): "organisation" -- everyone
    # of its organisations -- or "parties" -- only those who take part (a personnel matter)
    visibility: Mapped[str] = mapped_column(sa.String(20), default="organisation", server_default="organisation")


class CaseParty(db.Model):  # type: ignore[name-defined,misc]
    """Organisations whose members may see the case (the owner and its linked organisations)."""

    __tablename__ = "case_parties"

    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), primary_key=True, index=True
    )


class CaseReader(db.Model):  # type: ignore[name-defined,misc]
    """A group of a party organisation that may read the case from now on, also after it ended --
    e.g. the office of the Kooperationsausschuss informed of a supervisory measure (§ 47 Abs. 3 Satz 4
    SGB II). Written by the script helper ``involve(group, land, reads=True)``."""

    __tablename__ = "case_readers"

    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), primary_key=True)
    __table_args__ = (sa.Index("ix_case_readers_group_org", "group_id", "organisation_id"),)
