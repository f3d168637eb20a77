"""Human tasks as plain rows, kept in step with the engine, so inboxes never load a workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import JSONType, UTCDateTime, db

TASK_STATES = ("open", "completed", "cancelled")


class HumanTask(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "human_tasks"
    __table_args__ = (
        # "Meine Aufgaben": equality on assignee and state, then in due order
        sa.Index("ix_human_tasks_assignee_state_due", "assignee_id", "state", "due_at"),
        sa.Index("ix_human_tasks_instance_state", "instance_id", "state"),
        sa.Index("ix_human_tasks_completed_by", "completed_by_id"),
    )

    # the engine's task id (a UUID), so the row and the engine task are the same thing
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        sa.ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    bpmn_id: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300))
    process_key: Mapped[str] = mapped_column(sa.String(120))
    business_key: Mapped[str | None] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(20))
    candidate_groups: Mapped[list[str]] = mapped_column(JSONType, default=list)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the user the process itself names (camunda:assignee): besides the candidates, the only one
    # who may hold or complete the task (separation of duties, AccessService.may_work_on)
    named_assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=50)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # the last reminder and the escalation of an overdue task (casework/time/reminders.py)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the task's input data, for the task page; deferred so inbox queries never read it
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)


class TaskCandidate(db.Model):  # type: ignore[name-defined,misc]
    """One row per (open task, candidate group, party organisation): the "Gruppenaufgaben" index.

    Rows exist only while the task is open, and carry the sort keys, so a group inbox is one
    index range scan in due order.
    """

    __tablename__ = "task_candidates"
    __table_args__ = (
        sa.Index("ix_task_candidates_inbox", "group_id", "organisation_id", "due_at", "priority"),
    )

    task_id: Mapped[str] = mapped_column(
        sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), primary_key=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=50)


class TaskCandidateUser(db.Model):  # type: ignore[name-defined,misc]
    """One row per (open task, candidate user): ``camunda:candidateUsers``, the "Gruppenaufgaben"
    index for tasks offered to named people.

    Like ``task_candidates``, rows exist only while the task is open and carry the sort keys, so a
    user's offered tasks are one index range scan in due order.
    """

    __tablename__ = "task_candidate_users"
    __table_args__ = (
        sa.Index("ix_task_candidate_users_inbox", "user_id", "due_at", "priority"),
    )

    task_id: Mapped[str] = mapped_column(
        sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=50)
