"""Keeps the human_tasks rows in step with the engine's READY user tasks after every step.

The plan is made in memory from the workflow before and after the step (the open rows are, by
construction, the READY human tasks before it), so a step reads no task rows; the writes follow
the instance's compare-and-set update.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from casework.cases import candidate_users
from casework.cases.access import AccessService
from casework.cases.direct import Direct
from casework.cases.history import PendingEvent
from casework.cases.steps import LoadedInstance, TaskPlan
from casework.context import running_case
from casework.engine import Assignment, Engine, ReadyTask, Snapshot
from casework.errors import ScriptFailed
from casework.records import TaskInfo
from models import HumanTask, TaskCandidate, User

TASKS = HumanTask.__table__
CANDIDATES = TaskCandidate.__table__

# Built once: constructing a statement costs more than executing it on SQLite (bench/engine.py).
_DELETE_CANDIDATES = Direct(sa.delete(CANDIDATES).where(CANDIDATES.c.task_id == sa.bindparam("b_id")))
_COMPLETE_TASK = Direct(
    sa.update(TASKS)
    .where(TASKS.c.id == sa.bindparam("b_id"))
    .values(state="completed", completed_at=sa.bindparam("b_at"), completed_by_id=sa.bindparam("b_by"))
)
_CANCEL_TASK = Direct(
    sa.update(TASKS)
    .where(TASKS.c.id == sa.bindparam("b_id"))
    .values(state="cancelled", completed_at=sa.bindparam("b_at"))
)
_INSERT_TASKS = Direct(sa.insert(TASKS))
_INSERT_CANDIDATES = Direct(sa.insert(CANDIDATES))


def plan_tasks(
    session: sa.orm.Session,
    engine: Engine,
    access: AccessService,
    loaded: LoadedInstance,
    snapshot: Snapshot,
    *,
    now: datetime,
    completed: dict[str, int],
    terminated: bool,
) -> TaskPlan:
    """Which rows close (completed by ``completed``'s users, or cancelled) and which open."""
    plan = TaskPlan()
    ready = {} if terminated else {t.id: t for t in snapshot.ready_tasks}
    for task_id, (bpmn_id, title) in loaded.open_before.items():
        if task_id in ready:
            continue
        if task_id in completed:
            plan.completed[task_id] = completed[task_id]
        else:
            plan.cancelled.append(task_id)
            plan.events.append(PendingEvent(now, None, "task_cancelled", task_id, bpmn_id, title))
    new = [t for task_id, t in ready.items() if task_id not in loaded.open_before]
    if new:
        _plan_new(session, engine, access, loaded, new, plan, now)
    return plan


def write_tasks(session: sa.orm.Session, plan: TaskPlan, now: datetime) -> None:
    conn = session.connection()
    closed = [*plan.completed, *plan.cancelled]
    if closed:
        _DELETE_CANDIDATES.execute(conn, [{"b_id": t} for t in closed])
    if plan.completed:
        _COMPLETE_TASK.execute(conn, [{"b_id": t, "b_at": now, "b_by": u} for t, u in plan.completed.items()])
    if plan.cancelled:
        _CANCEL_TASK.execute(conn, [{"b_id": t, "b_at": now} for t in plan.cancelled])
    if plan.new_rows:
        _INSERT_TASKS.execute(conn, plan.new_rows)
    if plan.candidate_rows:
        _INSERT_CANDIDATES.execute(conn, plan.candidate_rows)
    candidate_users.write(conn, closed, plan.candidate_user_rows)


Resolved = tuple[ReadyTask, Assignment, str | None]  # the task, its assignment, the expression's error


def _plan_new(
    session: sa.orm.Session,
    engine: Engine,
    access: AccessService,
    loaded: LoadedInstance,
    new: list[ReadyTask],
    plan: TaskPlan,
    now: datetime,
) -> None:
    resolved = _resolve(session, engine, loaded, new, now)
    user_ids = _user_ids(session, {n for _, a, _ in resolved for n in (a.assignee, *a.candidate_users) if n})
    group_ids = access.group_ids(session, tuple({g for _, a, _ in resolved for g in a.candidate_groups}))
    resolved = _never_to_nobody(resolved, user_ids, group_ids)
    group_ids = access.group_ids(session, tuple({g for _, a, _ in resolved for g in a.candidate_groups}))
    for task, assignment, problem in resolved:
        assignee_id = user_ids.get(assignment.assignee) if assignment.assignee else None
        plan.new_rows.append(_task_row(loaded, task, assignment, assignee_id, now))
        plan.candidate_rows.extend(
            {
                "task_id": task.id,
                "group_id": group_ids[group],
                "organisation_id": org,
                "due_at": assignment.due_at,
                "priority": assignment.priority,
            }
            for group in assignment.candidate_groups
            if group in group_ids
            for org in loaded.parties
        )
        known = tuple(sorted(u for u in assignment.candidate_users if u in user_ids))
        plan.candidate_user_rows.extend(candidate_users.rows_for(
            task.id, (user_ids[u] for u in known), assignment.due_at, assignment.priority))
        plan.new_tasks.append(replace(_task_record(loaded, task, assignment, assignee_id, now), candidate_users=known))
        plan.events.append(_created_event(task, assignment, problem, now))


def _resolve(
    session: sa.orm.Session, engine: Engine, loaded: LoadedInstance, new: list[ReadyTask], now: datetime
) -> list[Resolved]:
    """Each new task's assignment; a failing expression leaves the task unassigned, with its error."""
    resolved: list[Resolved] = []
    # the attribute expressions run for the case, so helpers that ask about it work there too
    # (``${group_members('x')[0]}``, ``${chair('ka')}``); what they would send is dropped: an
    # assignment expression sends nothing and involves no one
    with running_case(session, loaded.id, loaded.organisation_id, loaded.parties):
        for task in new:
            try:
                assignment = engine.resolve_assignment(task.meta, task.data, now)
                problem = None
            except ScriptFailed as exc:
                assignment = Assignment(candidate_groups=(), assignee=None, due_at=None, priority=50)
                problem = exc.message
            resolved.append((task, assignment, problem))
    return resolved


def _task_row(
    loaded: LoadedInstance, task: ReadyTask, assignment: Assignment, assignee_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "id": task.id,
        "instance_id": loaded.id,
        "bpmn_id": task.bpmn_id,
        "title": task.title,
        "process_key": loaded.process_key,
        "business_key": loaded.business_key,
        "state": "open",
        "candidate_groups": list(assignment.candidate_groups),
        "assignee_id": assignee_id,
        "named_assignee_id": assignee_id,
        "due_at": assignment.due_at,
        "priority": assignment.priority,
        "created_at": now,
        "claimed_at": now if assignee_id else None,
        "data": task.data,
    }


def _task_record(
    loaded: LoadedInstance, task: ReadyTask, assignment: Assignment, assignee_id: int | None, now: datetime
) -> TaskInfo:
    return TaskInfo(
        id=task.id,
        name=task.bpmn_id,
        title=task.title,
        process_instance_id=loaded.id,
        process_key=loaded.process_key,
        business_key=loaded.business_key,
        assignee=assignment.assignee if assignee_id else None,
        candidate_groups=assignment.candidate_groups,
        created_at=now,
        due_at=assignment.due_at,
        priority=assignment.priority,
        state="open",
        claimed_at=now if assignee_id else None,
    )


def _created_event(task: ReadyTask, assignment: Assignment, problem: str | None, now: datetime) -> PendingEvent:
    data: dict[str, Any] = {"candidate_groups": list(assignment.candidate_groups)}
    if assignment.due_at:
        data["due_at"] = assignment.due_at.isoformat()
    if assignment.assignee:
        data["assignee"] = assignment.assignee
    if assignment.candidate_users:
        data["candidate_users"] = list(assignment.candidate_users)
    if problem:
        data["assignment_error"] = problem
    return PendingEvent(now, None, "task_created", task.id, task.bpmn_id, task.title, data)


def _never_to_nobody(
    resolved: list[tuple[ReadyTask, Assignment, str | None]], user_ids: dict[str, int], group_ids: dict[str, int]
) -> list[tuple[ReadyTask, Assignment, str | None]]:
    """A task whose assignee, groups and users are all unknown here (Camunda's ``demo`` user, say), or whose
    assignment failed, goes to its process's default group instead of nobody (deploy warned)."""
    found = []
    for task, assignment, problem in resolved:
        reachable = (assignment.assignee in user_ids or any(g in group_ids for g in assignment.candidate_groups)
                     or any(u in user_ids for u in assignment.candidate_users))
        if not reachable:
            assignment = replace(assignment, candidate_groups=(task.meta.fallback_group,))
        found.append((task, assignment, problem))
    return found


def _user_ids(session: sa.orm.Session, usernames: set[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = session.execute(sa.select(User.username, User.id).where(User.username.in_(usernames)))
    return {r.username: r.id for r in rows}
