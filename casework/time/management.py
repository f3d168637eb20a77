"""ManagementService: health of the engine, due timers and the scheduler's periodic jobs.

Timers are rows (``models.timer.Timer``); what a row does when due is its kind's handler
(``register_timer_handler``: "bpmn" from casework.time.timers, "reminder"/"escalation" from
casework.time.reminders). ``fire_due`` claims due rows with a lease, then fires them in small batches,
each handler's effect in the same transaction that marks its row fired. So a timer's effect
happens exactly once even with several schedulers: a row is claimed by one scheduler at a time
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serializes writers with ``BEGIN IMMEDIATE``),
the firing transaction re-checks the claim under a row lock, and a crashed scheduler's claims
expire after the lease, when another scheduler takes them over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casework.clock import Clock
from casework.errors import Conflict
from casework.unit_of_work import is_outage, unit_of_work
from models import ProcessInstance, Timer

log = logging.getLogger(__name__)

# fn(session, timer row, now): makes the timer's effect happen inside the caller's transaction; the
# row is read-only, with the columns of models.Timer as attributes (id, kind, task_id, payload, ...)
TimerHandler = Callable[[Session, Any, datetime], None]
Job = Callable[[], object]

DEFAULT_LEASE_SECONDS = 60
DEFAULT_BATCH = 50
# fired rows are kept this long (ix_timers_fired serves the purge), then deleted by a tick job
DEFAULT_RETENTION_DAYS = 90
_PURGE_EVERY = timedelta(hours=1)
# a failing handler is tried again after 1, 2, 4 ... minutes, at most hourly
_MAX_BACKOFF = timedelta(hours=1)
_TIMERS = Timer.__table__
_INSTANCES = ProcessInstance.__table__
# Built once: constructing a statement costs more than executing it on SQLite (bench/timers.py).
_LOCK_INSTANCES = (
    sa.select(_INSTANCES.c.id).where(_INSTANCES.c.id.in_(sa.bindparam("b_ids", expanding=True)))
    .order_by(_INSTANCES.c.id).with_for_update()
)
_CLAIMED_BY_ME = (_TIMERS.c.claimed_by == sa.bindparam("b_worker"), _TIMERS.c.fired_at.is_(None))
_LOCK_CLAIMED = (
    sa.select(_TIMERS).where(_TIMERS.c.id.in_(sa.bindparam("b_ids", expanding=True)), *_CLAIMED_BY_ME)
    .order_by(_TIMERS.c.id).with_for_update()
)
_CLAIMED_ONE = sa.select(_TIMERS).where(_TIMERS.c.id == sa.bindparam("b_id"), *_CLAIMED_BY_ME)
# fired_at IS NULL: a handler (the bpmn sync) may have marked the row already
_MARK_FIRED = (
    sa.update(_TIMERS)
    .where(_TIMERS.c.id.in_(sa.bindparam("b_ids", expanding=True)), _TIMERS.c.fired_at.is_(None))
    .values(fired_at=sa.bindparam("b_at"), claimed_until=None)
)


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _TIMERS.c.fired_at.is_(None),
        _TIMERS.c.due_at <= now,
        sa.or_(_TIMERS.c.claimed_until.is_(None), _TIMERS.c.claimed_until <= now),
    )


def due_timers_query(now: datetime, limit: int) -> sa.Select[tuple[int]]:
    """The scheduler's one query: due, unfired, unclaimed rows, earliest first.

    The partial index ``ix_timers_due_unfired`` (due_at WHERE fired_at IS NULL) serves it as a
    range scan however many rows wait or have fired (bench/timers.py prints the plan).
    """
    return (
        sa.select(_TIMERS.c.id).where(_claimable(now)).order_by(_TIMERS.c.due_at).limit(limit)
        .with_for_update(skip_locked=True)
    )


class TimerNotDue(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler whose timer turns out not to be due yet: released without an attempt."""


@dataclass(frozen=True)
class FireReport:
    """What one pass did: rows claimed, fired, left for the next tick (conflict), failed."""

    claimed: int = 0
    fired: int = 0
    retried: int = 0
    failed: int = 0


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (two schedulers in one process differ)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ManagementService:
    """Health checks, due timers and the jobs of every scheduler tick."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        worker: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self.clock = clock or Clock()
        # rows fired per transaction: fewer commits, but the (SQLite) write lock is held that long
        self.batch_size = max(1, batch_size)
        self.lease = timedelta(seconds=lease_seconds)
        self.retention = timedelta(days=retention_days)
        self.worker = worker or worker_name()
        self.handlers: dict[str, TimerHandler] = {}
        # called after the timers on every scheduler tick (e.g. mail delivery); each opens its own unit of work
        self.jobs: list[Job] = [self._purge_now_and_then]
        self._purged_at: datetime | None = None
        # set by a scheduler that is told to stop: a pass ends after its current batch
        self.stopping = threading.Event()

    def database_ok(self) -> bool:
        """True when the database answers a trivial query (for /healthz); never raises."""
        try:
            with unit_of_work(write=False) as session:
                session.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def register_timer_handler(self, kind: str, handler: TimerHandler) -> None:
        """Make timer rows of ``kind`` fire through ``handler`` (one handler per kind).

        Raises:
            ValueError: the kind already has a handler, or is no usable name.
        """
        if not kind or len(kind) > 40:
            raise ValueError(f"timer kind must be 1-40 characters, got {kind!r}")
        if kind in self.handlers:
            raise ValueError(f"timer kind {kind!r} already has a handler")
        self.handlers[kind] = handler

    # --- the scheduler's entry points -------------------------------------------------------

    def tick(self, *, limit: int = 500) -> FireReport:
        """One scheduler pass: fire due timers, then run every job; a failing job is logged, not raised."""
        report = self.fire_due(limit=limit)
        for job in list(self.jobs):
            try:
                job()
            except Exception as exc:  # one broken job must not stop the timers or the other jobs
                if is_outage(exc):
                    raise  # the database is away: the scheduler says so once, not once per job and pass
                log.exception("scheduler job %r failed", job)
        return report

    def fire_due(self, *, limit: int = 500) -> FireReport:
        """Claim up to ``limit`` due timers and fire them, earliest first.

        A row whose case changed meanwhile (Conflict) is released and fired on a later pass; a row
        whose handler fails keeps its error and waits for a growing backoff; neither stops the others.
        """
        now = self.clock.now()
        claimed = self._claim(now, limit)
        outcomes: Counter[str] = Counter()
        for start in range(0, len(claimed), self.batch_size):
            if self.stopping.is_set():
                break  # the rest stays claimed until release_claims() gives it back
            outcomes.update(self._fire_batch(claimed[start:start + self.batch_size], now))
        return FireReport(claimed=len(claimed), fired=outcomes["fired"], retried=outcomes["retry"],
                          failed=outcomes["failed"])

    def release_claims(self) -> int:
        """Give back every row this scheduler claimed and has not fired (on a clean stop), so that
        another scheduler takes them on its next pass instead of after the lease."""
        with unit_of_work() as session:
            released = session.connection().execute(
                sa.update(_TIMERS).where(_TIMERS.c.claimed_by == self.worker, _TIMERS.c.fired_at.is_(None))
                .values(claimed_by=None, claimed_until=None))
            return int(released.rowcount or 0)

    def purge_fired(self, *, batch: int = 5000) -> int:
        """Delete up to ``batch`` rows that fired more than ``retention`` ago (a scheduler job).

        The history keeps every timer_fired event; the rows are only the scheduler's own record.
        """
        cutoff = self.clock.now() - self.retention
        old = sa.select(_TIMERS.c.id).where(_TIMERS.c.fired_at < cutoff).limit(batch)
        with unit_of_work() as session:
            deleted = session.connection().execute(sa.delete(_TIMERS).where(_TIMERS.c.id.in_(old.scalar_subquery())))
            return int(deleted.rowcount or 0)

    def _purge_now_and_then(self) -> None:
        # hourly is plenty, and spares SQLite a write transaction on every tick
        now = self.clock.now()
        if self._purged_at is None or now - self._purged_at >= _PURGE_EVERY:
            self._purged_at = now
            self.purge_fired()

    # --- claiming and firing ------------------------------------------------------------------

    def _claim(self, now: datetime, limit: int) -> list[tuple[int, str, str | None]]:
        due = due_timers_query(now, limit)
        # the conditions repeat in the UPDATE: on SQLite (no row locks) that is what makes the
        # claim conditional; on PostgreSQL the selected rows are locked until commit anyway
        claim = (
            sa.update(_TIMERS)
            .where(_TIMERS.c.id.in_(due.scalar_subquery()), _claimable(now))
            .values(claimed_by=self.worker, claimed_until=now + self.lease)
            .returning(_TIMERS.c.id, _TIMERS.c.kind, _TIMERS.c.instance_id, _TIMERS.c.due_at)
        )
        try:
            with unit_of_work() as session:
                rows = list(session.execute(claim).all())
        except Conflict:
            return []  # the database is busy: the next tick tries again
        rows.sort(key=lambda r: (r.due_at, r.id))
        return [(r.id, r.kind, r.instance_id) for r in rows]

    def _fire_batch(self, batch: list[tuple[int, str, str | None]], now: datetime) -> list[str]:
        """Fire a few claimed rows in one transaction: one commit per batch, not per row.

        Each handler's effect and the fired marks commit together. When a row fails, the whole
        transaction is rolled back (no effect of the batch happened) and the rows are fired again
        one per transaction, which isolates the failing one; failures are rare, so this is cheaper
        than a savepoint around every row (bench/timers.py).
        """
        try:
            with unit_of_work() as session:
                return self._fire_rows(session, batch, now)
        except Exception as exc:  # a failing handler must not stop the other timers of the pass
            if len(batch) > 1:
                return [outcome for claimed in batch for outcome in self._fire_batch([claimed], now)]
            timer_id, kind, _instance = batch[0]
            retry = isinstance(exc, (Conflict, TimerNotDue))
            if not retry:
                log.exception("timer %s (%s) failed", timer_id, kind)
            try:
                with unit_of_work() as session:
                    self._release(session, timer_id, now, error=None if retry else f"{type(exc).__name__}: {exc}")
            except Conflict:
                pass  # the database is busy: the lease runs out by itself
            return ["retry" if retry else "failed"]

    def _fire_rows(self, session: Session, batch: list[tuple[int, str, str | None]], now: datetime) -> list[str]:
        # Cases first, then timers, each in id order: a step of a case locks them in this order
        # too (its version update, then its timer rows), and so does every other scheduler.
        cases = sorted({instance for _id, _kind, instance in batch if instance is not None})
        if cases:
            session.execute(_LOCK_INSTANCES, {"b_ids": cases})
        rows = {r.id: r for r in session.execute(
            _LOCK_CLAIMED, {"b_ids": sorted(i for i, _kind, _instance in batch), "b_worker": self.worker})}
        outcomes: list[str] = []
        fired: list[int] = []
        stepped: set[str] = set()
        for timer_id, kind, instance_id in batch:
            timer = rows.get(timer_id)
            if timer is not None and instance_id in stepped:
                # an earlier row's step of the same case may have fired (and marked) this one too
                timer = session.execute(_CLAIMED_ONE, {"b_id": timer_id, "b_worker": self.worker}).first()
            if timer is None:
                outcomes.append("gone")  # fired or cancelled by a step, or our lease expired and was taken over
                continue
            handler = self.handlers.get(kind)
            if handler is None:
                raise LookupError(f"no handler registered for timer kind {kind!r}")
            handler(session, timer, now)
            if instance_id is not None:
                stepped.add(instance_id)
            fired.append(timer_id)
            outcomes.append("fired")
        if fired:
            session.execute(_MARK_FIRED, {"b_ids": fired, "b_at": now})
        return outcomes

    def _release(self, session: Session, timer_id: int, now: datetime, *, error: str | None) -> None:
        """Give a claimed row back: at once after a conflict, after a backoff after an error."""
        values: dict[str, object] = {"claimed_by": None, "claimed_until": None}
        if error is not None:
            attempts = session.scalar(sa.select(_TIMERS.c.attempts).where(_TIMERS.c.id == timer_id)) or 0
            backoff = min(timedelta(minutes=2 ** min(attempts, 10)), _MAX_BACKOFF)
            # claimed_until without claimed_by means "not before": the claim query skips the row till then
            values.update(attempts=attempts + 1, last_error=error[:2000], claimed_until=now + backoff)
        session.execute(
            sa.update(_TIMERS)
            .where(_TIMERS.c.id == timer_id, _TIMERS.c.claimed_by == self.worker, _TIMERS.c.fired_at.is_(None))
            .values(**values)
        )
