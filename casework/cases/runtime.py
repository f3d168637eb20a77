"""RuntimeService: start, retry, terminate and read cases; writing a step is casework.cases.store's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.cases.access import AccessService
from casework.cases.business_keys import DuplicateBusinessKey, clean_business_key, duplicate_message, ensure_unique
from casework.cases.direct import Direct
from casework.cases.history import HistoryService, PendingEvent
from casework.cases.messages import correlate_message
from casework.cases.repository import RepositoryService
from casework.cases.retry import retry
from casework.cases.rows import (
    MAX_PER_PAGE,
    OPEN_TASKS,
    StatementCache,
    assignee_names,
    instance_info,
    instance_statement,
    page_window,
    task_info,
)
from casework.cases.search import find, query_terms
from casework.cases.stepping import PreparedStep, Written, run_step
from casework.cases.steps import LoadedInstance, StepListener
from casework.cases.store import LOAD_INSTANCE, CaseStore
from casework.cases.system_variables import land_of_case, refuse_system_variables
from casework.cases.visibility import case_visibility, redact_ballots
from casework.clock import Clock
from casework.context import running_case
from casework.dates import check_land
from casework.engine import Engine, ProcessModel, validate_form
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.records import Actor, HistoryEntry, InstanceInfo, Page
from casework.unit_of_work import unit_of_work
from models import CaseParty, Organisation, ProcessDefinition, ProcessInstance

SERIALIZER_VERSION = "spiff-3.2/camunda"
_INSERT_PARTIES = Direct(sa.insert(CaseParty.__table__))

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
        self.store = CaseStore(repository, engine, access, clock)
        self._statements = StatementCache()
        # the store's, offered here because every service that steps a case holds the runtime:
        # load and persist a case (casework.cases.store), its live workflows and step listeners
        self.load = self.store.load
        self.persist = self.store.persist
        self.info = self.store.info
        self.live = self.store.live
        self.step_listeners: list[StepListener] = self.store.step_listeners

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
            ValidationFailed: the start variables do not fit the start form, or the process starts
                only by a message (no none start event).
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
                _INSERT_PARTIES.execute(
                    session.connection(), [{"instance_id": prepared.loaded.id, "organisation_id": o} for o in parties]
                )
            return self.info(prepared.loaded, snapshot, tuple(plan.new_tasks))

        try:
            return run_step(self, prepare, write, actor=actor)
        except IntegrityError as exc:  # the same file reference started at the same moment
            if business_key is None:
                raise
            name = self.repository.get_definition(process_key).name
            raise DuplicateBusinessKey(duplicate_message(business_key, name), None) from exc

    def startable(self, session: sa.orm.Session, process_key: str, actor: Actor) -> tuple[Any, ProcessModel]:
        """The latest version of a process the actor may start, and its model.

        Raises:
            NotFound: no such process.  Forbidden: the actor is not in its starter groups.
        """
        definition = self.repository.latest_head(session, process_key)
        if definition.starter_groups and not (actor.is_admin or set(definition.starter_groups) & actor.groups):
            raise Forbidden("Sie dürfen diesen Prozess nicht starten.")
        return definition, self.repository.cache.get(session, definition.id, definition.content_hash, definition.key)

    def _prepare_start(
        self,
        session: sa.orm.Session,
        process_key: str,
        actor: Actor,
        business_key: str | None,
        variables: dict[str, Any],
        organisation_id: int | None,
        message: tuple[str, dict[str, Any]] | None = None,
    ) -> PreparedStep:
        """Checks and the engine run of :meth:`start`, in its read-only unit of work; with ``message``
        (name, payload) the process's message start event receives it.

        Raises:
            ValidationFailed: a plain start of a process that starts only by a message.
        """
        definition, model = self.startable(session, process_key, actor)
        if message is None and not model.none_start and model.message_starts:
            # a case started here would wait for its start message forever (a timer start fires)
            how = ", ".join(f"Nachricht '{m}'" for m in model.message_starts)
            raise ValidationFailed(
                f"Der Prozess '{process_key}' hat kein einfaches Startereignis; er startet durch {how} "
                "(POST /api/v1/messages).", {"process_key": f"Startet nur durch {how}."})
        owner = self._owner(actor, organisation_id)
        ensure_unique(session, organisation_id=owner, process_key=definition.key, process_name=model.name,
                      business_key=business_key)
        parties, land = self.access.parties_for(session, owner)
        with running_case(session, None, owner, parties):  # start-form rules may ask members("tv")
            data = self._start_data(model, variables, actor, land)
        now = self.clock.now()
        instance_id = str(uuid.uuid4())
        with running_case(session, instance_id, owner, parties) as effects:
            workflow = self.engine.start(model, data)
            elements = self.engine.correlate(workflow, message[0], message[1], None) if message else []
        loaded = _started(instance_id, definition, model, workflow, business_key, owner, parties, actor, now)
        new_row = _new_row(loaded, definition.id)
        started = PendingEvent(now, actor.username, "instance_started",
                               data={"version": definition.version, "variables": data})
        loaded.events.append(started)
        if message:
            loaded.events.append(PendingEvent(now, actor.username, "message_received", task_name=elements[0],
                                              data={"message": message[0], "payload": message[1],
                                                    "elements": elements}))
        return PreparedStep(loaded, effects, before=lambda: self.engine.unstarted(model, data),
                            persist_options={"new_row": new_row}, failure_events=[started],
                            extra={"parties": parties})

    def start_in(
        self,
        session: sa.orm.Session,
        process_key: str,
        *,
        actor: Actor,
        business_key: str | None,
        variables: dict[str, Any],
        message: tuple[str, dict[str, Any]] | None = None,
    ) -> InstanceInfo:
        """Start a case inside the caller's (writing) unit of work: a message that starts a process
        is delivered with the messages to waiting cases, all in one transaction."""
        prepared = self._prepare_start(session, process_key, actor, business_key, variables, None, message)
        snapshot, plan = self.persist(session, prepared.loaded, actor=actor, effects=prepared.effects,
                                      **prepared.persist_options)
        parties = prepared.extra["parties"]
        if parties:
            _INSERT_PARTIES.execute(
                session.connection(), [{"instance_id": prepared.loaded.id, "organisation_id": o} for o in parties])
        return self.info(prepared.loaded, snapshot, tuple(plan.new_tasks))

    def message_start_keys(self, session: sa.orm.Session, name: str) -> list[str]:
        """Keys of the deployed processes (latest versions) whose start event waits for message ``name``."""
        return [row.key for row in self.repository.latest_rows(session)
                if name in self.repository.model_for(row).message_starts]

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

    def retry(
        self,
        instance_id: str,
        *,
        actor: Actor,
        variables: dict[str, Any] | None = None,
        latest_version: bool = False,
    ) -> InstanceInfo:
        """Run a failed case's failed tasks again, optionally with corrected variables and on the
        process's latest version (admins only); see :mod:`casework.cases.retry`.

        Raises:
            NotFound: unknown or invisible.  Forbidden: not an admin.  Conflict: the case has not
                failed, or the latest version lacks tasks the case has.
            ValidationFailed: ``variables`` is not an object.
        """
        return retry(self, instance_id, actor=actor, variables=variables, latest_version=latest_version)

    def stored_workflow(self, loaded: LoadedInstance) -> Callable[[], Any]:
        """Rebuilds the workflow of ``loaded`` as read from the database (before this step ran), and
        puts back the version it ran on."""
        model, state, version = loaded.model, loaded.stored_state, loaded.definition_version
        if state is None:
            raise ValueError("the instance was not read from the database")

        def rebuild() -> Any:
            loaded.model, loaded.definition_version = model, version
            return self.engine.restore(model, state)

        return rebuild

    def correlate_message(
        self, name: Any, correlation_key: Any, payload: Any, *, actor: Actor
    ) -> list[str]:
        """Deliver a message to the visible cases waiting for it; see :mod:`casework.cases.messages`.

        Raises:
            ValidationFailed: malformed input.  NotFound: no visible case waits for it.
            Conflict: a case changed meanwhile.
        """
        return correlate_message(self, name, correlation_key, payload, actor=actor)

    # --- queries ---------------------------------------------------------------------------

    def get(self, instance_id: str, *, actor: Actor) -> InstanceInfo:
        """One case with its open tasks.

        Raises:
            NotFound: unknown or not visible to the actor.
        """
        # built once per actor (and the groups they supervise), whichever case they open
        key = (actor, self.access.supervised_groups(actor))
        statement = self._statements.get(key, lambda: instance_statement(self.access.instance_visible_clause(actor)))
        with unit_of_work(write=False) as session:
            row = session.execute(statement, {"instance_id": instance_id}).first()
            if row is None:
                raise NotFound("Fall nicht gefunden.")
            tasks = session.connection().execute(OPEN_TASKS, {"instance_id": instance_id}).all()
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
            row = session.execute(LOAD_INSTANCE, {"id": instance_id}).one()
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
        q: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[InstanceInfo]:
        """Cases the actor may see, newest first; ``q`` searches their text (casework.cases.search)."""
        page, per_page = page_window(page, per_page)
        conditions: list[Any] = []
        if process_key:
            conditions.append(ProcessInstance.process_key == process_key)
        if status:
            conditions.append(ProcessInstance.status == status)
        if business_key:
            conditions.append(ProcessInstance.business_key == business_key)
        terms = query_terms(q)
        window: tuple[int, int] | None = None  # a search's ids are the page already
        with unit_of_work(write=False) as session:
            if terms:
                # the search finds the page's ids on its own table, already tested against the rule
                found = find(session, terms, self.access.found_visible_clause(actor), conditions, page, per_page)
                shown, total, capped = [ProcessInstance.id.in_(found.ids)], found.total, found.capped
            else:
                if not actor.is_admin:
                    # the visible cases as a union of index lookups (an OR of EXISTS tests every case)
                    conditions.append(ProcessInstance.id.in_(self.access.visible_instance_ids(actor)))
                total = session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance).where(*conditions)) or 0
                shown, capped, window = conditions, False, (per_page, (page - 1) * per_page)
            query = (
                sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name, ProcessDefinition.content_hash)
                .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                .outerjoin(Organisation, Organisation.id == ProcessInstance.organisation_id)
                .where(*shown)
                .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
            )
            if window:
                query = query.limit(window[0]).offset(window[1])
            rows = session.execute(query).all()
            items = tuple(self._need_to_know(session, instance_info(r[0], r[1], r[2], ()), r, actor) for r in rows)
        return Page(items=items, total=total, page=page, per_page=per_page, capped=capped)

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


def _started(
    instance_id: str, definition: Any, model: ProcessModel, workflow: Any, business_key: str | None,
    owner: int | None, parties: list[int], actor: Actor, now: Any,
) -> LoadedInstance:
    """A case just started, as if loaded: version 0, nothing open before its first step."""
    return LoadedInstance(
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


def _new_row(loaded: LoadedInstance, definition_id: int) -> dict[str, Any]:
    """The fixed columns of a new instance row; persist adds the state, version and status."""
    return {
        "id": loaded.id,
        "definition_id": definition_id,
        "process_key": loaded.process_key,
        "definition_version": loaded.definition_version,
        "business_key": loaded.business_key,
        "organisation_id": loaded.organisation_id,
        "serializer_version": SERIALIZER_VERSION,
        "parties": loaded.parties,
        "started_by": loaded.started_by,
        "started_at": loaded.started_at,
        "visibility": case_visibility(loaded.model.properties),
    }
