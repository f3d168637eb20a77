"""ExternalTaskService: Camunda 7's external task pattern — workers fetch and lock, then complete,
fail or report a BPMN error (API.md, "external-tasks").

A waiting external task is a row (``models.ExternalTask``), kept in step with the case by
:meth:`ExternalTaskService.on_step`. Fetching claims rows with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL and a conditional ``UPDATE`` on SQLite, so a task is locked by one worker at a time; a
lock expires after its duration and the task may be fetched again. Workers sign in as service
accounts; setting ``EXTERNAL_TASK_WORKERS`` names the topics each may work on (shell patterns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import sqlalchemy as sa

from casework.cases.history import PendingEvent
from casework.cases.runtime import RuntimeService
from casework.cases.stepping import PreparedStep, Written, run_step
from casework.cases.steps import StepWritten
from casework.clock import Clock
from casework.context import running_case
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import ExternalTask, ProcessInstance

_ROWS = ExternalTask.__table__
MAX_TASKS = 100
MAX_LOCK_MS = 24 * 3600 * 1000
MAX_TEXT = 4000
LOCK_GONE = "Die Sperre dieser externen Aufgabe ist abgelaufen oder gehört einem anderen Worker."
ANSWERED = "Die externe Aufgabe wurde inzwischen beantwortet; diese Antwort wurde nicht übernommen."


@dataclass(frozen=True)
class LockedTask:
    id: str
    topic: str
    process_instance_id: str
    business_key: str | None
    variables: dict[str, Any]
    lock_expires_at: datetime
    retries: int | None
    element_id: str
    process_key: str


def _whole(value: Any, name: str, low: int, high: int, fields: dict[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fields[name] = f"Ganze Zahl von {low} bis {high} erwartet."
        return low
    return value


def _text(value: Any, name: str, fields: dict[str, str], *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        fields[name] = f"Text (1 bis {MAX_TEXT} Zeichen) erwartet."
        return ""
    return value.strip()


def _variables(value: Any, fields: dict[str, str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and k.isidentifier() for k in value):
        fields["variables"] = "Objekt mit Variablennamen als Schlüsseln erwartet."
        return {}
    return dict(value)


class ExternalTaskService:
    """Fetch-and-lock, complete, failure, BPMN error and extend-lock for workers."""

    def __init__(self, runtime: RuntimeService, clock: Clock, workers: Mapping[str, Sequence[str]]) -> None:
        self.runtime = runtime
        self.clock = clock
        self.workers = {user: tuple(topics) for user, topics in workers.items()}

    def allowed(self, actor: Actor, topic: str) -> bool:
        """Whether the actor is a service account configured for ``topic``."""
        return any(fnmatchcase(topic, pattern) for pattern in self.workers.get(actor.username, ()))

    # --- fetch and lock ---------------------------------------------------------------------

    def fetch_and_lock(self, *, actor: Actor, worker_id: Any, max_tasks: Any, topics: Any) -> list[LockedTask]:
        """Lock up to ``max_tasks`` fetchable tasks of the topics for this worker, oldest first.

        Raises:
            ValidationFailed: malformed input.  Forbidden: a topic the actor may not work on.
        """
        worker, limit, wanted = self._fetch_request(worker_id, max_tasks, topics)
        refused = [t for t in wanted if not self.allowed(actor, t)]
        if refused:
            raise Forbidden(f"Dieses Konto darf die Themen {', '.join(sorted(refused))} nicht bearbeiten.")
        now = self.clock.now()
        with unit_of_work() as session:
            claimed = self._claim(session, worker, limit, wanted, now)
            return [self._locked(session, row, wanted[row.topic][1]) for row in claimed]

    @staticmethod
    def _fetch_request(worker_id: Any, max_tasks: Any, topics: Any) -> tuple[str, int, dict[str, tuple[int, Any]]]:
        fields: dict[str, str] = {}
        worker = _text(worker_id, "worker_id", fields)
        limit = _whole(max_tasks, "max_tasks", 1, MAX_TASKS, fields)
        wanted: dict[str, tuple[int, Any]] = {}
        if not isinstance(topics, list) or not topics:
            fields["topics"] = "Liste von Themen erwartet."
        for i, entry in enumerate(topics if isinstance(topics, list) else []):
            if not isinstance(entry, dict):
                fields[f"topics[{i}]"] = "Objekt erwartet."
                continue
            topic = _text(entry.get("topic"), f"topics[{i}].topic", fields)
            duration = _whole(entry.get("lock_duration_ms"), f"topics[{i}].lock_duration_ms", 1, MAX_LOCK_MS, fields)
            names = entry.get("variables")
            if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                fields[f"topics[{i}].variables"] = "Liste von Variablennamen erwartet."
            wanted[topic] = (duration, names)
        if fields:
            raise ValidationFailed("Die Anfrage ist ungültig.", fields)
        return worker, limit, wanted

    def _claim(
        self, session: sa.orm.Session, worker: str, limit: int, wanted: dict[str, tuple[int, Any]], now: datetime
    ) -> list[Any]:
        fetchable = sa.and_(
            _ROWS.c.topic.in_(sorted(wanted)),
            sa.or_(_ROWS.c.lock_expires_at.is_(None), _ROWS.c.lock_expires_at <= now),
            sa.or_(_ROWS.c.not_before.is_(None), _ROWS.c.not_before <= now),
            sa.or_(_ROWS.c.retries.is_(None), _ROWS.c.retries > 0),
        )
        # SKIP LOCKED: two workers fetching at once each get other tasks (PostgreSQL); SQLite
        # serializes writers, and the UPDATE repeats the condition, so a row is never locked twice
        candidates = session.execute(
            sa.select(_ROWS.c.id, _ROWS.c.topic).where(fetchable).order_by(_ROWS.c.created_at, _ROWS.c.id)
            .limit(limit).with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in candidates:
            until = now + timedelta(milliseconds=wanted[row.topic][0])
            done = session.execute(
                sa.update(_ROWS).where(_ROWS.c.id == row.id, fetchable)
                .values(worker_id=worker, lock_expires_at=until).returning(*_ROWS.c)
            ).first()
            if done is not None:
                claimed.append(done)
        return claimed

    @staticmethod
    def _locked(session: sa.orm.Session, row: Any, names: Any) -> LockedTask:
        variables = session.scalar(sa.select(ProcessInstance.variables).where(ProcessInstance.id == row.instance_id))
        variables = dict(variables or {})
        if names is not None:
            variables = {k: v for k, v in variables.items() if k in names}
        return LockedTask(row.id, row.topic, row.instance_id, row.business_key, variables, row.lock_expires_at,
                          row.retries, row.element_id, row.process_key)

    # --- a worker's answers -------------------------------------------------------------------

    def _held(self, session: sa.orm.Session, task_id: str, actor: Actor, worker_id: str, *, seen: bool) -> Any:
        """The row of a task the worker holds a live lock on (read, not locked: see :meth:`_guard`).

        Raises:
            NotFound: no such task (or not one of the actor's topics).  Conflict: the lock is gone or
                held by another worker, or (``seen``: found by an earlier run of this step) the task was
                answered meanwhile.
        """
        row = session.execute(sa.select(_ROWS).where(_ROWS.c.id == task_id)).first()
        if row is None and seen:
            raise Conflict(ANSWERED)
        if row is None or not self.allowed(actor, row.topic):
            raise NotFound("Externe Aufgabe nicht gefunden.")
        now = self.clock.now()
        if row.worker_id != worker_id or row.lock_expires_at is None or row.lock_expires_at <= now:
            raise Conflict(LOCK_GONE)
        return row

    def _guard(self, task_id: str, worker_id: str) -> Callable[[sa.orm.Session], None]:
        """The check as the step writes: the worker still holds the lock. Its UPDATE takes the row
        (PostgreSQL) or the write lock (SQLite), so of two answers at once exactly one is written.

        Raises:
            Conflict: the lock expired or the task was answered meanwhile.
        """
        def guard(session: sa.orm.Session) -> None:
            held = session.connection().execute(
                sa.update(_ROWS).where(_ROWS.c.id == task_id, _ROWS.c.worker_id == worker_id,
                                       _ROWS.c.lock_expires_at > self.clock.now())
                .values(lock_expires_at=_ROWS.c.lock_expires_at)
            ).rowcount
            if held != 1:
                raise Conflict(ANSWERED if session.get(ExternalTask, task_id) is None else LOCK_GONE)
        return guard

    def complete(self, task_id: str, *, actor: Actor, worker_id: Any, variables: Any) -> None:
        """The worker's result: its variables go into the case, which goes on.

        Raises:
            ValidationFailed, NotFound, Conflict: see :meth:`_held`.
        """
        fields: dict[str, str] = {}
        worker, values = _text(worker_id, "worker_id", fields), _variables(variables, fields)
        if fields:
            raise ValidationFailed("Die Anfrage ist ungültig.", fields)
        self._answer(task_id, actor, worker, "external_task_completed", {"variables": values},
                     lambda wf: self.runtime.engine.complete_external(wf, task_id, values))

    def bpmn_error(self, task_id: str, *, actor: Actor, worker_id: Any, error_code: Any, variables: Any) -> None:
        """The worker's business error: an error event catching ``error_code`` takes over (none: an incident).

        Raises:
            ValidationFailed, NotFound, Conflict: see :meth:`_held`.
        """
        fields: dict[str, str] = {}
        worker, code = _text(worker_id, "worker_id", fields), _text(error_code, "error_code", fields)
        values = _variables(variables, fields)
        if fields:
            raise ValidationFailed("Die Anfrage ist ungültig.", fields)
        self._answer(task_id, actor, worker, "external_task_bpmn_error", {"error_code": code, "variables": values},
                     lambda wf: self.runtime.engine.external_error(wf, task_id, code, values))

    def failure(self, task_id: str, *, actor: Actor, worker_id: Any, error_message: Any, retries: Any,
                retry_timeout_ms: Any) -> None:
        """The worker could not do it: try again after ``retry_timeout_ms``; with no retries left the
        case becomes an incident (status error, retried by an admin like any failure).

        Raises:
            ValidationFailed, NotFound, Conflict: see :meth:`_held`.
        """
        fields: dict[str, str] = {}
        worker, message = _text(worker_id, "worker_id", fields), _text(error_message, "error_message", fields)
        left = _whole(retries, "retries", 0, 1000, fields)
        wait = _whole(retry_timeout_ms, "retry_timeout_ms", 0, MAX_LOCK_MS, fields)
        if fields:
            raise ValidationFailed("Die Anfrage ist ungültig.", fields)
        engine = self.runtime.engine

        def release(session: sa.orm.Session) -> None:
            session.execute(sa.update(_ROWS).where(_ROWS.c.id == task_id).values(
                retries=left, error_message=message, worker_id=None, lock_expires_at=None,
                not_before=self.clock.now() + timedelta(milliseconds=wait)))

        self._answer(task_id, actor, worker, "external_task_failed", {"error_message": message, "retries": left},
                     (lambda wf: engine.external_incident(wf, task_id, message)) if left == 0 else (lambda wf: None),
                     after=release)

    def extend_lock(self, task_id: str, *, actor: Actor, worker_id: Any, new_duration_ms: Any) -> None:
        """Keep the lock ``new_duration_ms`` from now.

        Raises:
            ValidationFailed, NotFound, Conflict: see :meth:`_held`.
        """
        fields: dict[str, str] = {}
        worker = _text(worker_id, "worker_id", fields)
        duration = _whole(new_duration_ms, "new_duration_ms", 1, MAX_LOCK_MS, fields)
        if fields:
            raise ValidationFailed("Die Anfrage ist ungültig.", fields)
        with unit_of_work() as session:  # no engine work: one short write
            self._held(session, task_id, actor, worker, seen=False)
            self._guard(task_id, worker)(session)
            session.execute(sa.update(_ROWS).where(_ROWS.c.id == task_id).values(
                lock_expires_at=self.clock.now() + timedelta(milliseconds=duration)))

    def _answer(self, task_id: str, actor: Actor, worker: str, action: str, data: dict[str, Any],
                change: Callable[[Any], Any], *, after: Callable[[sa.orm.Session], None] | None = None) -> None:
        """A worker's answer as a step (casework.cases.stepping): read the row and the case and let
        ``change`` act on its workflow without a write lock; then check the lock, record ``action``,
        persist (guarded by the case's version) and run ``after``, briefly holding the write lock."""
        seen: list[bool] = []

        def prepare(session: sa.orm.Session) -> PreparedStep:
            row = self._held(session, task_id, actor, worker, seen=bool(seen))
            seen.append(True)
            loaded = self.runtime.load(session, row.instance_id)
            if loaded.status not in ("running", "error"):
                raise Conflict("Der Fall ist bereits beendet.")
            before = self.runtime.stored_workflow(loaded)
            with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
                change(loaded.workflow)
            loaded.events.append(PendingEvent(self.clock.now(), actor.username, action, row.id, row.element_id,
                                              row.element_id, {"topic": row.topic, "worker_id": worker, **data}))
            return PreparedStep(loaded, effects, before=before, guard=self._guard(task_id, worker))

        def write(session: sa.orm.Session, prepared: PreparedStep, written: Written) -> None:
            if after is not None:
                after(session)

        run_step(self.runtime, prepare, write, actor=actor)

    # --- keeping the rows in step -----------------------------------------------------------

    def on_step(self, written: StepWritten) -> None:
        """A step listener: rows for the external tasks that wait now, none for those that do not."""
        loaded = written.loaded
        if not loaded.model.external_topics:
            return
        ended = written.status in ("completed", "terminated")
        waiting = {} if ended else {w.id: w for w in self.runtime.engine.external_tasks(loaded.workflow)}
        conn = written.session.connection()
        existing = set(conn.scalars(sa.select(_ROWS.c.id).where(_ROWS.c.instance_id == loaded.id)))
        gone = existing - set(waiting)
        if gone:
            conn.execute(sa.delete(_ROWS).where(_ROWS.c.id.in_(sorted(gone))))
        new = [w for task_id, w in waiting.items() if task_id not in existing]
        if new:
            conn.execute(sa.insert(_ROWS), [
                {"id": w.id, "instance_id": loaded.id, "element_id": w.element_id, "topic": w.topic,
                 "process_key": loaded.process_key, "business_key": loaded.business_key, "created_at": written.now}
                for w in new])
        if written.status == "running":  # an admin's retry resolved the incident: fetchable again
            conn.execute(sa.update(_ROWS).where(_ROWS.c.instance_id == loaded.id, _ROWS.c.retries == 0)
                         .values(retries=None, error_message=None, not_before=None))
