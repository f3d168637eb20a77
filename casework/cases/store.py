"""The engine's persistence: a case loaded with its live workflow, and a step written in one go.

``CaseStore.persist`` writes a step — the instance row by compare-and-set on its ``lock_version``,
then the task rows, candidate rows and history events — and calls the step listeners (timers,
mail, reminders) inside the same transaction with a ``StepWritten``. Workflows of recently written
cases stay in memory (``LiveWorkflows``) so the next step usually skips restoring them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa

from casework.cases.access import AccessService
from casework.cases.direct import Direct
from casework.cases.history import PendingEvent, chain, write_events
from casework.cases.parties import added_parties, added_readers
from casework.cases.repository import RepositoryService
from casework.cases.stepping import CaseChanged
from casework.cases.steps import LoadedInstance, StepListener, StepWritten, TaskPlan
from casework.cases.sync import plan_tasks, write_tasks
from casework.clock import Clock
from casework.engine import Engine, Snapshot
from casework.errors import NotFound
from casework.records import Actor, InstanceInfo, TaskInfo
from casework.unit_of_work import after_commit
from models import CaseParty, CaseReader, ProcessDefinition, ProcessInstance

ENDED = ("completed", "terminated")
# the history action recorded for each kind of effect a script helper produces
EFFECT_ACTIONS = {"notify": "notification", "legal_parameter": "legal_parameter_used", "involve": "parties_added",
                  "readers": "readers_added",
                  "committee_chair": "committee_changed"}

_INSTANCES = ProcessInstance.__table__
# Built once: constructing a statement costs more than executing it on SQLite (bench/engine.py).
LOAD_INSTANCE = (
    sa.select(
        ProcessInstance.id,
        ProcessInstance.lock_version,
        ProcessInstance.process_key,
        ProcessInstance.business_key,
        ProcessInstance.organisation_id,
        ProcessInstance.status,
        ProcessInstance.history_head,
        ProcessInstance.state,
        ProcessInstance.parties,
        ProcessInstance.definition_version,
        ProcessInstance.started_by,
        ProcessInstance.started_at,
        ProcessInstance.definition_id,
        ProcessDefinition.content_hash,
    )
    .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    .where(ProcessInstance.id == sa.bindparam("id"))
)
_INSERT_INSTANCE = Direct(sa.insert(_INSTANCES))
_INSERT_PARTIES = Direct(sa.insert(CaseParty.__table__))
_SAVE_INSTANCE = Direct(
    sa.update(_INSTANCES)
    .where(_INSTANCES.c.id == sa.bindparam("b_id"), _INSTANCES.c.lock_version == sa.bindparam("b_version"))
    .values({c: sa.bindparam(c) for c in (
        "state", "lock_version", "status", "variables", "outcome", "error_element", "error_message",
        "updated_at", "ended_at", "history_head")})
)
_SAVE_PARTIES = Direct(sa.update(_INSTANCES).where(_INSTANCES.c.id == sa.bindparam("b_id")).values(
    parties=sa.bindparam("b_parties")))


class LiveWorkflows:
    """Workflows of recently written cases, kept in memory by (case, version) after commit.

    Restoring a workflow costs more than anything else in a step and grows with its history, so the
    next step of a case usually skips it. The stored version must equal the database's, so another
    process's write is never missed; ``take`` removes the entry, so two threads never share a
    workflow object, and a step that fails never puts its (half-changed) workflow back.
    """

    def __init__(self, size: int = 512) -> None:
        self._entries: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, instance_id: str, version: int) -> Any:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        return entry[1] if entry is not None and entry[0] == version else None

    def keep(self, instance_id: str, version: int, workflow: Any) -> None:
        with self._lock:
            self._entries[instance_id] = (version, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def retag(self, instance_id: str, old: int, new: int) -> None:
        """The case's version moved without a change to its workflow (a claim, say)."""
        with self._lock:
            entry = self._entries.get(instance_id)
            if entry is not None and entry[0] == old:
                self._entries[instance_id] = (new, entry[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class CaseStore:
    """Load and persist cases; one per app, shared by every service that steps a case."""

    def __init__(self, repository: RepositoryService, engine: Engine, access: AccessService, clock: Clock) -> None:
        self.repository = repository
        self.engine = engine
        self.access = access
        self.clock = clock
        self.live = LiveWorkflows()
        # Called in persist's transaction after the task rows and history are written, so other
        # parts (timers, message subscriptions, reminders, mail) keep their rows in step with a case.
        self.step_listeners: list[StepListener] = []

    def load(self, session: sa.orm.Session, instance_id: str) -> LoadedInstance:
        """Read an instance and restore its workflow with the spec of the version it started on."""
        row = session.connection().execute(LOAD_INSTANCE, {"id": instance_id}).first()
        if row is None:
            raise NotFound("Fall nicht gefunden.")
        model = self.repository.cache.get(session, row.definition_id, row.content_hash, row.process_key)
        workflow = self.live.take(row.id, row.lock_version)
        if workflow is None:
            workflow = self.engine.restore(model, row.state)
        return LoadedInstance(
            id=row.id,
            lock_version=row.lock_version,
            process_key=row.process_key,
            business_key=row.business_key,
            organisation_id=row.organisation_id,
            status=row.status,
            history_head=row.history_head,
            model=model,
            workflow=workflow,
            parties=list(row.parties or ()),
            definition_version=row.definition_version,
            started_by=row.started_by,
            started_at=row.started_at,
            open_before=self.engine.open_human_tasks(workflow),
            stored_state=row.state,
        )

    def persist(
        self,
        session: sa.orm.Session,
        loaded: LoadedInstance,
        *,
        actor: Actor | None,
        effects: list[dict[str, Any]],
        completed: dict[str, int] | None = None,
        terminated: bool = False,
        new_row: dict[str, Any] | None = None,
        keep_variables: dict[str, Any] | None = None,
    ) -> tuple[Snapshot, TaskPlan]:
        """Write state, task rows and history of one step, guarded by the instance's version.

        ``new_row`` holds the fixed columns of an instance being started: it is inserted, not updated.

        Raises:
            Conflict: someone else wrote the instance since it was loaded.
        """
        snapshot = self.engine.snapshot(loaded.workflow, loaded.model)
        state = self.engine.dump(loaded.workflow)
        # past the case data limit: raised before anything is written (casework.cases.stepping stores the failure)
        self.engine.check_size(loaded.workflow, state, snapshot.variables)
        now = self.clock.now()
        actor_name = actor.username if actor else None
        status = "terminated" if terminated else snapshot.status
        loaded.events += _effect_events(loaded, snapshot, status, effects, actor_name, now)
        # organisations a script brought in (involve()): parties before the step's tasks are offered
        joined = [o for o in added_parties(effects) if o not in loaded.parties]
        if joined:
            loaded.parties = [*loaded.parties, *joined]  # a new list: the caller's may be in new_row
            if new_row is not None:
                new_row = {**new_row, "parties": loaded.parties}
        plan = plan_tasks(session, self.engine, self.access, loaded, snapshot, now=now,
                          completed=completed or {}, terminated=terminated)
        loaded.events += plan.events
        if status == "completed" and loaded.status != "completed":
            loaded.events.append(
                PendingEvent(now, actor_name, "instance_completed", data={"outcome": snapshot.outcome}))
        rows, head = chain(loaded.history_head, loaded.id, loaded.events)
        values = _values(loaded, snapshot, state, status, now, head, keep_variables)
        _write_instance(session.connection(), loaded, values, new_row, joined)
        write_tasks(session, plan, now)
        _write_readers(session, loaded.id, added_readers(effects))
        write_events(session, rows)
        for listener in self.step_listeners:
            listener(StepWritten(session, loaded, snapshot, plan, now, status, effects))
        self._written(session, loaded, status, now)
        return snapshot, plan

    def _written(self, session: sa.orm.Session, loaded: LoadedInstance, status: str, now: Any) -> None:
        """The loaded case now is what was written; a running one's workflow is kept after commit."""
        ended = status in ENDED
        loaded.status, loaded.lock_version = status, loaded.lock_version + 1
        loaded.ended_at = now if ended else None
        if not ended:
            version, workflow = loaded.lock_version, loaded.workflow
            after_commit(session, lambda: self.live.keep(loaded.id, version, workflow))

    def info(self, loaded: LoadedInstance, snapshot: Snapshot, open_tasks: tuple[TaskInfo, ...]) -> InstanceInfo:
        """The case after a step, built from memory (no re-read)."""
        return InstanceInfo(
            id=loaded.id,
            process_key=loaded.process_key,
            process_name=loaded.model.name,
            version=loaded.definition_version,
            status=loaded.status,
            business_key=loaded.business_key,
            variables=snapshot.variables,
            started_at=loaded.started_at,
            ended_at=loaded.ended_at,
            outcome=snapshot.outcome,
            started_by=loaded.started_by,
            organisation=self.access.organisation_name(loaded.organisation_id),
            error_message=snapshot.error_message if loaded.status == "error" else None,
            error_element=snapshot.error_element if loaded.status == "error" else None,
            open_tasks=open_tasks,
            lock_version=loaded.lock_version,
        )


def _write_readers(session: sa.orm.Session, instance_id: str, pairs: list[tuple[int, int]]) -> None:
    """The groups of party organisations a script let read the case (``involve(..., reads=True)``)."""
    if not pairs:
        return
    have = {(r.group_id, r.organisation_id) for r in session.execute(
        sa.select(CaseReader.group_id, CaseReader.organisation_id).where(CaseReader.instance_id == instance_id))}
    new = [{"instance_id": instance_id, "group_id": g, "organisation_id": o} for g, o in pairs if (g, o) not in have]
    if new:
        session.execute(sa.insert(CaseReader.__table__), new)


def _effect_events(
    loaded: LoadedInstance, snapshot: Snapshot, status: str, effects: list[dict[str, Any]],
    actor_name: str | None, now: Any,
) -> list[PendingEvent]:
    """History of what the scripts asked for (notifications, legal parameters used, parties
    involved) and, when the step failed the case, of the failure."""
    events = [PendingEvent(now, actor_name, EFFECT_ACTIONS.get(e.get("type", ""), "notification"), data=e)
              for e in effects]
    if status == "error" and loaded.status != "error":
        events.append(
            PendingEvent(now, actor_name, "instance_failed", task_name=snapshot.error_element,
                         data={"element": snapshot.error_element, "error": snapshot.error_message})
        )
    return events


def _values(
    loaded: LoadedInstance, snapshot: Snapshot, state: str, status: str, now: Any, head: str | None,
    keep_variables: dict[str, Any] | None,
) -> dict[str, Any]:
    """The instance row's changing columns after the step."""
    return {
        "state": state,
        "lock_version": loaded.lock_version + 1,
        "status": status,
        "variables": snapshot.variables if keep_variables is None else keep_variables,
        "outcome": snapshot.outcome,
        "error_element": snapshot.error_element if status == "error" else None,
        "error_message": snapshot.error_message if status == "error" else None,
        "updated_at": now,
        "ended_at": now if status in ENDED else None,
        "history_head": head,
    }


def _write_instance(
    conn: sa.Connection, loaded: LoadedInstance, values: dict[str, Any], new_row: dict[str, Any] | None,
    joined: list[int],
) -> None:
    """Insert a new instance row, or update it by compare-and-set on its version; then new parties.

    Raises:
        Conflict: someone else wrote the instance since it was loaded.
    """
    if new_row is not None:
        _INSERT_INSTANCE.execute(conn, {**new_row, **values})
    # compare-and-set before any other write: a concurrent writer of the same case blocks
    # here (PostgreSQL) or finds the version moved, before either touches task rows
    else:
        guard = {"b_id": loaded.id, "b_version": loaded.lock_version}
        if _SAVE_INSTANCE.execute(conn, {**guard, **values}) != 1:
            raise CaseChanged("Der Fall wurde inzwischen von jemand anderem geändert.")
        if joined:
            _SAVE_PARTIES.execute(conn, {"b_id": loaded.id, "b_parties": loaded.parties})
    if joined:
        _INSERT_PARTIES.execute(conn, [{"instance_id": loaded.id, "organisation_id": o} for o in joined])
