"""What a step is made of, below everything that reacts to it.

``LoadedInstance`` is a case read for one unit of work, ``TaskPlan`` the task-row changes its step
makes, and ``StepWritten`` what ``RuntimeService.persist`` hands to the step listeners inside the
step's transaction: BPMN timer rows (casework.time.timers), mail effects (casework.mail) and
reminder rows (casework.time.reminders) react to it. Living here, below the runtime, the listeners
depend on these records and never on the runtime itself. Imports the engine's records, history's
``PendingEvent`` and the base modules only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from casework.cases.history import PendingEvent
from casework.engine import ProcessModel, Snapshot
from casework.records import TaskInfo


@dataclass
class LoadedInstance:
    """An instance row's fields plus its live workflow, for one unit of work."""

    id: str
    lock_version: int
    process_key: str
    business_key: str | None
    organisation_id: int | None
    status: str
    history_head: str | None
    model: ProcessModel
    workflow: Any
    parties: list[int]
    definition_version: int
    started_by: str | None
    started_at: Any
    ended_at: Any = None
    # READY human tasks before this unit of work: exactly the open task rows
    open_before: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the state as read (dump() output): what a step that cannot be stored leaves behind
    stored_state: str | None = None
    events: list[PendingEvent] = field(default_factory=list)


@dataclass
class TaskPlan:
    """The task-row changes of one step."""

    events: list[PendingEvent] = field(default_factory=list)
    completed: dict[str, int] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    candidate_rows: list[dict[str, Any]] = field(default_factory=list)
    candidate_user_rows: list[dict[str, Any]] = field(default_factory=list)
    new_tasks: list[TaskInfo] = field(default_factory=list)


@dataclass(frozen=True)
class StepWritten:
    """What one step wrote, handed to the step listeners inside its transaction."""

    session: sa.orm.Session
    loaded: LoadedInstance
    snapshot: Snapshot
    plan: TaskPlan
    now: Any
    status: str
    effects: list[dict[str, Any]]


StepListener = Callable[[StepWritten], None]
