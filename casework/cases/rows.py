"""Rows to records: task and instance rows become the frozen records callers get; list bounds.

Shared by the runtime (a case and its open tasks) and the task service (inboxes), so neither has to
import the other for it. Imports models, records and SQLAlchemy only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa

from casework.records import InstanceInfo, TaskInfo
from models import HumanTask, Organisation, ProcessDefinition, ProcessInstance, TaskCandidateUser, User

MAX_PER_PAGE = 200
# the largest page the API accepts (nine digits); the page asked for is the page answered, however
# far past the end, and its OFFSET (at most ~2e11 rows) stays within a 64-bit integer
MAX_PAGE = 999_999_999


class StatementCache:
    """Statements of the hot read paths, built once per distinct input and kept in this process.

    Building a SELECT (and its SQLAlchemy cache key) costs more than running it on SQLite. The key
    must name EVERYTHING the statement is built from (e.g. the actor, the filters): equal keys give
    the same statement, so nothing read from the database is kept here, and permissions are still
    resolved per request. A full cache starts over (a few hundred statements at most).
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._built: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        statement = self._built.get(key)
        if statement is None:
            statement = build()
            with self._lock:
                if len(self._built) >= self.size:
                    self._built.clear()
                self._built[key] = statement
        return statement


# a task's columns without its input data (read by the task page only): plain rows, no ORM objects,
# for the lists; the column names are the attribute names the records are made from
TASK_COLUMNS = tuple(column for column in HumanTask.__table__.c if column.key != "data")
OPEN_TASKS = (
    sa.select(*TASK_COLUMNS)
    .where(HumanTask.instance_id == sa.bindparam("instance_id"), HumanTask.state == "open")
    .order_by(HumanTask.created_at)
)


def instance_statement(visible: Any) -> Any:
    """A case (``:instance_id``) with its process's name and hash and its organisation's name, if ``visible``."""
    return (
        sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name, ProcessDefinition.content_hash)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Organisation, Organisation.id == ProcessInstance.organisation_id)
        .where(ProcessInstance.id == sa.bindparam("instance_id"), visible)
    )


def page_window(page: int, per_page: int) -> tuple[int, int]:
    """Page and page size within bounds: a page past any real list must not overflow an OFFSET."""
    return min(max(1, page), MAX_PAGE), min(max(1, per_page), MAX_PER_PAGE)


def assignee_names(session: sa.orm.Session, tasks: Any) -> dict[int, str]:
    ids = {t.assignee_id for t in tasks if t.assignee_id} | {
        t.completed_by_id for t in tasks if t.completed_by_id
    }
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def instance_info(
    row: ProcessInstance, process_name: str, organisation: str | None, open_tasks: tuple[TaskInfo, ...]
) -> InstanceInfo:
    return InstanceInfo(
        id=row.id,
        process_key=row.process_key,
        process_name=process_name,
        version=row.definition_version,
        status=row.status,
        business_key=row.business_key,
        variables=row.variables or {},
        started_at=row.started_at,
        ended_at=row.ended_at,
        outcome=row.outcome,
        started_by=row.started_by,
        organisation=organisation,
        error_message=row.error_message,
        error_element=row.error_element,
        open_tasks=open_tasks,
        lock_version=row.lock_version,
    )


def task_info(
    task: Any,
    names: dict[int, str],
    *,
    form: Any = None,
    form_values: dict[str, Any] | None = None,
    documentation: str | None = None,
    candidate_users: tuple[str, ...] = (),
) -> TaskInfo:
    return TaskInfo(
        id=task.id,
        name=task.bpmn_id,
        title=task.title,
        process_instance_id=task.instance_id,
        process_key=task.process_key,
        business_key=task.business_key,
        assignee=names.get(task.assignee_id) if task.assignee_id else None,
        candidate_groups=tuple(task.candidate_groups or ()),
        created_at=task.created_at,
        due_at=task.due_at,
        priority=task.priority,
        state=task.state,
        completed_at=task.completed_at,
        completed_by=names.get(task.completed_by_id) if task.completed_by_id else None,
        claimed_at=task.claimed_at,
        escalated_at=task.escalated_at,
        documentation=documentation,
        form=form,
        form_values=form_values,
        candidate_users=candidate_users,
    )


# whether a task is offered to someone by name (camunda:candidateUsers): only those need the names read
_OFFERED_BY_NAME = sa.exists().where(TaskCandidateUser.task_id == HumanTask.id).label("offered_by_name")


def page_of_tasks(session: sa.orm.Session, statements: StatementCache, key: Any, conditions: Any, order: Any,
                  page: int, per_page: int) -> tuple[list[Any], int]:
    """A page of task rows (with ``offered_by_name``) and the count of all matches in one statement (a
    window), not a count and a page; the statement kept under ``key`` (None: built now) from ``conditions()``."""
    t = HumanTask

    def build() -> Any:
        return (sa.select(*TASK_COLUMNS, _OFFERED_BY_NAME, sa.func.count().over()).where(*conditions())
                .order_by(*order).limit(per_page).offset((page - 1) * per_page))

    found = session.connection().execute(build() if key is None else statements.get(key, build)).all()
    if found:
        return list(found), int(found[0][-1])
    return [], 0 if page == 1 else session.scalar(sa.select(sa.func.count()).select_from(t).where(*conditions())) or 0
