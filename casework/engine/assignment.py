"""A user task's assignment as Camunda 7 writes it: candidate groups and users, assignee, due date,
priority -- the values the runner's ``resolve_assignment`` evaluates for a task's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casework.errors import ScriptFailed

DEFAULT_PRIORITY = 50


@dataclass(frozen=True)
class Assignment:
    candidate_groups: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    priority: int
    # camunda:candidateUsers: each of them is offered the task (casework.cases.candidate_users)
    candidate_users: tuple[str, ...] = ()


def names_of(value: Any, what: str, kind: str, bpmn_id: str) -> tuple[str, ...]:
    """Group or user names from a comma list, or an expression's string or list, each once.

    Raises:
        ScriptFailed: the value is neither.
    """
    listed = (value or "").split(",") if isinstance(value, str) or value is None else value
    if not isinstance(listed, (list, tuple, set)) or not all(isinstance(n, str) for n in listed):
        raise ScriptFailed(f"{what} of '{bpmn_id}' must give {kind} names, got {value!r}", bpmn_id)
    return tuple(dict.fromkeys(n.strip() for n in listed if n.strip()))


def priority_of(value: Any, bpmn_id: str) -> int:
    """A task's priority: a whole number (also as text or a float like 70.0); none gives the default.

    Raises:
        ScriptFailed: anything else.
    """
    if value is None or value == "":
        return DEFAULT_PRIORITY
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ScriptFailed(f"priority of '{bpmn_id}' must be a whole number, got {value!r}", bpmn_id)
