"""Reading an instance: what the services persist after an engine call (``Snapshot``), the open
human tasks, and the element states the case page draws. Pure reads of a ``BpmnWorkflow``;
``Engine`` offers them as methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from casework.presentation import render_title
from casework.records import FormSpec

from .external import EXTERNAL_TOPIC_ATTR
from .parser import META_ATTR, ProcessModel, UserTaskMeta

Workflow: TypeAlias = BpmnWorkflow

# Kept in the root task's internal_data, which SpiffWorkflow serializes, so an error reported by
# step() is still visible after dump()/restore() in a later request.
ERROR_KEY = "fallwerk_error"


@dataclass(frozen=True)
class ReadyTask:
    id: str
    bpmn_id: str
    title: str
    data: dict[str, Any]
    meta: UserTaskMeta


@dataclass(frozen=True)
class Snapshot:
    status: str  # "running" | "completed" | "error"
    ready_tasks: tuple[ReadyTask, ...]
    variables: dict[str, Any]
    outcome: str | None
    error_element: str | None
    error_message: str | None
    all_task_states: dict[str, str]


def json_safe(value: Any) -> Any:
    """A copy of task data that ``json.dumps`` accepts (dates as ISO strings, sets as lists)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def all_tasks(wf: BpmnWorkflow) -> Iterator[SpiffTask]:
    """Every task of the instance and its subprocesses, without ``get_tasks``' depth limit.

    ``get_tasks`` stops at depth 1000, which is exactly where a gateway loop stalls (guide §3).
    """
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


def snapshot(wf: Workflow, model: ProcessModel) -> Snapshot:
    """Everything the services persist after an engine call: status, open tasks, variables."""
    error = wf.task_tree.internal_data.get(ERROR_KEY)
    tasks = list(all_tasks(wf))
    errored = [t for t in tasks if t.state == TaskState.ERROR]
    if error is None and errored:
        error = {"element": errored[0].task_spec.bpmn_id, "message": "a task failed"}
    # is_completed() walks the tree with get_tasks' depth limit, so a stalled loop looks "completed".
    active = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    completed = wf.is_completed() and not any(t.state & active for t in tasks)
    status = "error" if error else "completed" if completed else "running"
    ready, states = [], {}
    for task in tasks:
        if not task.task_spec.manual:
            continue
        if task.state == TaskState.READY:
            ready.append(_ready_task(task, model))
        elif task.state in (TaskState.COMPLETED, TaskState.CANCELLED):
            states[str(task.id)] = TaskState.get_name(task.state)
    if completed:
        variables = json_safe(wf.data)
    else:
        variables = {}
        for task in tasks:
            if task.state & active:
                variables.update(json_safe(task.data))
        if not variables:
            variables = json_safe(wf.task_tree.data)
    outcome = variables.get("outcome")
    return Snapshot(
        status=status,
        ready_tasks=tuple(ready),
        variables=variables,
        outcome=None if outcome is None else str(outcome),
        error_element=error["element"] if error else None,
        error_message=error["message"] if error else None,
        all_task_states=states,
    )


def open_human_tasks(wf: Workflow) -> dict[str, tuple[str, str]]:
    """READY human tasks as {task id: (bpmn id, title)}: the task rows that are open right now."""
    return {
        str(t.id): (t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id)
        for t in all_tasks(wf)
        if t.task_spec.manual and t.state == TaskState.READY
    }


def diagram_state(wf: Workflow) -> dict[str, list[str]]:
    """BPMN element ids by how far the case got, for the diagram on the case page: ``completed``,
    ``active`` (human tasks someone has to do), ``waiting`` (timers, messages, other events) and
    ``failed``. An element passed before and reached again (a loop) counts only as its current state.
    """
    found: dict[str, dict[str, None]] = {k: {} for k in ("completed", "active", "waiting", "failed")}
    for task in all_tasks(wf):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:  # the engine's own bookkeeping tasks (Root, Start, End) are not drawn
            continue
        if task.state == TaskState.COMPLETED:
            found["completed"][bpmn_id] = None
        elif task.state == TaskState.ERROR:
            found["failed"][bpmn_id] = None
        elif task.state in (TaskState.READY, TaskState.STARTED):
            found["active" if task.task_spec.manual else "waiting"][bpmn_id] = None
        elif task.state == TaskState.WAITING:
            found["waiting"][bpmn_id] = None
    current = found["active"].keys() | found["waiting"].keys() | found["failed"].keys()
    return {
        kind: [i for i in ids if kind != "completed" or i not in current] for kind, ids in found.items()
    }


def _ready_task(task: SpiffTask, model: ProcessModel) -> ReadyTask:
    spec = task.task_spec
    meta = getattr(spec, META_ATTR, None) or model.user_tasks.get(spec.bpmn_id)
    if meta is None:  # a human task from a spec we did not parse; still show it
        meta = UserTaskMeta(
            spec.bpmn_id,
            spec.bpmn_name or spec.bpmn_id,
            spec.documentation,
            None,
            None,
            None,
            None,
            FormSpec(),
        )
    data = json_safe(task.data)
    title = meta.title
    if meta.title_template:
        title = render_title(meta.title_template, data, model.options, meta.title)
    return ReadyTask(id=str(task.id), bpmn_id=spec.bpmn_id, title=title, data=data, meta=meta)


ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def can_move(task: SpiffTask) -> bool:
    """Whether this task lets its case go on some day: a human task someone can do, a waiting event
    (timer, message), or an external task a worker fetches."""
    if task.state == TaskState.READY and task.task_spec.manual:
        return True
    if task.state == TaskState.WAITING:
        # an event (timer, message, signal) can come; a joining gateway only waits for its branches
        return getattr(task.task_spec, "event_definition", None) is not None
    return task.state == TaskState.STARTED and getattr(task.task_spec, EXTERNAL_TOPIC_ATTR, None) is not None
