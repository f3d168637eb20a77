"""What an instance waits for: timer events (with due times) and messages (with correlation keys).

Read from SpiffWorkflow's list of waiting event tasks only, never the whole task tree: the service
layer syncs timer rows and message subscriptions after every step, which must stay cheap. The
:class:`~casework.engine.runner.Engine` offers these as methods and does the firing and delivering.
"""

from __future__ import annotations

import ast
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import message_subprocesses


class WaitingTimer(NamedTuple):
    """A timer event the instance waits on: engine task id, BPMN element id, due instant (UTC), kind."""

    task_id: str
    element_id: str
    due_at: datetime
    kind: str  # "duration" | "date" | "cycle"


class WaitingMessage(NamedTuple):
    """A message the instance waits for, with the key value it expects (None: any key)."""

    name: str
    correlation_key: str | None
    element_id: str


# A timer fires when its due time has passed; SpiffWorkflow compares with "<", the scheduler's
# query with "<=", so firing looks a microsecond ahead and a timer due exactly now fires now.
TICK = timedelta(microseconds=1)
# each refresh fires at most one cycle of a cycle timer (guide §3); a scheduler that was down for
# days catches up one cycle per round, up to this many in one call
MAX_CATCH_UP = 100
_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]")

# (timer, cycles left) per engine task id, taken before firing
Marks = dict[str, tuple[WaitingTimer, int | None]]


def _element(task: SpiffTask) -> str:
    return str(task.task_spec.bpmn_id or task.task_spec.name)


def _task(wf: Any, task_id: str) -> SpiffTask | None:
    try:
        return wf.get_task_from_id(uuid.UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        return None


def timer_kind(definition: TimerEventDefinition) -> str:
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    if isinstance(definition, TimeDateEventDefinition):
        return "date"
    return "duration"


# --- timers ---------------------------------------------------------------------------------


def waiting_timers(wf: Any) -> list[WaitingTimer]:
    """The timer events the instance waits on, with their due time (UTC)."""
    timers = []
    for task in wf.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):  # a cycle: {"cycles": left, "next": iso, "duration": seconds}
            value = value.get("next") if value.get("cycles") != 0 else None
        if not isinstance(value, str) or not value:
            continue  # not reached yet: the due time is computed when the event is reached
        try:
            due = TimerEventDefinition.get_datetime(value)
        except ValueError:
            continue
        timers.append(WaitingTimer(str(task.id), _element(task), due.astimezone(UTC), timer_kind(definition)))
    return timers


def timer_fired(wf: Any, task_id: str) -> bool:
    """Whether a timer the instance waited on has fired, rather than been cancelled or removed.

    A fired timer event is COMPLETED; a cycle timer that fired keeps waiting for its next cycle.
    """
    task = _task(wf, task_id)
    return task is not None and task.state in (TaskState.COMPLETED, TaskState.WAITING)


def timer_element(wf: Any, task_id: str) -> tuple[str | None, str | None]:
    """The BPMN element id and timer kind of a timer event task; (None, None) if it is gone."""
    task = _task(wf, task_id)
    definition = getattr(task.task_spec, "event_definition", None) if task is not None else None
    if task is None or not isinstance(definition, TimerEventDefinition):
        return None, None
    return _element(task), timer_kind(definition)


def _cycle_value(wf: Any, task_id: str) -> dict[str, Any] | None:
    task = _task(wf, task_id)
    value = task.internal_data.get("event_value") if task is not None else None
    return value if isinstance(value, dict) else None


def _cycles_left(wf: Any, task_id: str) -> int | None:
    """Cycles a cycle timer has still to fire (negative: counting down from an unbounded R/...)."""
    cycles = (_cycle_value(wf, task_id) or {}).get("cycles")
    return cycles if isinstance(cycles, int) else None


def timer_marks(wf: Any) -> Marks:
    return {t.task_id: (t, _cycles_left(wf, t.task_id)) for t in waiting_timers(wf)}


def fired_since(wf: Any, before: Marks, now: datetime) -> list[WaitingTimer]:
    """The firings since ``before``: one entry per cycle of a cycle timer, with that cycle's due time."""
    fired: list[WaitingTimer] = []
    after = {t.task_id: t for t in waiting_timers(wf)}
    for task_id, (timer, cycles) in before.items():
        if timer.kind == "cycle" and cycles is not None:
            left = _cycles_left(wf, task_id)
            # do_engine_steps refreshes timers too, so one step may have fired several cycles
            count = cycles - (left if left is not None else 0)
            every = timedelta(seconds=float((_cycle_value(wf, task_id) or {}).get("duration") or 0))
            fired += [timer._replace(due_at=timer.due_at + i * every) for i in range(max(count, 0))]
        elif after.get(task_id) != timer and timer.due_at <= now and timer_fired(wf, task_id):
            fired.append(timer)
    return fired


# --- messages -------------------------------------------------------------------------------


def message_variable(name: str) -> str:
    """The process variable a received message's payload is stored under: its name as an identifier."""
    variable = _NOT_IDENTIFIER.sub("_", name.strip()) or "message"
    return f"message_{variable}" if variable[0].isdigit() else variable


def _expected_key(wf: Any, task: SpiffTask, definition: MessageEventDefinition) -> str | None:
    return message_subprocesses.expected_key(wf, definition, task.data)


def waiting_messages(wf: Any) -> list[WaitingMessage]:
    """The messages the instance waits for and the correlation key value each expects.

    The key is the message's correlation property expression evaluated against the waiting task's
    data (the case's variables): a process that waits for ``resolution_received`` correlated by
    ``file_number`` expects the value of its variable ``file_number``. Several properties give
    their values joined by ``|``; a message without correlation properties expects no key (None).
    """
    waiting = [
        WaitingMessage(task.task_spec.event_definition.name,
                       _expected_key(wf, task, task.task_spec.event_definition), _element(task))
        for task in wf.event_manager.tasks.values()
        if isinstance(task.task_spec.event_definition, MessageEventDefinition)
    ]
    starts = message_subprocesses.message_start_specs(wf)  # event subprocesses a message starts
    if starts:
        data = message_subprocesses.case_data(wf)
        waiting += [WaitingMessage(s.event_definition.name, message_subprocesses.expected_key(
            wf, s.event_definition, data), str(s.bpmn_id or s.name)) for s in starts]
    return waiting


def message_catchers(wf: Any, name: str, correlation_key: str | None) -> list[SpiffTask]:
    return [
        task for task in list(wf.event_manager.tasks.values())
        if isinstance(task.task_spec.event_definition, MessageEventDefinition)
        and task.task_spec.event_definition.name == name
        and _expected_key(wf, task, task.task_spec.event_definition) == correlation_key
    ]


def _names(expression: str) -> set[str]:
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def message_event(wf: Any, task: SpiffTask, name: str, payload: dict[str, Any]) -> BpmnEvent:
    """The event SpiffWorkflow's (Camunda) message catch takes: the payload under ``result_var``.

    Built from the spec's own event definition (guide §3). The correlation expressions read the
    case's own values, so the key the engine derives equals the one matched in
    :func:`message_catchers` (SpiffWorkflow compares them again).
    """
    definition = task.task_spec.event_definition
    names: set[str] = set()
    for prop in definition.correlation_properties:
        names |= _names(prop.retrieval_expression or "")
    context = {n: task.data[n] for n in names if n in task.data}
    context.update(payload=payload, result_var=message_variable(name))
    correlations = definition.calculate_correlations(wf.script_engine, definition.correlation_properties, context)
    return BpmnEvent(definition, context, correlations)
