"""External tasks in the engine: service tasks (``camunda:type="external"``) that wait for a worker.

SpiffWorkflow runs a service task by calling its spec's ``_execute``, which does nothing for these,
so the task stays STARTED: that is the wait. A worker's answer completes it, throws a BPMN error at
it (caught by an error boundary event of the task or around it), or fails the case as an incident.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from casework.clock import Clock
from casework.errors import Conflict

from .conditions import run_on
from .timing import engine_time
from .xmlsafe import CAMUNDA_NS

EXTERNAL_TOPIC_ATTR = "fallwerk_external_topic"


@dataclass(frozen=True)
class ExternalWork:
    """One external task waiting for a worker."""

    id: str
    element_id: str
    topic: str


def mark_external(spec: Any, node: Any) -> Any:
    """A service task spec; an external one (camunda:type="external") keeps its topic on it."""
    if node.get(f"{{{CAMUNDA_NS}}}type") == "external":
        setattr(spec, EXTERNAL_TOPIC_ATTR, node.get(f"{{{CAMUNDA_NS}}}topic"))
    return spec


def external_topics(specs: list[Any]) -> tuple[str, ...]:
    """The topics of the external tasks of a process and its subprocesses."""
    return tuple(sorted({str(getattr(t, EXTERNAL_TOPIC_ATTR)) for c in specs for t in c.task_specs.values()
                         if getattr(t, EXTERNAL_TOPIC_ATTR, None)}))


def topic_of(task: SpiffTask) -> str | None:
    return getattr(task.task_spec, EXTERNAL_TOPIC_ATTR, None)


def waiting_external(tasks: list[SpiffTask]) -> list[ExternalWork]:
    return [
        ExternalWork(str(t.id), t.task_spec.bpmn_id, str(topic_of(t)))
        for t in tasks
        if t.state == TaskState.STARTED and topic_of(t) is not None
    ]


def external_task(wf: Any, task_id: str) -> SpiffTask:
    """The waiting external task ``task_id`` of ``wf``.

    Raises:
        Conflict: no such task, or it no longer waits.
    """
    try:
        task = wf.get_task_from_id(uuid.UUID(str(task_id)))
    except (ValueError, SpiffWorkflowException):
        raise Conflict("Die externe Aufgabe gehört nicht (mehr) zu diesem Fall.") from None
    if task.state != TaskState.STARTED or topic_of(task) is None:
        raise Conflict("Die externe Aufgabe wartet nicht mehr.")
    return task


def throw_bpmn_error(wf: Any, task: SpiffTask, error_code: str, variables: dict[str, Any]) -> None:
    """Throw the BPMN error ``error_code`` at the task: an error event catching it (of the task, or
    around it) cancels the task and takes its path when the engine next runs."""
    task.data.update(json.loads(json.dumps(variables)))
    definition = ErrorEventDefinition(error_code, code=error_code)
    wf.catch(BpmnEvent(definition, payload=dict(task.data), target=task.workflow))


class ExternalTasksMixin:
    """The Engine's external task methods (casework.engine.runner.Engine)."""

    _clock: Clock

    def step(self, wf: Any) -> None: ...  # provided by Engine

    @staticmethod
    def _record(wf: Any, element: str | None, message: str) -> None: ...  # provided by Engine

    @staticmethod
    def external_tasks(wf: Any) -> list[ExternalWork]:
        """The external tasks waiting for a worker."""
        tasks = [*wf.tasks.values(), *(t for sub in wf.subprocesses.values() for t in sub.tasks.values())]
        return waiting_external(tasks)

    def complete_external(self, wf: Any, task_id: str, variables: dict[str, Any]) -> str:
        """A worker's result: merge its variables and go on. Returns the element id.

        Raises:
            Conflict: the task no longer waits.
        """
        task = external_task(wf, task_id)
        with engine_time(self._clock.now):
            task.data.update(json.loads(json.dumps(variables)))
            run_on(wf, task, task.complete, self.step)  # a conditional event may be met first
        return str(task.task_spec.bpmn_id)

    def external_error(self, wf: Any, task_id: str, code: str, variables: dict[str, Any]) -> bool:
        """A worker's BPMN error: an error event catching ``code`` takes over; none is an incident.

        Raises:
            Conflict: the task no longer waits.
        """
        task = external_task(wf, task_id)
        with engine_time(self._clock.now):
            throw_bpmn_error(wf, task, code, variables)
            self.step(wf)  # the catching boundary event cancels the task as it runs
        caught = bool(task.state != TaskState.STARTED)
        if not caught:
            self._record(wf, task.task_spec.bpmn_id, f"the worker reported the BPMN error '{code}' at "
                         f"'{task.task_spec.bpmn_name or task.task_spec.bpmn_id}', which no error event catches")
        return caught

    def external_incident(self, wf: Any, task_id: str, message: str) -> None:
        """A worker failed with no retries left: the case becomes an incident at the task.

        Raises:
            Conflict: the task no longer waits.
        """
        task = external_task(wf, task_id)
        name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
        self._record(wf, task.task_spec.bpmn_id,
                     f"the external task '{name}' failed and has no retries left: {message}")
