"""The order and the due-state filters of task lists (the inbox and GET /api/v1/tasks)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from casework.clock import LEGAL_TZ
from casework.errors import ValidationFailed
from models import HumanTask

SORT_KEYS = ("due_at", "created_at", "priority", "process_key", "title")
DUE_STATES = ("overdue", "this_week", "none")


@functools.lru_cache(maxsize=32)  # a handful of keys; the expressions are immutable, so shared
def task_order(sort: str | None) -> tuple[Any, ...]:
    """The ORDER BY of a task list: due order by default; a key of SORT_KEYS, ``-`` for descending.

    Raises:
        ValidationFailed: an unknown key.
    """
    t = HumanTask
    if not sort:
        return (t.due_at.is_(None), t.due_at, t.priority.desc(), t.created_at, t.id)
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise ValidationFailed("Unbekannte Sortierung.", {"sort": f"Erlaubt: {', '.join(SORT_KEYS)}, mit - absteigend"})
    column = getattr(t, key)
    direction = column.desc() if sort.startswith("-") else column.asc()
    # tasks without a due date stay last in both directions
    first = [t.due_at.is_(None)] if key == "due_at" else []
    return (*first, direction, t.id)


def due_condition(due: str, now: datetime) -> Any:
    """Overdue, due by the end of this week (Sunday, German time), or without a due date.

    Raises:
        ValidationFailed: an unknown due state.
    """
    t = HumanTask
    if due == "overdue":
        return t.due_at < now
    if due == "none":
        return t.due_at.is_(None)
    if due == "this_week":
        local = now.astimezone(LEGAL_TZ)
        monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        return sa.and_(t.due_at >= now, t.due_at < monday + timedelta(days=7))
    raise ValidationFailed("Unbekannter Fälligkeitsfilter.", {"due": f"Erlaubt: {', '.join(DUE_STATES)}"})
