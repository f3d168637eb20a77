"""RuntimeService: start, read and terminate cases; `persist` writes a step in one transaction."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.cases.access import AccessService
from casework.cases.business_keys import DuplicateBusinessKey, clean_business_key, duplicate_message, ensure_unique
from casework.cases.history import HistoryService, PendingEvent, chain, write_events
from casework.cases.messages import correlate_message
from casework.cases.parties import added_parties
from casework.cases.repository import RepositoryService
from casework.cases.rows import MAX_PER_PAGE, assignee_names, instance_info, page_window, task_info
from casework.cases.stepping import CaseChanged, PreparedStep, Written, run_step
from casework.cases.steps import LoadedInstance, StepListener, StepWritten, TaskPlan
from casework.cases.sync import plan_tasks, write_tasks
from casework.cases.system_variables import land_of_case, refuse_system_variables
from casework.cases.visibility import case_visibility, redact_ballots
from casework.clock import Clock
from casework.context import running_case
from casework.dates import check_land
from casework.engine import Engine, ProcessModel, Snapshot, validate_form
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.records import Actor, HistoryEntry, InstanceInfo, Page, TaskInfo
from casework.unit_of_work import after_commit, unit_of_work
from models import CaseParty, HumanTask, Organisation, ProcessDefinition, ProcessInstance

SERIALIZER_VERSION = "spiff-3.2/camunda"
# the history action recorded for each kind of effect a script helper produces
EFFECT_ACTIONS = {"notify": "notification", "legal_parameter": "legal_parameter_used", "involve": "parties_added"}

_INSTANCES = ProcessInstance.__table__
# Built once: constructing a statement costs more than executing it on SQLite (bench/engine.py).
_LOAD_INSTANCE = (
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
_INSERT_INSTANCE = sa.insert(_INSTANCES)
_INSERT_PARTIES = sa.insert(CaseParty.__table__)
_SAVE_INSTANCE = (
    sa.update(_INSTANCES)
    .where(_INSTANCES.c.id == sa.bindparam("b_id"), _INSTANCES.c.lock_version == sa.bindparam("b_version"))
    .values({c: sa.bindparam(c) for c in (
        "state", "lock_version", "status", "variables", "outcome", "error_element", "error_message",
        "updated_at", "ended_at", "history_head")})
)
_SAVE_PARTIES = sa.update(_INSTANCES).where(_INSTANCES.c.id == sa.bindparam("b_id")).values(
    parties=sa.bindparam("b_parties"))


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


@dataclass(frozen=True)
class DiagramState:
    """A case drawn on its own version's diagram: the BPMN XML and element ids by state."""

    process_key: str
    version: int
    xml: str
    completed: list[str]
    active: list[str]
    waiting: list[str]
    failed: list[str]


class RuntimeService:
    """Cases: start, load with the spec of their own version, persist, query, terminate."""

    def __init__(
        self,
        repository: RepositoryService,
        engine: Engine,
        access: AccessService,
        history: HistoryService,
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.engine = engine
        self.access = access
        self.history = history
        self.clock = clock
        self.live = LiveWorkflows()
        # Called in persist's transaction after the task rows and history are written, so other
        # parts (timers, message subscriptions, reminders, mail) keep their rows in step with a case.
        self.step_listeners: list[StepListener] = []

    # --- commands --------------------------------------------------------------------------

    def start(
        self,
        process_key: str,
        *,
        actor: Actor,
        business_key: str | None = None,
        variables: dict[str, Any] | None = None,
        organisation_id: int | None = None,
    ) -> InstanceInfo:
        """Start the latest version of a process and run it until it waits.

        Raises:
            NotFound: no such process.
            Forbidden: the actor is not in the process's starter groups.
            ValidationFailed: the start variables do not fit the start form.
        """
        if variables is not None and not isinstance(variables, dict):
            raise ValidationFailed("Variablen müssen ein Objekt sein.", {"variables": "Kein Objekt"})
        business_key = clean_business_key(business_key)

        def prepare(session: sa.orm.Session) -> PreparedStep:
            return self._prepare_start(session, process_key, actor, business_key, variables or {}, organisation_id)

        def write(session: sa.orm.Session, prepared: PreparedStep, written: Written) -> InstanceInfo:
            snapshot, plan = written
            parties = prepared.extra["parties"]
            if parties:
                session.connection().execute(
                    _INSERT_PARTIES, [{"instance_id": prepared.loaded.id, "organisation_id": o} for o in parties]
                )
            return self.info(prepared.loaded, snapshot, tuple(plan.new_tasks))

        try:
            return run_step(self, prepare, write, actor=actor)
        except IntegrityError as exc:  # the same file reference started at the same moment
            if business_key is None:
                raise
            name = self.repository.get_definition(process_key).name
            raise DuplicateBusinessKey(duplicate_message(business_key, name), None) from exc

    def _prepare_start(
        self,
        session: sa.orm.Session,
        process_key: str,
        actor: Actor,
        business_key: str | None,
        variables: dict[str, Any],
        organisation_id: int | None,
    ) -> PreparedStep:
        """Checks and the engine run of :meth:`start`, in its read-only unit of work."""
        definition = self.repository.latest_head(session, process_key)
        if definition.starter_groups and not (actor.is_admin or set(definition.starter_groups) & actor.groups):
            raise Forbidden("Sie dürfen diesen Prozess nicht starten.")
        model = self.repository.cache.get(session, definition.id, definition.content_hash, definition.key)
        owner = self._owner(actor, organisation_id)
        ensure_unique(session, organisation_id=owner, process_key=definition.key, process_name=model.name,
                      business_key=business_key)
        parties, land = self.access.parties_for(session, owner)
        data = self._start_data(model, variables, actor, land)
        now = self.clock.now()
        instance_id = str(uuid.uuid4())
        with running_case(session, instance_id, owner, parties) as effects:
            workflow = self.engine.start(model, data)
        new_row = {
            "id": instance_id,
            "definition_id": definition.id,
            "process_key": definition.key,
            "definition_version": definition.version,
            "business_key": business_key,
            "organisation_id": owner,
            "serializer_version": SERIALIZER_VERSION,
            "parties": parties,
            "started_by": actor.username,
            "started_at": now,
            "visibility": case_visibility(model.properties),
        }
        loaded = LoadedInstance(
            id=instance_id,
            lock_version=0,
            process_key=definition.key,
            business_key=business_key,
            organisation_id=owner,
            status="running",
            history_head=None,
            model=model,
            workflow=workflow,
            parties=parties,
            definition_version=definition.version,
            started_by=actor.username,
            started_at=now,
        )
        started = PendingEvent(now, actor.username, "instance_started",
                               data={"version": definition.version, "variables": data})
        loaded.events.append(started)
        return PreparedStep(loaded, effects, before=lambda: self.engine.unstarted(model, data),
                            persist_options={"new_row": new_row}, failure_events=[started],
                            extra={"parties": parties})

    def terminate(self, instance_id: str, *, actor: Actor, reason: str) -> InstanceInfo:
        """Cancel a running case and its open tasks (admins only).

        Raises:
            NotFound: unknown or invisible.  Forbidden: not an admin.  Conflict: already ended.
        """
        if not reason or not reason.strip():
            raise ValidationFailed("Ein Grund ist erforderlich.", {"reason": "Pflichtfeld"})
        with unit_of_work() as session:
            if not self.access.can_see_instance(session, actor, instance_id):
                raise NotFound("Fall nicht gefunden.")
            if not actor.is_admin:
                raise Forbidden("Nur Administratoren dürfen Fälle beenden.")
            loaded = self.load(session, instance_id)
            if loaded.status not in ("running", "error"):
                raise Conflict("Der Fall ist bereits beendet.")
            # the variables as they were: a cancelled workflow keeps no task data to show
            before = self.engine.snapshot(loaded.workflow, loaded.model)
            loaded.workflow.cancel()
            loaded.events.append(
                PendingEvent(self.clock.now(), actor.username, "instance_terminated",
                             data={"reason": reason.strip()})
            )
            snapshot, _plan = self.persist(session, loaded, actor=actor, effects=[], terminated=True,
                                           keep_variables=before.variables)
            return self.info(loaded, replace(snapshot, variables=before.variables), ())

    def retry(self, instance_id: str, *, actor: Actor, variables: dict[str, Any] | None = None) -> InstanceInfo:
        """Run a failed case's failed tasks again, optionally with corrected variables (admins only).

        Raises:
            NotFound: unknown or invisible.  Forbidden: not an admin.  Conflict: the case has not failed.
            ValidationFailed: ``variables`` is not an object.
        """
        if variables is not None and not isinstance(variables, dict):
            raise ValidationFailed("Variablen müssen ein Objekt sein.", {"variables": "Kein Objekt"})

        def prepare(session: sa.orm.Session) -> PreparedStep:
            if not self.access.can_see_instance(session, actor, instance_id):
                raise NotFound("Fall nicht gefunden.")
            if not actor.is_admin:
                raise Forbidden("Nur Administratoren dürfen fehlgeschlagene Fälle erneut ausführen.")
            loaded = self.load(session, instance_id)
            if loaded.status != "error":
                raise Conflict("Der Fall ist nicht fehlgeschlagen.")
            # a correction fixes what a script got wrong, never who started the case or its Land
            refuse_system_variables(variables or {}, (*loaded.model.system_variables, "land"), land=True)
            with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
                retried = self.engine.retry(loaded.workflow, variables or {})
            loaded.status = "running"  # so that failing again is recorded as a failure again
            event = PendingEvent(self.clock.now(), actor.username, "instance_retried",
                                 data={"elements": retried, "variables": variables or {}})
            loaded.events.append(event)
            return PreparedStep(loaded, effects, before=self.stored_workflow(loaded), failure_events=[event])

        def write(session: sa.orm.Session, prepared: PreparedStep, written: Written) -> InstanceInfo:
            snapshot, plan = written
            return self.info(prepared.loaded, snapshot, tuple(plan.new_tasks))

        return run_step(self, prepare, write, actor=actor)

    def stored_workflow(self, loaded: LoadedInstance) -> Callable[[], Any]:
        """Rebuilds the workflow of ``loaded`` as read from the database (before this step ran)."""
        model, state = loaded.model, loaded.stored_state
        if state is None:
            raise ValueError("the instance was not read from the database")
        return lambda: self.engine.restore(model, state)

    def correlate_message(
        self, name: Any, correlation_key: Any, payload: Any, *, actor: Actor
    ) -> list[str]:
        """Deliver a message to the visible cases waiting for it; see :mod:`casework.cases.messages`.

        Raises:
            ValidationFailed: malformed input.  NotFound: no visible case waits for it.
            Conflict: a case changed meanwhile.
        """
        return correlate_message(self, name, correlation_key, payload, actor=actor)

    # --- the engine's persistence --------------------------------------------------------

    def load(self, session: sa.orm.Session, instance_id: str) -> LoadedInstance:
        """Read an instance and restore its workflow with the spec of the version it started on."""
        row = session.execute(_LOAD_INSTANCE, {"id": instance_id}).first()
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
        events = loaded.events
        events += [PendingEvent(now, actor_name, EFFECT_ACTIONS.get(e.get("type", ""), "notification"), data=e)
                   for e in effects]
        if status == "error" and loaded.status != "error":
            events.append(
                PendingEvent(now, actor_name, "instance_failed", task_name=snapshot.error_element,
                             data={"element": snapshot.error_element, "error": snapshot.error_message})
            )
        # organisations a script brought in (involve()): parties before the step's tasks are offered
        joined = [o for o in added_parties(effects) if o not in loaded.parties]
        if joined:
            loaded.parties = [*loaded.parties, *joined]  # a new list: the caller's may be in new_row
            if new_row is not None:
                new_row = {**new_row, "parties": loaded.parties}
        plan = plan_tasks(session, self.engine, self.access, loaded, snapshot, now=now,
                          completed=completed or {}, terminated=terminated)
        events += plan.events
        if status == "completed" and loaded.status != "completed":
            events.append(PendingEvent(now, actor_name, "instance_completed", data={"outcome": snapshot.outcome}))
        rows, head = chain(loaded.history_head, loaded.id, events)
        ended = status in ("completed", "terminated")
        values = {
                "state": state,
                "lock_version": loaded.lock_version + 1,
                "status": status,
                "variables": snapshot.variables if keep_variables is None else keep_variables,
                "outcome": snapshot.outcome,
                "error_element": snapshot.error_element if status == "error" else None,
                "error_message": snapshot.error_message if status == "error" else None,
                "updated_at": now,
                "ended_at": now if ended else None,
                "history_head": head,
        }
        conn = session.connection()
        if new_row is not None:
            conn.execute(_INSERT_INSTANCE, {**new_row, **values})
        # compare-and-set before any other write: a concurrent writer of the same case blocks
        # here (PostgreSQL) or finds the version moved, before either touches task rows
        else:
            guard = {"b_id": loaded.id, "b_version": loaded.lock_version}
            if conn.execute(_SAVE_INSTANCE, {**guard, **values}).rowcount != 1:
                raise CaseChanged("Der Fall wurde inzwischen von jemand anderem geändert.")
            if joined:
                conn.execute(_SAVE_PARTIES, {"b_id": loaded.id, "b_parties": loaded.parties})
        if joined:
            conn.execute(_INSERT_PARTIES, [{"instance_id": loaded.id, "organisation_id": o} for o in joined])
        write_tasks(session, plan, now)
        write_events(session, rows)
        for listener in self.step_listeners:
            listener(StepWritten(session, loaded, snapshot, plan, now, status, effects))
        loaded.status, loaded.lock_version = status, loaded.lock_version + 1
        loaded.ended_at = now if ended else None
        if not ended:
            version, workflow = loaded.lock_version, loaded.workflow
            after_commit(session, lambda: self.live.keep(loaded.id, version, workflow))
        return snapshot, plan

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

    # --- queries ---------------------------------------------------------------------------

    def get(self, instance_id: str, *, actor: Actor) -> InstanceInfo:
        """One case with its open tasks.

        Raises:
            NotFound: unknown or not visible to the actor.
        """
        with unit_of_work(write=False) as session:
            row = session.execute(
                sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name, ProcessDefinition.content_hash)
                .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                .outerjoin(Organisation, Organisation.id == ProcessInstance.organisation_id)
                .where(ProcessInstance.id == instance_id,
                       self.access.instance_visible_clause(actor))
            ).first()
            if row is None:
                raise NotFound("Fall nicht gefunden.")
            tasks = session.scalars(
                sa.select(HumanTask)
                .where(HumanTask.instance_id == instance_id, HumanTask.state == "open")
                .order_by(HumanTask.created_at)
            ).all()
            open_tasks = tuple(task_info(t, assignee_names(session, tasks)) for t in tasks)
            return self._need_to_know(session, instance_info(row[0], row[1], row[2], open_tasks), row, actor)

    def diagram_state(self, instance_id: str, *, actor: Actor) -> DiagramState:
        """The case's diagram (its own version's BPMN) with the path done, the open tasks and the waits.

        Read-only: the workflow is restored from the stored state and not kept, so the live
        workflow cache of the next step is left alone.

        Raises:
            NotFound: unknown or not visible to the actor.
        """
        with unit_of_work(write=False) as session:
            if not self.access.can_see_instance(session, actor, instance_id):
                raise NotFound("Fall nicht gefunden.")
            row = session.execute(_LOAD_INSTANCE, {"id": instance_id}).one()
            definition = self.repository.definition_by_id(session, row.definition_id)
            model = self.repository.cache.get(session, row.definition_id, row.content_hash, row.process_key)
            state = self.engine.diagram_state(self.engine.restore(model, row.state))
            return DiagramState(
                process_key=row.process_key,
                version=row.definition_version,
                xml=definition.files[definition.bpmn_file],
                **state,
            )

    def list_history(self, instance_id: str, *, actor: Actor) -> list[HistoryEntry]:
        """The audit trail of a case the actor may see, oldest first.

        Raises:
            NotFound: unknown or not visible.
        """
        return self.history_trail(instance_id, actor=actor)[0]

    def history_trail(self, instance_id: str, *, actor: Actor) -> tuple[list[HistoryEntry], bool]:
        """The audit trail of a case the actor may see, and whether its hash chain is unbroken.

        Raises:
            NotFound: unknown or not visible.
        """
        with unit_of_work(write=False) as session:
            if not self.access.can_see_instance(session, actor, instance_id):
                raise NotFound("Fall nicht gefunden.")
        return self.history.trail(instance_id)

    def page_history(
        self, instance_id: str, *, actor: Actor, page: int = 1, per_page: int = MAX_PER_PAGE
    ) -> tuple[Page[HistoryEntry], bool]:
        """One page of the audit trail (oldest first) and whether the whole chain is unbroken; the
        check reads every event anyway, so the page is cut from that one read.

        Raises:
            NotFound: unknown or not visible.
        """
        entries, intact = self.history_trail(instance_id, actor=actor)
        page, per_page = page_window(page, per_page)
        items = tuple(entries[(page - 1) * per_page : page * per_page])
        return Page(items=items, total=len(entries), page=page, per_page=per_page), intact

    def list(
        self,
        *,
        actor: Actor,
        process_key: str | None = None,
        status: str | None = None,
        business_key: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[InstanceInfo]:
        """Cases the actor may see, newest first."""
        page, per_page = page_window(page, per_page)
        conditions: list[Any] = []
        if not actor.is_admin:
            conditions.append(ProcessInstance.id.in_(self.access.visible_instance_ids(actor)))
        if process_key:
            conditions.append(ProcessInstance.process_key == process_key)
        if status:
            conditions.append(ProcessInstance.status == status)
        if business_key:
            conditions.append(ProcessInstance.business_key == business_key)
        with unit_of_work(write=False) as session:
            total = session.scalar(
                sa.select(sa.func.count()).select_from(ProcessInstance).where(*conditions)
            ) or 0
            rows = session.execute(
                sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name, ProcessDefinition.content_hash)
                .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                .outerjoin(Organisation, Organisation.id == ProcessInstance.organisation_id)
                .where(*conditions)
                .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
            items = tuple(self._need_to_know(session, instance_info(r[0], r[1], r[2], ()), r, actor) for r in rows)
        return Page(items=items, total=total, page=page, per_page=per_page)

    def _need_to_know(self, session: sa.orm.Session, info: InstanceInfo, row: Any, actor: Actor) -> InstanceInfo:
        """The case as the actor may read it: secret ballots cut to the actor's own vote."""
        model = self.repository.cache.get(session, row[0].definition_id, row[3], row[0].process_key)
        if not model.properties.get("secret_ballots"):
            return info
        return replace(info, variables=redact_ballots(info.variables, model.properties, actor))

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _owner(actor: Actor, organisation_id: int | None) -> int | None:
        if organisation_id is None:
            return actor.primary_organisation_id
        if organisation_id not in actor.organisation_ids and not actor.is_admin:
            raise ValidationFailed(
                "Sie gehören dieser Organisation nicht an.", {"organisation": "Nicht erlaubt"}
            )
        return organisation_id

    @staticmethod
    def _check_land(value: Any) -> str:
        try:
            return check_land(value)
        except ValueError:
            raise ValidationFailed(
                "Die Eingaben sind ungültig.", {"land": f"Unbekanntes Land: {value!r} (z. B. 'NW', 'BY')"}
            ) from None

    def _start_data(
        self, model: ProcessModel, variables: dict[str, Any], actor: Actor, land: str | None
    ) -> dict[str, Any]:
        variables = dict(variables)
        refuse_system_variables(variables, model.system_variables)
        given = variables.pop("land", None)
        case_land = land_of_case(None if given is None else self._check_land(given), land)
        # a start form that shows the Land (option_application) shows the organisation's
        asks_land = any(f.name == "land" for f in model.start_form.fields)
        if asks_land and case_land is not None:
            variables["land"] = case_land
        if model.start_form.fields:
            # start-form rules may look at who starts (e.g. only HR gives notice for the Träger)
            context = {"starter_groups": sorted(actor.groups), "started_by": actor.username}
            # a field left out takes the value the start form shows, as on a task's form
            shown = self.engine.form_defaults(model.start_form, {})
            variables = {**{k: v for k, v in shown.items() if k not in variables}, **variables}
            data = validate_form(model.start_form, variables, context=context, evaluate=self.engine.evaluate)
        else:
            data = variables
        if not asks_land or data.get("land") is None:
            data["land"] = case_land or "NW"
        data["started_by"] = actor.username
        if model.initiator:  # Camunda's camunda:initiator: the variable that names the starter
            data[model.initiator] = actor.username
        return data
