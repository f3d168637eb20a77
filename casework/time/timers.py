"""BPMN timers and message waits as rows: kept in step with every case, fired by the scheduler.

:class:`TimerSync` is a step listener (``RuntimeService.step_listeners``): after every step, in
the step's transaction, it rewrites the case's ``bpmn`` timer rows and message subscriptions from
the workflow's waiting events. :class:`BpmnTimers` is the ManagementService handler for ``bpmn``
rows: load the case, fire its due timers with the app's clock, persist (which syncs again).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from casework.cases.direct import Direct
from casework.cases.history import PendingEvent, chain, write_events
from casework.cases.runtime import RuntimeService
from casework.cases.steps import StepWritten
from casework.context import running_case
from casework.engine import Engine
from casework.time.management import TimerNotDue
from casework.unit_of_work import after_commit
from models import MessageSubscription, ProcessInstance, Timer

BPMN = "bpmn"
_TIMERS = Timer.__table__
_SUBSCRIPTIONS = MessageSubscription.__table__
ENDED = ("completed", "terminated")

# Built once: constructing a statement costs more than executing it on SQLite (bench/engine.py).
_EXISTING_TIMERS = sa.select(_TIMERS.c.task_id, _TIMERS.c.due_at).where(
    _TIMERS.c.instance_id == sa.bindparam("b_instance"), _TIMERS.c.kind == BPMN, _TIMERS.c.fired_at.is_(None)
)
_EXISTING_SUBSCRIPTIONS = sa.select(
    _SUBSCRIPTIONS.c.id, _SUBSCRIPTIONS.c.message_name, _SUBSCRIPTIONS.c.correlation_key,
    _SUBSCRIPTIONS.c.element_id,
).where(_SUBSCRIPTIONS.c.instance_id == sa.bindparam("b_instance"))
_ONE_TIMER = (
    _TIMERS.c.instance_id == sa.bindparam("b_instance"), _TIMERS.c.kind == BPMN,
    _TIMERS.c.task_id == sa.bindparam("b_task"), _TIMERS.c.due_at == sa.bindparam("b_due"),
    _TIMERS.c.fired_at.is_(None),
)
_MARK_FIRED = sa.update(_TIMERS).where(*_ONE_TIMER).values(fired_at=sa.bindparam("b_at"))
_DELETE_TIMER = sa.delete(_TIMERS).where(*_ONE_TIMER)
_DELETE_TIMER_ROW = sa.delete(_TIMERS).where(_TIMERS.c.id == sa.bindparam("b_id"))
_INSERT_TIMER = Direct(sa.insert(_TIMERS))
_DELETE_SUBSCRIPTION = sa.delete(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.id == sa.bindparam("b_id"))
_INSERT_SUBSCRIPTION = sa.insert(_SUBSCRIPTIONS)
_INSTANCES = ProcessInstance.__table__
_HISTORY_HEAD = sa.select(_INSTANCES.c.history_head).where(_INSTANCES.c.id == sa.bindparam("b_instance"))
_SET_HISTORY_HEAD = (
    sa.update(_INSTANCES).where(_INSTANCES.c.id == sa.bindparam("b_instance"))
    .values(history_head=sa.bindparam("b_head"))
)

TimerKey = tuple[str, datetime]  # (engine task id, due_at): a cycle's next firing is a new row
MessageKey = tuple[str, str | None, str]  # (message name, correlation key, element id)
Synced = tuple[frozenset[TimerKey], frozenset[MessageKey]]


class _Synced:
    """What the rows of recently written cases hold, remembered with the workflow object they
    were written from.

    Most steps change no timer and no message wait, and the others need not read what they are
    about to change (bench/engine.py). ``RuntimeService.live`` hands a step the very workflow
    object of that case's last committed step only while the database still holds that state
    (a claim does not change it), so "same object" means "rows as remembered"; after a write by
    another process the workflow is restored afresh and the rows are read.
    """

    def __init__(self, size: int = 4096) -> None:
        self._entries: OrderedDict[str, tuple[weakref.ref[Any], Synced]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, instance_id: str, workflow: Any) -> Synced | None:
        with self._lock:
            entry = self._entries.get(instance_id)
        return entry[1] if entry is not None and entry[0]() is workflow else None

    def put(self, instance_id: str, workflow: Any, synced: Synced) -> None:
        with self._lock:
            self._entries[instance_id] = (weakref.ref(workflow), synced)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, instance_id: str) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)


_NOTHING: Synced = (frozenset(), frozenset())


class TimerSync:
    """Step listener: the case's bpmn timer rows and message subscriptions follow its workflow."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._synced = _Synced()

    def __call__(self, written: StepWritten) -> None:
        loaded = written.loaded
        # a case being started has just been inserted by persist: it has no rows yet
        known = _NOTHING if loaded.lock_version == 0 else self._synced.get(loaded.id, loaded.workflow)
        ended = written.status in ENDED
        if ended:  # an ended case waits for nothing; what fired in its last step is marked below
            timers: dict[TimerKey, Any] = {}
            messages: frozenset[MessageKey] = frozenset()
            self._synced.forget(loaded.id)
        else:
            timers = {(t.task_id, t.due_at): t for t in self.engine.waiting_timers(loaded.workflow)}
            messages = frozenset((m.name, m.correlation_key, m.element_id)
                                 for m in self.engine.waiting_messages(loaded.workflow))
        now_synced: Synced = (frozenset(timers), messages)
        if known is None or known[0] != now_synced[0]:
            self._write_timers(written, timers, None if known is None else known[0])
        if known is None or known[1] != messages:
            self._write_subscriptions(written, messages)
        if not ended:
            workflow = loaded.workflow
            after_commit(written.session, lambda: self._synced.put(loaded.id, workflow, now_synced))

    def _write_timers(
        self, written: StepWritten, timers: dict[TimerKey, Any], rows: frozenset[TimerKey] | None
    ) -> None:
        conn, loaded = written.session.connection(), written.loaded
        if rows is None:
            rows = frozenset((r.task_id, r.due_at) for r in conn.execute(_EXISTING_TIMERS, {"b_instance": loaded.id}))
        fired = []
        for task_id, due_at in sorted(rows - timers.keys(), key=lambda k: k[1]):
            key = {"b_instance": loaded.id, "b_task": task_id, "b_due": due_at}
            if due_at <= written.now and self.engine.timer_fired(loaded.workflow, task_id):
                # fired in this step, by the scheduler or by a step that ran after its due time
                conn.execute(_MARK_FIRED, {**key, "b_at": written.now})
                fired.append((task_id, due_at))
            else:
                conn.execute(_DELETE_TIMER, key)  # cancelled, or its path was left
        self._record_unreported(written, fired)
        new = [
            {"instance_id": loaded.id, "kind": BPMN, "task_id": t.task_id, "element_id": t.element_id,
             "due_at": t.due_at, "payload": {"timer": t.kind}, "attempts": 0}
            for key, t in timers.items() if key not in rows
        ]
        if new:
            _INSERT_TIMER.execute(conn, new)

    def _record_unreported(self, written: StepWritten, fired: list[TimerKey]) -> None:
        """History for timers that fired in someone else's step.

        SpiffWorkflow fires every due timer at the end of any step, so a user's step that runs
        after a due time, before the scheduler's pass, fires it. The scheduler's own step has
        already listed its timers in the history; these would otherwise be missing from it.
        """
        reported = {(e.task_id, (e.data or {}).get("due_at")) for e in written.loaded.events
                    if e.action == "timer_fired"}
        missing = [(task_id, due_at) for task_id, due_at in fired if (task_id, due_at.isoformat()) not in reported]
        if not missing:
            return
        events = []
        for task_id, due_at in missing:
            element, kind = self.engine.timer_element(written.loaded.workflow, task_id)
            events.append(PendingEvent(written.now, None, "timer_fired", task_id=task_id, task_name=element,
                                       data={"element": element, "kind": kind, "due_at": due_at.isoformat()}))
        conn, instance_id = written.session.connection(), written.loaded.id
        # persist has written this step's events and the new chain head; these go on top of them
        head = conn.execute(_HISTORY_HEAD, {"b_instance": instance_id}).scalar()
        rows, head = chain(head, instance_id, events)
        write_events(written.session, rows)
        conn.execute(_SET_HISTORY_HEAD, {"b_instance": instance_id, "b_head": head})

    @staticmethod
    def _write_subscriptions(written: StepWritten, messages: frozenset[MessageKey]) -> None:
        """Rare enough (a message wait starts or ends) to read the rows and rewrite the difference."""
        conn, loaded = written.session.connection(), written.loaded
        keep: set[MessageKey] = set()
        for row in conn.execute(_EXISTING_SUBSCRIPTIONS, {"b_instance": loaded.id}):
            key = (row.message_name, row.correlation_key, row.element_id)
            if key in messages and key not in keep:
                keep.add(key)
            else:
                conn.execute(_DELETE_SUBSCRIPTION, {"b_id": row.id})
        new = [{"instance_id": loaded.id, "message_name": name, "correlation_key": key, "element_id": element}
               for name, key, element in messages - keep]
        if new:
            conn.execute(_INSERT_SUBSCRIPTION, new)


class BpmnTimers:
    """The ManagementService handler of ``bpmn`` timer rows."""

    def __init__(self, runtime: RuntimeService) -> None:
        self.runtime = runtime

    def fire(self, session: Session, timer: Any, now: datetime) -> None:
        """Fire the case's due timers (this one and any other due) and persist the step.

        Raises:
            TimerNotDue: the engine does not consider the timer due yet.
            Conflict: the case changed meanwhile (the row is fired on a later tick).
        """
        if timer.instance_id is None:
            raise ValueError("a bpmn timer without a case")
        runtime = self.runtime
        loaded = runtime.load(session, timer.instance_id)
        if loaded.status != "running":
            raise RuntimeError(f"the case is {loaded.status}; its timers wait until it runs again")
        waiting = {t.task_id for t in runtime.engine.waiting_timers(loaded.workflow)}
        if timer.task_id not in waiting:
            # stale: the case moved on without this timer (the sync normally removes such rows)
            session.execute(_DELETE_TIMER_ROW, {"b_id": timer.id})
            return
        with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
            fired = runtime.engine.fire_timers(loaded.workflow, now)
        if not fired:
            raise TimerNotDue(f"timer {timer.id} is not due in the engine yet")
        for t in fired:
            loaded.events.append(PendingEvent(
                now, None, "timer_fired", task_id=t.task_id, task_name=t.element_id,
                data={"element": t.element_id, "kind": t.kind, "due_at": t.due_at.isoformat()},
            ))
        runtime.persist(session, loaded, actor=None, effects=effects)
