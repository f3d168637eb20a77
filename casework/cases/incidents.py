"""The background check that no case hangs silently: running cases that cannot move become incidents.

Every step already checks its own case (``Engine.check_can_move``); this scheduler job finds the
cases no step will ever touch again — started on a version deployed before that check existed, or
stopped by anything else — and fails them visibly: status ``error``, ``instance_failed`` in the
history naming the element, retryable by an admin like any other failure.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from casework.cases.runtime import RuntimeService
from casework.cases.stepping import PreparedStep, run_step
from casework.clock import Clock
from casework.errors import Conflict, NotFound
from casework.unit_of_work import unit_of_work
from models import ExternalTask, HumanTask, MessageSubscription, ProcessInstance, Timer

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=1)
# a case written this recently was checked by its own step
GRACE = timedelta(minutes=1)
BATCH = 50


def stuck_candidates(now: datetime, limit: int) -> sa.Select[Any]:
    """Running cases with no open task, no unfired timer, no message wait and no external task."""
    instance = ProcessInstance.__table__.c
    open_task = sa.select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.state == "open")
    timer = sa.select(Timer.id).where(Timer.instance_id == instance.id, Timer.fired_at.is_(None))
    message = sa.select(MessageSubscription.id).where(MessageSubscription.instance_id == instance.id)
    external = sa.select(ExternalTask.id).where(ExternalTask.instance_id == instance.id)
    return (
        sa.select(instance.id)
        .where(instance.status == "running", instance.updated_at <= now - GRACE,
               ~open_task.exists(), ~timer.exists(), ~message.exists(), ~external.exists())
        .order_by(instance.updated_at)
        .limit(limit)
    )


class StuckCaseCheck:
    """A ManagementService job: at most once a minute, turn cases that cannot move into incidents."""

    def __init__(self, runtime: RuntimeService, clock: Clock) -> None:
        self.runtime = runtime
        self.clock = clock
        self._checked_at: datetime | None = None

    def __call__(self) -> None:
        now = self.clock.now()
        if self._checked_at is not None and now - self._checked_at < CHECK_EVERY:
            return
        self._checked_at = now
        self.check()

    def check(self, *, limit: int = BATCH) -> list[str]:
        """Fail every candidate case whose workflow confirms that it cannot move; returns their ids."""
        with unit_of_work(write=False) as session:
            ids: list[str] = [str(i) for i in session.scalars(stuck_candidates(self.clock.now(), limit))]
        failed = []
        for instance_id in ids:
            try:
                if self._fail_if_stuck(instance_id):
                    failed.append(instance_id)
            except (Conflict, NotFound):
                continue  # the case moved meanwhile: its own step checked it
        if failed:
            log.warning("%d case(s) could not move and became incidents", len(failed))
        return failed

    def _fail_if_stuck(self, instance_id: str) -> bool:
        """Fail the case if its workflow confirms that it cannot move, as a step
        (casework.cases.stepping): the check runs without the write lock, which is held only to
        write, and a case changed meanwhile is checked again on its fresh state."""

        def prepare(session: sa.orm.Session) -> PreparedStep:
            loaded = self.runtime.load(session, instance_id)
            before = self.runtime.stored_workflow(loaded)
            if loaded.status != "running" or self.runtime.engine.check_can_move(loaded.workflow):
                raise _Moves()
            return PreparedStep(loaded, [], before=before)

        try:
            return run_step(self.runtime, prepare, lambda session, prepared, written: True, actor=None)
        except _Moves:
            return False


class _Moves(Exception):
    """The case can move (or is no longer running): nothing to write."""
