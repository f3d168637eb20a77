"""A cheap timer kind for the scheduler tests and the benchmark: its effect is one row, written in
the firing transaction, so "fired exactly once" can be counted across threads and processes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from models import Timer

PROBE = "probe"
EFFECT = "probe_effect"
_TIMERS = Timer.__table__
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def make_handler(delay: float = 0.0) -> Any:
    def handle(session: Any, timer: Timer, now: datetime) -> None:
        if delay:
            time.sleep(delay)  # a slow effect, so that a scheduler can be killed in the middle of a pass
        session.execute(sa.insert(_TIMERS).values(
            kind=EFFECT, due_at=FAR, fired_at=now, payload={"source": timer.id}, attempts=0))
    return handle


def insert_due(conn: Any, count: int, due: datetime, *, kind: str = PROBE) -> None:
    rows = [{"kind": kind, "due_at": due - timedelta(seconds=i % 60), "attempts": 0} for i in range(count)]
    conn.execute(sa.insert(_TIMERS), rows)


def effects_per_source(conn: Any) -> dict[int, int]:
    rows = conn.execute(sa.select(_TIMERS.c.payload).where(_TIMERS.c.kind == EFFECT)).all()
    counts: dict[int, int] = {}
    for (payload,) in rows:
        counts[payload["source"]] = counts.get(payload["source"], 0) + 1
    return counts
