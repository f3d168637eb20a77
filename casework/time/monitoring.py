"""MonitoringService: scheduler heartbeats, the facts /readyz checks and the gauges /metrics shows.

Every scheduler (the `flask --app app scheduler` process, or the background thread of `flask run`)
writes its heartbeat row at the start of each pass; a web process is ready when one of them beat
within three of its own intervals. The gauges are counted in the database at scrape time, so every
web process reports the same numbers whichever answers the scrape.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from casework.clock import Clock
from casework.unit_of_work import unit_of_work
from models import HumanTask, OutboxMail, ProcessInstance, SchedulerHeartbeat, Timer

_BEATS = SchedulerHeartbeat.__table__
_TASKS = HumanTask.__table__
_TIMERS = Timer.__table__
_MAILS = OutboxMail.__table__
_INSTANCES = ProcessInstance.__table__
# a row of a scheduler that was killed (no clean stop) is deleted after this long
_STALE_BEATS = timedelta(days=1)
# a due timer still unfired this long after its due time counts as late
LATE_AFTER = timedelta(minutes=1)
_UPDATE_BEAT = (
    sa.update(_BEATS).where(_BEATS.c.worker == sa.bindparam("b_worker"))
    .values(beat_at=sa.bindparam("b_at"), interval_seconds=sa.bindparam("b_interval"))
)


@dataclass(frozen=True)
class Readiness:
    """What /readyz reports: the database answered, its schema revision(s), the freshest beat."""

    database: bool
    revisions: frozenset[str] = frozenset()
    # seconds since the freshest heartbeat that is still within its three intervals; None: no such beat
    scheduler_age: float | None = None
    problems: list[str] = field(default_factory=list)


class MonitoringService:
    """Heartbeats of the schedulers, readiness and the database gauges."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()

    def beat(self, worker: str, *, interval: float) -> None:
        """Record that ``worker`` is alive and polls every ``interval`` seconds (one small write)."""
        now = self.clock.now()
        with unit_of_work() as session:
            updated = session.execute(_UPDATE_BEAT, {"b_worker": worker, "b_at": now, "b_interval": interval})
            if updated.rowcount:  # type: ignore[attr-defined]
                return
            # the first beat of this scheduler: its row, and away with rows of long-dead ones
            session.execute(sa.delete(_BEATS).where(_BEATS.c.beat_at < now - _STALE_BEATS))
            session.execute(sa.insert(_BEATS).values(
                worker=worker[:120], host=socket.gethostname()[:100], pid=os.getpid(),
                interval_seconds=interval, started_at=now, beat_at=now))

    def forget(self, worker: str) -> None:
        """Remove ``worker``'s row when it stops cleanly (a stopped scheduler is not heard from)."""
        with unit_of_work() as session:
            session.execute(sa.delete(_BEATS).where(_BEATS.c.worker == worker))

    def readiness(self) -> Readiness:
        """The facts of /readyz in one read transaction; never raises for an unreachable database."""
        now = self.clock.now()
        try:
            with unit_of_work(write=False) as session:
                revisions = frozenset(session.scalars(sa.text("SELECT version_num FROM alembic_version")).all())
        except SQLAlchemyError:
            return Readiness(database=False)
        try:
            with unit_of_work(write=False) as session:
                beats = session.execute(sa.select(_BEATS.c.beat_at, _BEATS.c.interval_seconds)).all()
        except SQLAlchemyError:
            beats = []  # no heartbeat table yet: the schema is behind, which the caller reports
        ages = [(now - beat_at).total_seconds() for beat_at, interval in beats
                if now - beat_at <= timedelta(seconds=3 * interval)]
        return Readiness(database=True, revisions=revisions, scheduler_age=min(ages) if ages else None)

    def gauges(self) -> dict[str, float]:
        """The state the operators watch, counted now: tasks, timers, outbox, failed cases, schedulers."""
        now = self.clock.now()
        count = sa.func.count()
        with unit_of_work(write=False) as session:
            tasks = session.execute(
                sa.select(count, sa.func.count(_TASKS.c.id).filter(_TASKS.c.due_at < now))
                .where(_TASKS.c.state == "open")).one()
            unfired = _TIMERS.c.fired_at.is_(None)
            timers = session.execute(
                sa.select(count, sa.func.count(_TIMERS.c.id).filter(_TIMERS.c.due_at <= now - LATE_AFTER))
                .where(unfired, _TIMERS.c.due_at <= now)).one()
            mails: dict[str, int] = dict(session.execute(
                sa.select(_MAILS.c.status, count).where(_MAILS.c.status.in_(("queued", "failed")))
                .group_by(_MAILS.c.status)).all())
            failed_cases = session.scalar(sa.select(count).where(_INSTANCES.c.status == "error")) or 0
            beats = session.execute(sa.select(_BEATS.c.beat_at, _BEATS.c.interval_seconds)).all()
        alive = [b for b, interval in beats if now - b <= timedelta(seconds=3 * interval)]
        last = max((b for b, _interval in beats), default=None)
        return {
            "open_tasks": tasks[0], "overdue_tasks": tasks[1],
            "timers_due": timers[0], "timers_late": timers[1],
            "outbox_backlog": mails.get("queued", 0), "outbox_failed": mails.get("failed", 0),
            "failed_cases": failed_cases,
            "schedulers_alive": len(alive),
            "scheduler_last_heartbeat": last.timestamp() if last else 0.0,
        }
