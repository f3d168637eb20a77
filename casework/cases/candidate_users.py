"""Tasks offered to named users (``camunda:candidateUsers``), beside those offered to groups.

Each user a task names -- a literal list, or an expression giving a name or a list of names -- is
offered the task: one ``task_candidate_users`` row per (open task, known user), with the sort keys,
so "Gruppenaufgaben" stay one index range scan per user (``ix_task_candidate_users_inbox``). A
candidate user may claim and complete the task (separation of duties, ``AccessService.may_work_on``)
and, while it is offered to them, sees its case (need to know). A substitute (Vertretung) is offered
the tasks offered to the absent colleague. Unknown names are a deploy warning at the element (the
repository) and are left out at run time; a task that reaches no one goes to the process's default
group (``casework.cases.sync``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from casework.cases.direct import Direct
from casework.records import Actor
from models import TaskCandidateUser, User

CANDIDATE_USERS = TaskCandidateUser.__table__
_DELETE = Direct(sa.delete(CANDIDATE_USERS).where(CANDIDATE_USERS.c.task_id == sa.bindparam("b_id")))
_INSERT = Direct(sa.insert(CANDIDATE_USERS))


def offered_task_ids(actor: Actor) -> Any:
    """SELECT of the ids of the open tasks offered to the actor by name (or to whom they stand in for)."""
    return sa.select(CANDIDATE_USERS.c.task_id).where(CANDIDATE_USERS.c.user_id.in_(sorted(actor.offered_as)))


def is_named(task_id: Any) -> Any:
    """SQL condition: the task (a column or value) is offered to someone by name."""
    return sa.exists().where(CANDIDATE_USERS.c.task_id == task_id)


def rows_for(task_id: str, user_ids: Iterable[int], due_at: Any, priority: int) -> list[dict[str, Any]]:
    return [{"task_id": task_id, "user_id": u, "due_at": due_at, "priority": priority}
            for u in dict.fromkeys(user_ids)]


def write(conn: sa.Connection, closed: list[str], new_rows: list[dict[str, Any]]) -> None:
    """Rows exist only while their task is open: closed tasks lose theirs, new ones get theirs."""
    if closed:
        _DELETE.execute(conn, [{"b_id": t} for t in closed])
    if new_rows:
        _INSERT.execute(conn, new_rows)


def user_ids_by_task(session: sa.orm.Session, task_ids: list[str]) -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    if task_ids:
        for row in session.execute(sa.select(CANDIDATE_USERS.c.task_id, CANDIDATE_USERS.c.user_id)
                                   .where(CANDIDATE_USERS.c.task_id.in_(task_ids))):
            found.setdefault(row.task_id, set()).add(row.user_id)
    return {task_id: frozenset(users) for task_id, users in found.items()}


def names_by_task(session: sa.orm.Session, task_ids: list[str]) -> dict[str, tuple[str, ...]]:
    """The user names each open task is offered to by name, sorted (one query for a page of tasks)."""
    found: dict[str, list[str]] = {}
    if task_ids:
        for row in session.execute(
            sa.select(CANDIDATE_USERS.c.task_id, User.username)
            .join(User, User.id == CANDIDATE_USERS.c.user_id)
            .where(CANDIDATE_USERS.c.task_id.in_(task_ids)).order_by(User.username)
        ):
            found.setdefault(row.task_id, []).append(row.username)
    return {task_id: tuple(names) for task_id, names in found.items()}
