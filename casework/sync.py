"""Keeps the human_tasks rows in step with the engine's READY user tasks after every step."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from casework.access import AccessService
from casework.engine import Assignment, Engine, ReadyTask, Snapshot
from casework.errors import ScriptFailed
from casework.history import PendingEvent
from models import HumanTask, TaskCandidate, User

if TYPE_CHECKING:
    from casework.runtime import LoadedInstance

TASKS = HumanTask.__table__
CANDIDATES = TaskCandidate.__table__


def sync_tasks(
    session: sa.orm.Session,
    engine: Engine,
    access: AccessService,
    loaded: LoadedInstance,
    snapshot: Snapshot,
    *,
    now: datetime,
    parties: list[int],
    completed: dict[str, int],
    terminated: bool,
) -> list[PendingEvent]:
    """Close rows of tasks that are no longer READY, insert rows for new READY tasks.

    ``completed`` maps the engine task ids the caller completed to the completing user's id.
    Returns the history events for created and cancelled tasks.
    """
    existing: dict[str, tuple[str, str]] = {}
    if loaded.lock_version > 0:
        existing = {
            r.id: (r.bpmn_id, r.title)
            for r in session.execute(
                sa.select(TASKS.c.id, TASKS.c.bpmn_id, TASKS.c.title).where(
                    TASKS.c.instance_id == loaded.id, TASKS.c.state == "open"
                )
            )
        }
    ready = {} if terminated else {t.id: t for t in snapshot.ready_tasks}
    events = _close(session, existing, ready, completed, now)
    new = [t for task_id, t in ready.items() if task_id not in existing]
    if new:
        events += _open(session, engine, access, loaded, new, now=now, parties=parties)
    return events


def _close(
    session: sa.orm.Session,
    existing: dict[str, tuple[str, str]],
    ready: dict[str, ReadyTask],
    completed: dict[str, int],
    now: datetime,
) -> list[PendingEvent]:
    gone = [task_id for task_id in existing if task_id not in ready]
    if not gone:
        return []
    session.execute(sa.delete(CANDIDATES).where(CANDIDATES.c.task_id.in_(gone)))
    events = []
    cancelled = [t for t in gone if t not in completed]
    for task_id in gone:
        if task_id in completed:
            session.execute(
                sa.update(TASKS)
                .where(TASKS.c.id == task_id)
                .values(state="completed", completed_at=now, completed_by_id=completed[task_id])
            )
    if cancelled:
        session.execute(
            sa.update(TASKS).where(TASKS.c.id.in_(cancelled)).values(state="cancelled", completed_at=now)
        )
        for task_id in cancelled:
            bpmn_id, title = existing[task_id]
            events.append(PendingEvent(now, None, "task_cancelled", task_id, bpmn_id, title))
    return events


def _open(
    session: sa.orm.Session,
    engine: Engine,
    access: AccessService,
    loaded: LoadedInstance,
    new: list[ReadyTask],
    *,
    now: datetime,
    parties: list[int],
) -> list[PendingEvent]:
    events = []
    resolved: list[tuple[ReadyTask, Assignment, str | None]] = []
    for task in new:
        try:
            assignment = engine.resolve_assignment(task.meta, task.data, now)
            problem = None
        except ScriptFailed as exc:
            assignment = Assignment(candidate_groups=(), assignee=None, due_at=None, priority=50)
            problem = exc.message
        resolved.append((task, assignment, problem))
    usernames = {a.assignee for _, a, _ in resolved if a.assignee}
    user_ids = _user_ids(session, usernames)
    all_groups = tuple({g for _, a, _ in resolved for g in a.candidate_groups})
    group_ids = access.group_ids(session, all_groups)
    task_rows, candidate_rows = [], []
    for task, assignment, problem in resolved:
        assignee_id = user_ids.get(assignment.assignee) if assignment.assignee else None
        task_rows.append(
            {
                "id": task.id,
                "instance_id": loaded.id,
                "bpmn_id": task.bpmn_id,
                "title": task.title,
                "process_key": loaded.process_key,
                "business_key": loaded.business_key,
                "state": "open",
                "candidate_groups": list(assignment.candidate_groups),
                "assignee_id": assignee_id,
                "due_at": assignment.due_at,
                "priority": assignment.priority,
                "created_at": now,
                "claimed_at": now if assignee_id else None,
                "data": _json_safe(task.data),
            }
        )
        for group in assignment.candidate_groups:
            if group in group_ids:
                for org in parties:
                    candidate_rows.append(
                        {
                            "task_id": task.id,
                            "group_id": group_ids[group],
                            "organisation_id": org,
                            "due_at": assignment.due_at,
                            "priority": assignment.priority,
                        }
                    )
        data: dict[str, Any] = {"candidate_groups": list(assignment.candidate_groups)}
        if assignment.due_at:
            data["due_at"] = assignment.due_at.isoformat()
        if assignment.assignee:
            data["assignee"] = assignment.assignee
        if problem:
            data["assignment_error"] = problem
        events.append(PendingEvent(now, None, "task_created", task.id, task.bpmn_id, task.title, data))
    session.execute(sa.insert(TASKS), task_rows)
    if candidate_rows:
        session.execute(sa.insert(CANDIDATES), candidate_rows)
    return events


def _user_ids(session: sa.orm.Session, usernames: set[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = session.execute(sa.select(User.username, User.id).where(User.username.in_(usernames)))
    return {r.username: r.id for r in rows}


def _json_safe(value: Any) -> Any:
    """Task data as JSON: dates become ISO strings, anything else unknown its repr."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value)
