"""Conditional events as Camunda 7 runs them: a condition is evaluated again whenever variables change.

SpiffWorkflow evaluates a conditional event's condition once, when the event is reached, against the
data its task had then; a boundary or intermediate event that was not met then waits forever, and a
condition reading a variable not set yet failed the case (Camunda's order-handling example). Here

- a variable that is not set (``NameError``, a missing property: ``KeyError``) means "not met yet"
  (``casework.engine.scripting.CaseScriptEngine``), never a failure;
- after every engine run, and before a task whose completion sets variables runs on, each waiting
  conditional event is evaluated against the case's current variables (:func:`refresh_conditions`)
  when they changed since it was last evaluated. A met interrupting boundary event then cancels its
  activity as in Camunda: variables set by completing a task inside a subprocess trigger the
  subprocess's conditional boundary event before the subprocess ends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.util.task import TaskState

_SEEN = "fallwerk_condition_seen"
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def waits_for_condition(task: Any) -> bool:
    """Whether ``task`` is a conditional event."""
    return isinstance(getattr(task.task_spec, "event_definition", None), ConditionalEventDefinition)


def _waiting(wf: Any) -> list[Any]:
    tasks = list(wf.event_manager.tasks.values())
    return [t for t in tasks if t.state == TaskState.WAITING and waits_for_condition(t)]


def _current_variables(wf: Any, waiting: list[Any]) -> dict[str, Any]:
    """The case's variables now: the data of its active tasks (the conditional events' own copies,
    taken when they were reached, left out)."""
    skip = {t.id for t in waiting}
    variables: dict[str, Any] = {}
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.tasks.values():
            if task.state & _ACTIVE and task.id not in skip:
                variables.update(task.data)
    return variables


def _fingerprint(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def refresh_conditions(wf: Any, changed: Mapping[str, Any] | None = None) -> bool:
    """Evaluate every waiting conditional event whose variables changed; True if one was met.

    ``changed`` are variables being set right now (a task's result before it runs on). A met event
    becomes READY with the current variables as its data; the next engine run takes its path.
    """
    waiting = _waiting(wf)
    if not waiting:
        return False
    current = {**_current_variables(wf, waiting), **(changed or {})}
    met = False
    for task in waiting:
        context = {**task.data, **current}
        mark = _fingerprint(context)
        if task.internal_data.get(_SEEN) == mark:
            continue
        task.internal_data[_SEEN] = mark
        before = task.data
        task.data = dict(context)
        task.task_spec._update(task)  # evaluates the condition; READY when met
        if task.state == TaskState.WAITING:
            task.data = before
        else:
            met = True
    return met


def run_on(wf: Any, task: Any, run: Callable[[], Any], step: Callable[[Any], None]) -> None:
    """Let ``task``, whose values were just set, go on (``run``) and advance the case (``step``).

    The values set may meet a conditional event first; an interrupting one cancels the task (a
    boundary event of it or of a subprocess around it), which then does not go on.
    """
    waiting_state = task.state
    if refresh_conditions(wf, task.data):
        step(wf)
    if task.state == waiting_state:
        run()
    step(wf)


def arm_conditional_subprocesses(specs: list[Any], subprocess_specs: Mapping[str, Any]) -> None:
    """Event subprocesses whose start event is conditional wait from the start of their scope, like
    timer ones: SpiffWorkflow only starts them when a thrown event triggers them, which a condition
    never is. Idempotent (a spec from the cache may come by again)."""
    for spec in specs:
        start = spec.start
        for name in list(getattr(start, "trigger_specs", ())):
            event_subprocess = spec.task_specs.get(name)
            sub = subprocess_specs.get(getattr(event_subprocess, "spec", None) or "")
            starts = getattr(sub, "bpmn_start_events", ()) if sub is not None else ()
            if not any(isinstance(s.event_definition, ConditionalEventDefinition) for s in starts):
                continue
            start.trigger_specs.remove(name)
            start.connect(event_subprocess)
            event_subprocess.connect(spec.end)
