"""RuntimeService: start, read and terminate cases; `persist` writes a step in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from casework.access import AccessService
from casework.clock import Clock
from casework.engine import Engine, ProcessModel, Snapshot, validate_form
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.helpers import collect_effects
from casework.history import HistoryService, PendingEvent, chain, write_events
from casework.records import Actor, InstanceInfo, Page, TaskInfo
from casework.repository import RepositoryService
from casework.sync import sync_tasks
from casework.unit_of_work import unit_of_work
from models import CaseParty, HumanTask, Organisation, ProcessDefinition, ProcessInstance

SERIALIZER_VERSION = "spiff-3.2/camunda"
MAX_PER_PAGE = 200


@dataclass
class LoadedInstance:
    """An instance row's fields plus its live workflow, for one unit of work."""

    id: str
    lock_version: int
    process_key: str
    business_key: str | None
    organisation_id: int | None
    status: str
    history_head: str | None
    model: ProcessModel
    workflow: Any
    events: list[PendingEvent] = field(default_factory=list)


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
        with unit_of_work() as session:
            definition = self.repository.find_row(session, process_key, None)
            if definition.starter_groups and not (
                actor.is_admin or set(definition.starter_groups) & actor.groups
            ):
                raise Forbidden("Sie dürfen diesen Prozess nicht starten.")
            model = self.repository.model_for(definition)
            owner = self._owner(actor, organisation_id)
            data = self._start_data(session, model, variables or {}, actor, owner)
            now = self.clock.now()
            instance_id = str(uuid.uuid4())
            with collect_effects() as effects:
                workflow = self.engine.start(model, data)
            session.execute(
                sa.insert(ProcessInstance.__table__).values(
                    id=instance_id,
                    definition_id=definition.id,
                    process_key=definition.key,
                    definition_version=definition.version,
                    business_key=business_key,
                    organisation_id=owner,
                    status="running",
                    state="",
                    serializer_version=SERIALIZER_VERSION,
                    lock_version=0,
                    variables={},
                    started_by=actor.username,
                    started_at=now,
                    updated_at=now,
                )
            )
            parties = self.access.parties_for(session, owner)
            if parties:
                session.execute(
                    sa.insert(CaseParty.__table__),
                    [{"instance_id": instance_id, "organisation_id": o} for o in parties],
                )
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
            )
            loaded.events.append(
                PendingEvent(now, actor.username, "instance_started",
                             data={"version": definition.version, "variables": data})
            )
            self.persist(session, loaded, actor=actor, effects=effects, parties=parties)
        return self.get(instance_id, actor=actor)

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
            loaded.workflow.cancel()
            loaded.events.append(
                PendingEvent(self.clock.now(), actor.username, "instance_terminated",
                             data={"reason": reason.strip()})
            )
            self.persist(session, loaded, actor=actor, effects=[], terminated=True)
        return self.get(instance_id, actor=actor)

    # --- the engine's persistence --------------------------------------------------------

    def load(self, session: sa.orm.Session, instance_id: str) -> LoadedInstance:
        """Read an instance and restore its workflow with the spec of the version it started on."""
        row = session.execute(
            sa.select(
                ProcessInstance.id,
                ProcessInstance.lock_version,
                ProcessInstance.process_key,
                ProcessInstance.business_key,
                ProcessInstance.organisation_id,
                ProcessInstance.status,
                ProcessInstance.history_head,
                ProcessInstance.state,
                ProcessDefinition,
            )
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.id == instance_id)
        ).first()
        if row is None:
            raise NotFound("Fall nicht gefunden.")
        model = self.repository.model_for(row.ProcessDefinition)
        return LoadedInstance(
            id=row.id,
            lock_version=row.lock_version,
            process_key=row.process_key,
            business_key=row.business_key,
            organisation_id=row.organisation_id,
            status=row.status,
            history_head=row.history_head,
            model=model,
            workflow=self.engine.restore(model, row.state),
        )

    def persist(
        self,
        session: sa.orm.Session,
        loaded: LoadedInstance,
        *,
        actor: Actor | None,
        effects: list[dict[str, Any]],
        parties: list[int] | None = None,
        completed: dict[str, int] | None = None,
        terminated: bool = False,
    ) -> Snapshot:
        """Write state, task rows and history of one step, guarded by the instance's version.

        Raises:
            Conflict: someone else wrote the instance since it was loaded.
        """
        snapshot = self.engine.snapshot(loaded.workflow, loaded.model)
        now = self.clock.now()
        actor_name = actor.username if actor else None
        status = "terminated" if terminated else snapshot.status
        for effect in effects:
            loaded.events.append(PendingEvent(now, actor_name, "notification", data=effect))
        if status == "error" and loaded.status != "error":
            loaded.events.append(
                PendingEvent(now, actor_name, "instance_failed", task_name=snapshot.error_element,
                             data={"element": snapshot.error_element, "error": snapshot.error_message})
            )
        if status == "completed" and loaded.status != "completed":
            loaded.events.append(
                PendingEvent(now, actor_name, "instance_completed", data={"outcome": snapshot.outcome})
            )
        ended = status in ("completed", "terminated")
        table = ProcessInstance.__table__
        # compare-and-set first: a concurrent writer of the same case blocks here (PostgreSQL) or
        # finds the version moved, before either touches task rows
        result = session.execute(
            sa.update(table)
            .where(table.c.id == loaded.id, table.c.lock_version == loaded.lock_version)
            .values(
                state=self.engine.dump(loaded.workflow),
                lock_version=loaded.lock_version + 1,
                status=status,
                variables=snapshot.variables,
                outcome=snapshot.outcome,
                error_element=snapshot.error_element if status == "error" else None,
                error_message=snapshot.error_message if status == "error" else None,
                updated_at=now,
                ended_at=now if ended else None,
            )
        )
        if result.rowcount != 1:
            raise Conflict("Der Fall wurde inzwischen von jemand anderem geändert.")
        if parties is None and snapshot.ready_tasks:
            parties = [r for (r,) in session.execute(
                sa.select(CaseParty.organisation_id).where(CaseParty.instance_id == loaded.id))]
        task_events = sync_tasks(
            session,
            self.engine,
            self.access,
            loaded,
            snapshot,
            now=now,
            parties=parties or [],
            completed=completed or {},
            terminated=terminated,
        )
        rows, head = chain(loaded.history_head, loaded.id, loaded.events + task_events)
        session.execute(sa.update(table).where(table.c.id == loaded.id).values(history_head=head))
        write_events(session, rows)
        return snapshot

    # --- queries ---------------------------------------------------------------------------

    def get(self, instance_id: str, *, actor: Actor) -> InstanceInfo:
        """One case with its open tasks.

        Raises:
            NotFound: unknown or not visible to the actor.
        """
        with unit_of_work(write=False) as session:
            row = session.execute(
                sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name)
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
            from casework.tasks import task_info  # local: tasks imports runtime

            open_tasks = tuple(task_info(t, assignee_names(session, tasks)) for t in tasks)
            return instance_info(row[0], row[1], row[2], open_tasks)

    def list_history(self, instance_id: str, *, actor: Actor) -> list[Any]:
        """The audit trail of a case the actor may see.

        Raises:
            NotFound: unknown or not visible.
        """
        with unit_of_work(write=False) as session:
            if not self.access.can_see_instance(session, actor, instance_id):
                raise NotFound("Fall nicht gefunden.")
        return self.history.list_for_instance(instance_id)

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
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        conditions = [self.access.instance_visible_clause(actor)]
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
                sa.select(ProcessInstance, ProcessDefinition.name, Organisation.name)
                .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                .outerjoin(Organisation, Organisation.id == ProcessInstance.organisation_id)
                .where(*conditions)
                .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
            items = tuple(instance_info(r[0], r[1], r[2], ()) for r in rows)
        return Page(items=items, total=total, page=page, per_page=per_page)

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

    def _start_data(
        self,
        session: sa.orm.Session,
        model: ProcessModel,
        variables: dict[str, Any],
        actor: Actor,
        owner: int | None,
    ) -> dict[str, Any]:
        if model.start_form.fields:
            data = validate_form(
                model.start_form, variables, context={}, evaluate=self.engine.evaluate
            )
        else:
            data = dict(variables)
        land = session.scalar(sa.select(Organisation.land).where(Organisation.id == owner)) if owner else None
        data.setdefault("land", land or "NW")
        data["started_by"] = actor.username
        return data


def assignee_names(session: sa.orm.Session, tasks: Any) -> dict[int, str]:
    from models import User

    ids = {t.assignee_id for t in tasks if t.assignee_id} | {
        t.completed_by_id for t in tasks if t.completed_by_id
    }
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def instance_info(
    row: ProcessInstance, process_name: str, organisation: str | None, open_tasks: tuple[TaskInfo, ...]
) -> InstanceInfo:
    return InstanceInfo(
        id=row.id,
        process_key=row.process_key,
        process_name=process_name,
        version=row.definition_version,
        status=row.status,
        business_key=row.business_key,
        variables=row.variables or {},
        started_at=row.started_at,
        ended_at=row.ended_at,
        outcome=row.outcome,
        started_by=row.started_by,
        organisation=organisation,
        error_message=row.error_message,
        error_element=row.error_element,
        open_tasks=open_tasks,
        lock_version=row.lock_version,
    )
