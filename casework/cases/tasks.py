"""TaskService: inbox queries and claim / unclaim / assign / complete of human tasks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from casework.cases.access import AccessService
from casework.cases.candidate_users import names_by_task, offered_task_ids, user_ids_by_task
from casework.cases.history import PendingEvent, chain, write_events
from casework.cases.rows import StatementCache, assignee_names, page_of_tasks, page_window, task_info
from casework.cases.runtime import RuntimeService
from casework.cases.stepping import PreparedStep, Written, run_step
from casework.cases.submission import check_documents, recordable
from casework.cases.task_order import due_condition, task_order
from casework.cases.visibility import redact_ballots
from casework.clock import Clock
from casework.context import running_case
from casework.engine import validate_form
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.presentation import merge_facts
from casework.records import Actor, Page, TaskInfo
from casework.unit_of_work import after_commit, unit_of_work
from models import HumanTask, ProcessDefinition, ProcessInstance, TaskCandidate, TaskCandidateUser, User

SCOPES = ("mine", "candidate", "all")
_SELECT_TASK = (
    sa.select(HumanTask.__table__, TaskCandidate.group_id.label("cand_group"),
              TaskCandidate.organisation_id.label("cand_org"), TaskCandidateUser.user_id.label("cand_user"))
    .outerjoin(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
    .outerjoin(TaskCandidateUser, TaskCandidateUser.task_id == HumanTask.id)
    .where(HumanTask.id == sa.bindparam("id"))
)


class TaskRow:
    """A task row with the (group, organisation) pairs and the users it is offered to, read together."""

    def __init__(self, row: Any, pairs: frozenset[tuple[int, int]], users: frozenset[int] = frozenset()) -> None:
        self._row = row
        self.pairs = pairs
        self.candidate_user_ids = users

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)

    def offered_to(self, actor: Actor) -> bool:
        # a substitute is offered the group tasks of the colleague they stand in for
        return self.state == "open" and bool(self.pairs & actor.all_memberships
                                             or self.candidate_user_ids & actor.offered_as)


class TaskService:
    """Human tasks. Inbox queries read only the task tables, never a workflow."""

    def __init__(self, runtime: RuntimeService, access: AccessService, clock: Clock) -> None:
        self.runtime = runtime
        self.access = access
        self.clock = clock
        self._statements = StatementCache()

    # --- queries ---------------------------------------------------------------------------

    def list(
        self,
        *,
        actor: Actor,
        scope: str = "all",
        process_key: str | None = None,
        process_instance_id: str | None = None,
        overdue: bool = False,
        due: str | None = None,
        sort: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[TaskInfo]:
        """Open tasks for the actor in due order (no due date last), then by priority (high first);
        ``sort`` names another column (``-`` before it: descending), ``due`` filters by due state.

        Raises:
            ValidationFailed: unknown scope, sort key or due state.
        """
        order = task_order(sort)
        if scope not in SCOPES:
            raise ValidationFailed("Unbekannter Bereich.", {"scope": f"Erlaubt: {', '.join(SCOPES)}"})
        page, per_page = page_window(page, per_page)

        def conditions() -> list[Any]:
            t = HumanTask
            found = [self._scope_clause(actor, scope)]
            if process_key:
                found.append(t.process_key == process_key)
            if process_instance_id:
                found.append(t.instance_id == process_instance_id)
            if overdue:
                found.append(t.due_at < self.clock.now())
            if due:
                found.append(due_condition(due, self.clock.now()))
            return found

        # a list filtered by the clock's now is built afresh; any other is kept per actor and filters
        key = None if overdue or due else (scope, actor, process_key, process_instance_id, sort, page, per_page)
        with unit_of_work(write=False) as session:
            rows, total = page_of_tasks(session, self._statements, key, conditions, order, page, per_page)
            names = assignee_names(session, rows)
            named = names_by_task(session, [r.id for r in rows if r.offered_by_name])
            items = tuple(task_info(r, names, candidate_users=named.get(r.id, ())) for r in rows)
            if actor.stands_in_for:
                items = self._mark_stand_ins(session, actor, rows, items)
        return Page(items=items, total=total, page=page, per_page=per_page)

    def _scope_clause(self, actor: Actor, scope: str) -> Any:
        """Open tasks the actor holds ("mine", also for a colleague they stand in for), is offered
        ("candidate") or either ("all")."""
        t = HumanTask
        mine = sa.and_(t.assignee_id == actor.user_id, t.state == "open")
        standing_in = self.access.stand_in_tasks(actor)
        if standing_in is not None:  # tasks assigned to a colleague the actor stands in for
            mine = sa.or_(mine, standing_in)
        offered = sa.and_(  # to one of the actor's groups, or to the actor by name (camunda:candidateUsers)
            t.id.in_(sa.union(sa.select(TaskCandidate.task_id).where(self.access.candidate_clause(actor)),
                              offered_task_ids(actor))),
            t.assignee_id.is_(None),
            t.state == "open",
        )
        return {"mine": mine, "candidate": offered, "all": sa.or_(mine, offered)}[scope]

    def _mark_stand_ins(self, session: sa.orm.Session, actor: Actor, rows: Any,
                        items: tuple[TaskInfo, ...]) -> tuple[TaskInfo, ...]:
        """Name the absent colleague on each task the actor would do for them ("in Vertretung für")."""
        pairs: dict[str, set[tuple[int, int]]] = {}
        for r in session.execute(sa.select(TaskCandidate.task_id, TaskCandidate.group_id, TaskCandidate.organisation_id)
                                 .where(TaskCandidate.task_id.in_([row.id for row in rows]))):
            pairs.setdefault(r.task_id, set()).add((r.group_id, r.organisation_id))
        users = user_ids_by_task(session, [row.id for row in rows])
        marked = []
        for row, item in zip(rows, items, strict=True):
            task = TaskRow(row, frozenset(pairs.get(row.id, ())), users.get(row.id, frozenset()))
            stand_in = self.access.stand_in_for(actor, task)
            marked.append(replace(item, on_behalf_of=stand_in.display_name) if stand_in else item)
        return tuple(marked)

    def get(self, task_id: str, *, actor: Actor) -> TaskInfo:
        """A task with its form and current values.

        Raises:
            NotFound: unknown, or not the actor's and not offered to them.
        """
        with unit_of_work(write=False) as session:
            task = self._visible(session, task_id, actor)
            found = session.execute(
                sa.select(ProcessDefinition, ProcessInstance.variables)
                .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
                .where(ProcessInstance.id == task.instance_id)
            ).first()
            if found is None:
                raise NotFound("Aufgabe nicht gefunden.")
            definition, variables = found
            model = self.runtime.repository.model_for(definition)
            meta = model.user_tasks.get(task.bpmn_id)
            form = meta.form if meta else None
            values = None
            if form is not None:
                values = self.runtime.engine.form_defaults(form, task.data or {})
            stand_in = self.access.stand_in_for(actor, task)
            # the case's facts only for those who may see the case (the task page's rule)
            shows_case = self.access.can_see_instance(session, actor, task.instance_id)
            return replace(
                task_info(
                    task,
                    assignee_names(session, [task]),
                    form=form,
                    form_values=values,
                    documentation=meta.documentation if meta else None,
                    candidate_users=names_by_task(session, [task.id]).get(task.id, ()),
                ),
                facts=merge_facts(model.facts, meta.facts if meta else ()) if shows_case else (),
                fact_data={**(variables or {}), **(task.data or {})} if shows_case else None,
                options=model.options,
                progress=_progress(session, task),
                on_behalf_of=stand_in.display_name if stand_in else None,
            )

    def get_case_context(self, task_id: str, *, actor: Actor) -> Any:
        """The case a visible task belongs to (for the task page)."""
        with unit_of_work(write=False) as session:
            task = self._visible(session, task_id, actor)
            instance_id = task.instance_id
        return self.runtime.get(instance_id, actor=actor) if self._case_visible(instance_id, actor) else None

    def list_overdue_supervised(self, *, actor: Actor, page: int = 1, per_page: int = 50) -> Page[TaskInfo]:
        """Overdue open tasks of the groups the actor supervises (gf: employee, hr_ba, ...), offered
        in one of the actor's organisations, most overdue first; empty for non-supervisors."""
        page, per_page = page_window(page, per_page)
        supervised = tuple(sorted(self.access.supervised_groups(actor)))
        if not supervised:
            return Page(items=(), total=0, page=page, per_page=per_page)
        t = HumanTask
        with unit_of_work(write=False) as session:
            group_ids = list(self.access.group_ids(session, supervised).values())
            conditions = [
                t.state == "open",
                t.due_at < self.clock.now(),
                t.id.in_(sa.select(TaskCandidate.task_id).where(
                    TaskCandidate.group_id.in_(group_ids),
                    TaskCandidate.organisation_id.in_(sorted(actor.organisation_ids)),
                )),
            ]
            total = session.scalar(sa.select(sa.func.count()).select_from(t).where(*conditions)) or 0
            rows = session.scalars(
                sa.select(t).where(*conditions).order_by(t.due_at, t.priority.desc(), t.id)
                .limit(per_page).offset((page - 1) * per_page)
            ).all()
            names = assignee_names(session, rows)
            items = tuple(task_info(r, names) for r in rows)
        return Page(items=items, total=total, page=page, per_page=per_page)

    # --- commands --------------------------------------------------------------------------

    def claim(self, task_id: str, *, actor: Actor) -> TaskInfo:
        """Take an offered task; claiming one's own task again is a no-op.

        Raises:
            NotFound: not visible.  Conflict: someone else holds it, or it is closed.
        """
        with unit_of_work() as session:
            task = self._visible(session, task_id, actor)
            self._require_open(task)
            self._require_may_work(session, task, actor)
            if task.assignee_id == actor.user_id:
                return task_info(task, {actor.user_id: actor.username})
            now = self.clock.now()
            self._take(session, task, actor, now)
            stand_in = self.access.stand_in_for(actor, task)
            self._append(session, task, _event(task, now, actor, "task_claimed",
                                               {"on_behalf_of": stand_in.username} if stand_in else None))
            return replace(task_info(task, {}), assignee=actor.username, claimed_at=now)

    def unclaim(self, task_id: str, *, actor: Actor) -> TaskInfo:
        """Give a task back to its groups.

        Raises:
            NotFound: not visible.  Conflict: closed, or held by someone else.
        """
        with unit_of_work() as session:
            task = self._visible(session, task_id, actor)
            self._require_open(task)
            if task.assignee_id != actor.user_id and not actor.is_admin:
                raise Conflict("Die Aufgabe ist Ihnen nicht zugewiesen.")
            now = self.clock.now()
            result = session.connection().execute(
                sa.update(HumanTask.__table__)
                .where(HumanTask.__table__.c.id == task_id,
                       HumanTask.__table__.c.assignee_id == task.assignee_id,
                       HumanTask.__table__.c.state == "open")
                .values(assignee_id=None, claimed_at=None)
            )
            if result.rowcount != 1:
                raise Conflict("Die Aufgabe wurde inzwischen geändert.")
            self._append(session, task, _event(task, now, actor, "task_unclaimed"))
            return replace(task_info(task, {}), assignee=None, claimed_at=None)

    def assign(self, task_id: str, *, actor: Actor, username: str) -> TaskInfo:
        """Hand a task to one of its candidates: by a supervisor of its groups (gf for hr_ba) in a case
        they may see, a member of them (passing it to a colleague) or an admin.

        Raises:
            NotFound: neither the task nor, for a supervisor, its case is visible.
            Forbidden: not allowed to assign it.  ValidationFailed: unknown user.
        """
        with unit_of_work() as session:
            task = self._supervised_or_visible(session, task_id, actor)
            self._require_open(task)
            if not (
                actor.is_admin
                or self.access.supervises(actor, task.candidate_groups)
                # a member passes on a task nobody else holds; taking one over is for supervisors
                or (task.assignee_id in (None, actor.user_id) and task.offered_to(actor))
            ):
                raise Forbidden("Nur Vorgesetzte und Mitglieder der Gruppe dürfen Aufgaben zuweisen.")
            target = self._assignable(session, task, username)
            now = self.clock.now()
            session.execute(
                sa.update(HumanTask.__table__)
                .where(HumanTask.__table__.c.id == task_id)
                .values(assignee_id=target.user_id, claimed_at=now)
            )
            self._append(session, task, PendingEvent(now, actor.username, "task_assigned", task.id,
                                                     task.bpmn_id, task.title, {"assignee": username}))
            return replace(task_info(task, {}), assignee=username, claimed_at=now)

    def complete(self, task_id: str, *, actor: Actor, data: dict[str, Any]) -> Any:
        """Validate the form data, run the task and the engine until it waits, in one transaction.

        A candidate who has not claimed the task claims it in the same step.
        Returns the case (InstanceInfo) after the step.

        Raises:
            NotFound: not visible.  Conflict: closed, held by someone else, or the case changed.
            ValidationFailed: the data does not fit the form; nothing is changed.
        """
        if not isinstance(data, dict):
            raise ValidationFailed("Daten müssen ein Objekt sein.", {"data": "Kein Objekt"})

        def prepare(session: sa.orm.Session) -> PreparedStep:
            return self._prepare_complete(session, task_id, actor, data)

        def write(session: sa.orm.Session, prepared: PreparedStep, written: Written) -> Any:
            snapshot, plan = written
            loaded = prepared.loaded
            still_open = [t for t in loaded.open_before if t != task_id and t not in plan.cancelled]
            open_tasks = tuple(plan.new_tasks)
            if still_open:  # parallel branches: their rows did not change, read them
                rows = session.scalars(sa.select(HumanTask).where(HumanTask.id.in_(still_open))).all()
                open_tasks = tuple(task_info(t, assignee_names(session, rows)) for t in rows) + open_tasks
            info = self.runtime.info(loaded, snapshot, open_tasks)
            # the last ballot's step tallies the vote: its answer must not show the others' votes
            return replace(info, variables=redact_ballots(info.variables, loaded.model.properties, actor))

        return run_step(self.runtime, prepare, write, actor=actor)

    def _prepare_complete(
        self, session: sa.orm.Session, task_id: str, actor: Actor, data: dict[str, Any]
    ) -> PreparedStep:
        """Checks, form validation and the engine run of :meth:`complete`, in its read-only unit of work."""
        task = self._visible(session, task_id, actor)
        self._require_open(task)
        now = self.clock.now()
        claimed, on_behalf = self._take_for_completion(session, task, actor, now)
        events = list(claimed)
        loaded = self.runtime.load(session, task.instance_id)
        meta = loaded.model.user_tasks.get(task.bpmn_id)
        clean = data
        if meta is not None:
            # a field left out takes the value the form shows (the browser sends it pre-filled)
            shown = self.runtime.engine.form_defaults(meta.form, task.data or {})
            data = {**{k: v for k, v in shown.items() if k not in data}, **data}
            clean = validate_form(meta.form, data, context=task.data or {},
                                  evaluate=self.runtime.engine.evaluate)
            check_documents(session, task.instance_id, meta.form, clean)
        before = self.runtime.stored_workflow(loaded)
        with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
            self.runtime.engine.complete(loaded.workflow, task_id, clean)
        events.append(PendingEvent(now, actor.username, "task_completed", task.id,
                                   task.bpmn_id, task.title, {**recordable(meta, clean), **on_behalf}))
        loaded.events.extend(events)
        return PreparedStep(loaded, effects, before=before, persist_options={"completed": {task_id: actor.user_id}})

    # --- helpers ---------------------------------------------------------------------------

    def _take_for_completion(self, session: sa.orm.Session, task: TaskRow, actor: Actor,
                             now: datetime) -> tuple[tuple[PendingEvent, ...], dict[str, str]]:
        """The events before a completion (a candidate's claim) and, for a substitute, whom they act
        for -- the one exception to "only candidates complete", recorded in the history.

        Raises:
            Conflict: someone else holds the task.  Forbidden: neither a candidate, the named
            assignee nor a substitute of one (AccessService.may_work_on).
        """
        stand_in = self.access.stand_in_for(actor, task)
        on_behalf = {"on_behalf_of": stand_in.username} if stand_in else {}
        if task.assignee_id not in (None, actor.user_id) and stand_in is None:
            raise Conflict("Die Aufgabe ist jemand anderem zugewiesen.")
        # also for the one who holds it: holding a task (e.g. assigned before this rule, or
        # since left the group) does not make one a candidate
        self._require_may_work(session, task, actor)
        if task.assignee_id is None:
            return (_event(task, now, actor, "task_claimed", on_behalf or None),), on_behalf
        return (), on_behalf

    @staticmethod
    def _read(session: sa.orm.Session, task_id: str) -> TaskRow | None:
        """The task and whom it is offered to, in ONE statement: one consistent snapshot, so a
        concurrent completion shows as "completed", never as "open but offered to nobody"."""
        if not isinstance(task_id, str) or len(task_id) > 36:
            return None
        rows = session.connection().execute(_SELECT_TASK, {"id": task_id}).all()
        if not rows:
            return None
        pairs = frozenset((r.cand_group, r.cand_org) for r in rows if r.cand_group is not None)
        return TaskRow(rows[0], pairs, frozenset(r.cand_user for r in rows if r.cand_user is not None))

    def _visible(self, session: sa.orm.Session, task_id: str, actor: Actor) -> TaskRow:
        """The task if the actor may see it (assignee, candidate, admin, ...).

        Raises:
            NotFound: unknown, or not visible to the actor.
        """
        task = self._read(session, task_id)
        if task is None or not self.access.can_see_task(session, actor, task, task.offered_to(actor)):
            raise NotFound("Aufgabe nicht gefunden.")
        return task

    def _supervised_or_visible(self, session: sa.orm.Session, task_id: str, actor: Actor) -> TaskRow:
        """A task the actor sees, or one of a group they supervise in a case they see (for assign)."""
        try:
            return self._visible(session, task_id, actor)
        except NotFound:
            task = self._read(session, task_id)
            if (
                task is None
                or not self.access.supervises(actor, task.candidate_groups)
                or not self.access.can_see_instance(session, actor, task.instance_id)
            ):
                raise
            return task

    def _case_visible(self, instance_id: str, actor: Actor) -> bool:
        with unit_of_work(write=False) as session:
            return self.access.can_see_instance(session, actor, instance_id)

    def _require_may_work(self, session: sa.orm.Session, task: Any, actor: Actor) -> None:
        """Admins see every task without being offered it; they may assign it, not do it.

        Raises:
            Forbidden: the actor sees the task but is neither a candidate nor its named assignee.
        """
        if not self.access.may_work_on(session, actor, task):
            if actor.is_admin:
                raise Forbidden("Sie können diese Aufgabe zuweisen, aber nicht selbst bearbeiten.")
            raise Forbidden(
                "Diese Aufgabe dürfen nur Mitglieder ihrer Kandidatengruppen in den beteiligten "
                "Organisationen bearbeiten."
            )

    def _assignable(self, session: sa.orm.Session, task: Any, username: str) -> Actor:
        """The active user ``username`` if they may hold the task (AccessService.may_work_on).

        Raises:
            ValidationFailed: unknown, inactive, or neither a candidate nor the named assignee.
        """
        user_id = session.scalar(sa.select(User.id).where(User.username == username, User.active.is_(True)))
        target = self.access.actor_for(session, user_id) if user_id is not None else None
        if target is None:
            raise ValidationFailed("Die Person kann diese Aufgabe nicht übernehmen.",
                                   {"username": "Unbekannte oder deaktivierte Person."})
        if not self.access.may_work_on(session, target, task):
            raise ValidationFailed(
                "Die Person kann diese Aufgabe nicht übernehmen: Zuweisen lässt sich eine Aufgabe nur an "
                "Mitglieder ihrer Kandidatengruppen in einer beteiligten Organisation (Funktionstrennung).",
                {"username": "Nicht in den Kandidatengruppen dieser Aufgabe."},
            )
        return target

    @staticmethod
    def _require_open(task: Any) -> None:
        if task.state != "open":
            raise Conflict("Die Aufgabe ist bereits erledigt.")

    @staticmethod
    def _take(session: sa.orm.Session, task: Any, actor: Actor, now: datetime) -> None:
        """Compare-and-set: only an unassigned open task can be taken."""
        table = HumanTask.__table__
        result = session.connection().execute(
            sa.update(table)
            .where(table.c.id == task.id, table.c.assignee_id.is_(None), table.c.state == "open")
            .values(assignee_id=actor.user_id, claimed_at=now)
        )
        if result.rowcount != 1:
            raise Conflict("Die Aufgabe wurde bereits von jemand anderem übernommen.")

    def _append(self, session: sa.orm.Session, task: Any, event: PendingEvent) -> None:
        """Append one event and move the instance's version, so history appends are serialised."""
        table = ProcessInstance.__table__
        head, version = session.execute(
            sa.select(table.c.history_head, table.c.lock_version).where(table.c.id == task.instance_id)
        ).one()
        rows, new_head = chain(head, task.instance_id, [event])
        result = session.connection().execute(
            sa.update(table)
            .where(table.c.id == task.instance_id, table.c.lock_version == version)
            .values(history_head=new_head, lock_version=version + 1)
        )
        if result.rowcount != 1:
            raise Conflict("Der Fall wurde inzwischen geändert; bitte erneut versuchen.")
        write_events(session, rows)
        after_commit(session, lambda: self.runtime.live.retag(task.instance_id, version, version + 1))


def _progress(session: sa.orm.Session, task: Any) -> tuple[int, int] | None:
    """How many instances of a multi-instance task are done: its instances are the rows one step
    opened for the same element, so a second vote on the same element counts afresh."""
    states = session.scalars(
        sa.select(HumanTask.state).where(
            HumanTask.instance_id == task.instance_id,
            HumanTask.bpmn_id == task.bpmn_id,
            HumanTask.created_at == task.created_at,
        )
    ).all()
    if len(states) < 2:
        return None
    return sum(state == "completed" for state in states), len(states)


def _event(task: Any, now: datetime, actor: Actor, action: str, data: dict[str, Any] | None = None) -> PendingEvent:
    return PendingEvent(now, actor.username, action, task.id, task.bpmn_id, task.title, data)
