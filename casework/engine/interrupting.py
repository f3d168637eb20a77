"""Interrupting event subprocesses: when one starts, the rest of its scope is cancelled.

SpiffWorkflow 3.2 starts an event subprocess when its start event fires but leaves the scope's other
work running, interrupting or not; BPMN says an interrupting one (``isInterrupting`` true, the
default) cancels it. The parser marks such subprocess specs; after each engine run this module
cancels the scope's other branches once the subprocess's start event has fired.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from .xmlsafe import NSMAP

INTERRUPTING_ATTR = "fallwerk_interrupting"
_DONE_KEY = "fallwerk_interrupted"


def is_interrupting(node: etree._Element) -> bool:
    """Whether an event subprocess's start event interrupts (BPMN's default is true)."""
    starts = node.xpath("./bpmn:startEvent", namespaces=NSMAP)
    return any(s.get("isInterrupting", "true") == "true" for s in starts)


def _fired(wf: Any, task: Any) -> bool:
    """Whether the start event inside the event subprocess has fired (its subworkflow went past it)."""
    sub = wf.subprocesses.get(task.id)
    if sub is None:
        return False
    return any(isinstance(t.task_spec, StartEvent) and t.state == TaskState.COMPLETED for t in sub.tasks.values())


def apply_interrupting(wf: Any, tasks: list[Any]) -> bool:
    """Cancel the other branches of each scope whose interrupting event subprocess has just started;
    returns whether anything was cancelled (the engine then runs again)."""
    cancelled = False
    for task in tasks:
        if not getattr(task.task_spec, INTERRUPTING_ATTR, False) or task.internal_data.get(_DONE_KEY):
            continue
        if task.state != TaskState.STARTED or not _fired(wf, task):
            continue
        task.internal_data[_DONE_KEY] = True
        parent = task.parent
        for sibling in list(parent.children if parent is not None else []):
            if sibling is not task:
                cancelled = _cancel_open(sibling) or cancelled
    return cancelled


def was_interrupted(wf: Any) -> bool:
    """Whether an interrupting event subprocess of the process has taken over its scope."""
    return any(t.internal_data.get(_DONE_KEY) for t in wf.tasks.values())


def _cancel_open(branch: Any) -> bool:
    """Cancel every unfinished task of a branch (a finished start event leads on to open work)."""
    if not branch.has_state(TaskState.FINISHED_MASK):
        branch.cancel()  # cancels its children too
        return True
    found = False
    for child in list(branch.children):
        found = _cancel_open(child) or found
    return found
