"""Event subprocesses started by a message, delivered by ``POST /api/v1/messages``.

SpiffWorkflow 3.2 does not wait for the start event of such an event subprocess with a task: it
keeps the subprocess among the process start's ``trigger_specs`` and starts it when a matching
event is caught. So a case never listed it among its waiting messages, and a message for it found
no case. Here such a start event counts as a message the case waits for while its process runs (as
long as no interrupting event subprocess has taken over the scope), with the correlation key its
correlation properties give for the case's variables -- the same rule as for catch events
(:mod:`casework.engine.events`). Delivering it hands SpiffWorkflow the event built from the start
event's own definition; the subprocess starts with the case's current variables and the payload
under the message's variable; interrupting or not is then :mod:`casework.engine.interrupting`'s.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from casework.errors import Problem

from .interrupting import was_interrupted
from .xmlsafe import NSMAP

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def case_data(wf: Any) -> dict[str, Any]:
    """The case's variables as the open work sees them (the data of its active tasks)."""
    data: dict[str, Any] = {}
    for workflow in [wf, *wf.subprocesses.values()]:
        for task in workflow.tasks.values():
            if task.state & _ACTIVE:
                data.update(task.data)
    return data or dict(wf.task_tree.data)


def message_start_specs(wf: Any) -> list[Any]:
    """The message start events of the process's event subprocesses a message may start now."""
    if wf.is_completed():
        return []
    found = []
    for name in getattr(wf.spec.start, "trigger_specs", ()):
        sub_spec = wf.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", ()) if sub_spec is not None else ():
            if isinstance(start.event_definition, MessageEventDefinition):
                found.append(start)
    return [] if not found or was_interrupted(wf) else found


def expected_key(wf: Any, definition: MessageEventDefinition, data: dict[str, Any]) -> str | None:
    """The key a message must carry: its correlation properties' values for the case (None: no key)."""
    if not definition.correlation_properties:
        return None
    values = []
    for prop in definition.correlation_properties:
        try:
            value = wf.script_engine.environment.evaluate(prop.retrieval_expression, dict(data))
        except Exception:  # noqa: BLE001 - the variable the key is made of is not set (yet)
            return None
        values.append("" if value is None else str(value))
    return "|".join(values)


def starting(wf: Any, name: str, correlation_key: str | None) -> list[Any]:
    """The message start events ``name`` with ``correlation_key`` would start now."""
    data = case_data(wf)
    return [
        start for start in message_start_specs(wf)
        if start.event_definition.name == name and expected_key(wf, start.event_definition, data) == correlation_key
    ]


def start_event(wf: Any, start: Any, payload: dict[str, Any], variable: str) -> BpmnEvent:
    """The event that starts the subprocess of ``start``; the subprocess begins with the case's
    current variables (SpiffWorkflow would give it those the case started with)."""
    data = case_data(wf)
    wf.task_tree.data.update(copy.deepcopy(data))
    definition = start.event_definition
    context = dict(data)
    context.update(payload=payload, result_var=variable)
    correlations = definition.calculate_correlations(wf.script_engine, definition.correlation_properties, context)
    # SpiffWorkflow evaluates the correlation properties again on the event's payload when it catches
    return BpmnEvent(definition, context, correlations)


def nested_start_problems(process: etree._Element, file: str) -> list[Problem]:
    """A warning at each message-started event subprocess inside another subprocess: only the
    process's own event subprocesses are started by ``POST /api/v1/messages``."""
    nested = process.xpath(
        ".//bpmn:subProcess//bpmn:subProcess[@triggeredByEvent='true']"
        "[bpmn:startEvent/bpmn:messageEventDefinition]", namespaces=NSMAP)
    return [Problem(file, sub.get("id"), "an event subprocess started by a message inside a subprocess is "
                    "never started here: only the process's own event subprocesses receive messages; move it "
                    "to the process level", "warning") for sub in nested]
