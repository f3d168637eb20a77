"""Who may see and do what: users, groups and organisations. Answers "visible?", never HTTP codes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from casework.cases.candidate_users import is_named, offered_task_ids
from casework.cases.standins import stand_ins
from casework.records import Actor, StandIn
from models import (
    CaseReader,
    CaseSearch,
    Group,
    HumanTask,
    Membership,
    Organisation,
    OrganisationLink,
    ProcessInstance,
    TaskCandidate,
    User,
)

ADMIN_GROUP = "admin"
# the visibility of a case that everyone of its organisations sees (casework.cases.visibility)
ORGANISATION_WIDE = "organisation"

# a user with each of their memberships; the session lookup (casework.sessions) adds its own columns
ACTOR_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.email,
    User.active,
    User.organisation_id,
    Group.id.label("group_id"),
    Group.name.label("group_name"),
    Membership.organisation_id.label("membership_org"),
)
_ACTOR = (
    sa.select(*ACTOR_COLUMNS)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(User.id == sa.bindparam("id"))
)
_LINKED = sa.select(OrganisationLink.related_id).where(
    OrganisationLink.organisation_id.in_(sa.bindparam("ids", expanding=True))
)
_ORGANISATION_PARTIES = (
    sa.select(Organisation.land, OrganisationLink.related_id)
    .outerjoin(OrganisationLink, OrganisationLink.organisation_id == Organisation.id)
    .where(Organisation.id == sa.bindparam("id"))
)


class AccessService:
    """Builds actors and the SQL conditions that limit what an actor sees."""

    def __init__(self) -> None:
        self._group_ids: dict[str, int] = {}
        self._supervisors: dict[str, set[str]] | None = None
        self._org_names: dict[int, str] = {}
        self._lock = threading.Lock()
        # the business calendar's today (Casework sets it), for whom a user stands in
        self.today: Callable[[], date] | None = None

    # --- actors ----------------------------------------------------------------------------

    def actor_for(self, session: sa.orm.Session, user_id: int, today: date | None = None) -> Actor | None:
        """The actor of an active user, with all memberships, in one query (it runs on every request);
        with ``today``, also the absent colleagues they stand in for (casework.cases.standins)."""
        actor = self.actor_from_rows(session.connection().execute(_ACTOR, {"id": user_id}).all())
        return self.with_stand_ins(session, actor, today) if today is not None else actor

    def with_stand_ins(self, session: sa.orm.Session, actor: Actor | None, today: date | None = None) -> Actor | None:
        """``actor`` with the absent colleagues they stand in for on ``today`` (default: the business
        clock's today, set by the Casework facade)."""
        day = today or (self.today() if self.today is not None else None)
        if actor is None or day is None:
            return actor
        found = stand_ins(session, actor.user_id, day)
        return replace(actor, stands_in_for=found) if found else actor

    @staticmethod
    def actor_from_rows(rows: Any) -> Actor | None:
        """The actor from rows shaped like ``ACTOR_COLUMNS`` (one per membership); None if inactive."""
        if not rows or not rows[0].active:
            return None
        user = rows[0]
        rows = [r for r in rows if r.group_id is not None]
        groups = frozenset(r.group_name for r in rows)
        orgs = {r.membership_org for r in rows}
        if user.organisation_id is not None:
            orgs.add(user.organisation_id)
        return Actor(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            groups=groups,
            memberships=frozenset((r.group_id, r.membership_org) for r in rows),
            organisation_ids=frozenset(orgs),
            primary_organisation_id=user.organisation_id,
            is_admin=ADMIN_GROUP in groups,
            email=user.email,
        )

    def visible_instance_ids(self, actor: Actor) -> Any:
        """The same rule as ``instance_visible_clause`` as a union of index lookups, for case lists
        (an OR of EXISTS would make the database test every case)."""
        return sa.union(
            sa.select(ProcessInstance.id).where(
                ProcessInstance.organisation_id.in_(sorted(actor.organisation_ids)),
                ProcessInstance.visibility == ORGANISATION_WIDE,
            ),
            *self._taking_part(actor),
        )

    def found_visible_clause(self, actor: Actor) -> Any:
        """``instance_visible_clause`` as a condition on a CaseSearch row, for a search: its copies of
        the case's organisation and visibility first, then the cases the actor takes part in as a
        union of index lookups -- so the database tests only the found rows, never every case."""
        if actor.is_admin:
            return sa.true()
        return sa.or_(
            sa.and_(
                CaseSearch.organisation_id.in_(sorted(actor.organisation_ids)),
                CaseSearch.visibility == ORGANISATION_WIDE,
            ),
            CaseSearch.instance_id.in_(sa.union(*self._taking_part(actor))),
        )

    def _taking_part(self, actor: Actor) -> list[Any]:
        # as in instance_visible_clause, an offer counts only while its task is open: a list must never
        # name a case whose page then answers 404
        offered = (HumanTask.state == "open",)
        parts = [
            sa.select(ProcessInstance.id).where(ProcessInstance.started_by == actor.username),
            sa.select(HumanTask.instance_id).where(HumanTask.assignee_id == actor.user_id),
            sa.select(HumanTask.instance_id).where(HumanTask.completed_by_id == actor.user_id),
        ]
        if actor.all_memberships:
            parts.append(
                sa.select(HumanTask.instance_id)
                .join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
                .where(self.candidate_clause(actor), *offered)
            )
            parts.append(sa.select(CaseReader.instance_id).where(self.reader_clause(actor)))
        # offered by name (camunda:candidateUsers), to the actor or to whom they stand in for
        parts.append(sa.select(HumanTask.instance_id).where(HumanTask.id.in_(offered_task_ids(actor))))
        standing_in = self.stand_in_tasks(actor)
        if standing_in is not None:
            parts.append(sa.select(HumanTask.instance_id).where(standing_in))
        supervised = self._supervised_candidates(actor)
        if supervised is not None:
            parts.append(
                sa.select(HumanTask.instance_id)
                .join(TaskCandidate, TaskCandidate.task_id == HumanTask.id)
                .where(supervised, *offered)
            )
        return parts

    @staticmethod
    def stand_in_tasks(actor: Actor) -> Any:
        """SQL condition on HumanTask: an open task assigned to a colleague the actor stands in for --
        from a group (it has candidate rows) for the substitute, a personal ballot for the deputy."""
        conditions = []
        # offered to groups or to named users: a task someone holds "from a group" (not a ballot)
        offered = sa.or_(sa.exists().where(TaskCandidate.task_id == HumanTask.id), is_named(HumanTask.id))
        for stand_in in actor.stands_in_for:
            mine = sa.and_(HumanTask.assignee_id == stand_in.user_id, HumanTask.state == "open")
            if stand_in.ballots:
                conditions.append(mine if stand_in.tasks else sa.and_(mine, ~offered))
            elif stand_in.tasks:
                conditions.append(sa.and_(mine, offered))
        return sa.or_(*conditions) if conditions else None

    @staticmethod
    def stand_in_for(actor: Actor, task: Any) -> StandIn | None:
        """The absent colleague for whom the actor works on ``task`` (its ``assignee_id``, ``state`` and
        ``pairs``), or None when the actor works in their own right or not at all."""
        if task.state != "open" or not actor.stands_in_for or task.assignee_id == actor.user_id:
            return None
        users: frozenset[int] = getattr(task, "candidate_user_ids", frozenset())
        offered = bool(task.pairs or users)
        for stand_in in actor.stands_in_for:
            if task.assignee_id == stand_in.user_id:
                # a task assigned from a group passes to the substitute, a personal ballot to the deputy
                if (stand_in.tasks and offered) or (stand_in.ballots and not offered):
                    return stand_in
            elif task.assignee_id is None and stand_in.tasks and (
                    task.pairs & stand_in.memberships or stand_in.user_id in users):
                if not task.pairs & actor.memberships and actor.user_id not in users:
                    return stand_in
        return None

    def _supervised_candidates(self, actor: Actor) -> Any:
        """SQL condition on TaskCandidate: an open task offered, in one of the actor's organisations, to
        a group the actor supervises (the gf for hr_ba) -- supervisors take part in such a case."""
        supervised = sorted(self.supervised_groups(actor))
        if not supervised:
            return None
        return sa.and_(
            TaskCandidate.group_id.in_(sa.select(Group.id).where(Group.name.in_(supervised))),
            TaskCandidate.organisation_id.in_(sorted(actor.organisation_ids)),
        )

    def organisation_name(self, organisation_id: int | None) -> str | None:
        """Organisation names never change under a running app often enough to re-read them per step."""
        if organisation_id is None:
            return None
        name = self._org_names.get(organisation_id)
        if name is None:
            from models import db

            name = db.session().scalar(sa.select(Organisation.name).where(Organisation.id == organisation_id))
            if name is not None:
                self._org_names[organisation_id] = name
        return name

    # --- groups ----------------------------------------------------------------------------

    def group_ids(self, session: sa.orm.Session, names: tuple[str, ...]) -> dict[str, int]:
        """Ids of the named groups; unknown names are left out. Cached: groups are rarely added."""
        missing = [n for n in names if n not in self._group_ids]
        if missing:
            rows = session.execute(sa.select(Group.name, Group.id)).all()
            with self._lock:
                self._group_ids = {r.name: r.id for r in rows}
        return {n: self._group_ids[n] for n in names if n in self._group_ids}

    def forget_groups(self) -> None:
        with self._lock:
            self._group_ids = {}
            self._supervisors = None

    def supervised_groups(self, actor: Actor) -> frozenset[str]:
        """Names of the groups whose supervisor group the actor belongs to (gf supervises hr_ba, ...)."""
        supervisors = self._supervisors
        if supervisors is None:
            from models import db  # a cache filled on first use, outside any unit of work

            boss = sa.orm.aliased(Group)
            rows = db.session().execute(
                sa.select(Group.name, boss.name).join(boss, boss.id == Group.supervisor_group_id)
            ).all()
            supervisors = {}
            for group_name, boss_name in rows:
                supervisors.setdefault(boss_name, set()).add(group_name)
            self._supervisors = supervisors
        return frozenset(g for s in actor.groups for g in supervisors.get(s, ()))

    def supervises(self, actor: Actor, candidate_groups: Any) -> bool:
        return bool(self.supervised_groups(actor) & set(candidate_groups or ()))

    # --- cases -----------------------------------------------------------------------------

    @staticmethod
    def parties_for(session: sa.orm.Session, organisation_id: int | None) -> tuple[list[int], str | None]:
        """The case parties and the owner's Land.

        Parties are the owning organisation, the ones linked to it and theirs in turn (two hops): a
        case the Agentur starts for a Jobcenter's staff reaches the Kreis's HR through the Jobcenter.
        Tasks are offered to the candidate groups' members in these organisations. A running case
        adds further ones with the script helper ``involve`` (casework.cases.parties).
        """
        if organisation_id is None:
            return [], None
        rows = session.connection().execute(_ORGANISATION_PARTIES, {"id": organisation_id}).all()
        land = rows[0].land if rows else None
        near = {r.related_id for r in rows if r.related_id is not None}
        far: set[int] = set()
        if near:
            far = set(session.connection().execute(_LINKED, {"ids": sorted(near)}).scalars())
        related = (near | far) - {organisation_id}
        return [organisation_id, *sorted(related)], land

    def instance_visible_clause(self, actor: Actor) -> Any:
        """SQL condition on ProcessInstance (DOMAIN.md §2): a case of one of the actor's organisations
        (unless its process is for its parties only), or one they take part in — started it, hold or
        completed one of its tasks, are offered one, or supervise a group one is offered to.

        Linked organisations (a Jobcenter's Träger) only get the tasks offered to their groups: the
        Agentur's HR sees a termination case when its record task reaches them, not before.
        """
        if actor.is_admin:
            return sa.true()
        conditions = [
            # a personnel matter ("parties") is not for everyone of the organisation (issue 14 §5)
            sa.and_(
                ProcessInstance.organisation_id.in_(sorted(actor.organisation_ids)),
                ProcessInstance.visibility == ORGANISATION_WIDE,
            ),
            ProcessInstance.started_by == actor.username,
            sa.exists().where(
                HumanTask.instance_id == ProcessInstance.id,
                sa.or_(HumanTask.assignee_id == actor.user_id, HumanTask.completed_by_id == actor.user_id),
            ),
        ]
        if actor.all_memberships:
            conditions.append(
                sa.exists().where(
                    HumanTask.instance_id == ProcessInstance.id,
                    HumanTask.state == "open",
                    HumanTask.id.in_(sa.select(TaskCandidate.task_id).where(self.candidate_clause(actor))),
                )
            )
            # a group a process let read the case (involve(..., reads=True)), also after it ended
            conditions.append(sa.exists().where(CaseReader.instance_id == ProcessInstance.id,
                                                self.reader_clause(actor)))
        conditions.append(sa.exists().where(HumanTask.instance_id == ProcessInstance.id,
                                            HumanTask.id.in_(offered_task_ids(actor))))
        standing_in = self.stand_in_tasks(actor)
        if standing_in is not None:
            conditions.append(sa.exists().where(HumanTask.instance_id == ProcessInstance.id, standing_in))
        supervised = self._supervised_candidates(actor)
        if supervised is not None:
            conditions.append(
                sa.exists().where(
                    HumanTask.instance_id == ProcessInstance.id,
                    HumanTask.state == "open",
                    HumanTask.id.in_(sa.select(TaskCandidate.task_id).where(supervised)),
                )
            )
        return sa.or_(*conditions)

    def can_see_instance(self, session: sa.orm.Session, actor: Actor, instance_id: str) -> bool:
        stmt = sa.select(ProcessInstance.id).where(
            ProcessInstance.id == instance_id, self.instance_visible_clause(actor)
        )
        return session.execute(stmt).first() is not None

    # --- tasks -----------------------------------------------------------------------------

    @staticmethod
    def candidate_clause(actor: Actor) -> Any:
        """SQL condition on TaskCandidate: offered to one of the actor's (group, organisation) pairs."""
        if not actor.all_memberships:
            return sa.false()
        # an OR of equalities, not a row-value IN: SQLite uses the inbox index only for the former
        return sa.or_(
            *(
                sa.and_(TaskCandidate.group_id == group, TaskCandidate.organisation_id == org)
                for group, org in sorted(actor.all_memberships)
            )
        )


    @staticmethod
    def reader_clause(actor: Actor) -> Any:
        """SQL condition on CaseReader: one of the actor's (group, organisation) pairs may read the case."""
        if not actor.all_memberships:
            return sa.false()
        return sa.or_(
            *(
                sa.and_(CaseReader.group_id == group, CaseReader.organisation_id == org)
                for group, org in sorted(actor.all_memberships)
            )
        )

    def may_work_on(self, session: sa.orm.Session, actor: Actor, task: Any) -> bool:
        """Separation of duties, the one rule for who may hold or complete a task: a candidate (a
        member of one of its groups in a party organisation it is offered in, or a user it names,
        camunda:candidateUsers) or the user the process itself names as its assignee. Being admin or
        supervisor makes no one a candidate: they may hand a task on, never do it. ``task`` carries
        ``state``, ``pairs`` (its (group, organisation) offers), ``candidate_user_ids`` and
        ``named_assignee_id``; ``session`` is there for rules that need to look further (a recorded
        substitute)."""
        if task.state != "open":
            return False
        if task.named_assignee_id is not None and task.named_assignee_id == actor.user_id:
            return True
        if task.pairs & actor.memberships or actor.user_id in getattr(task, "candidate_user_ids", ()):
            return True
        # the one recorded exception (issue 14 §3): a substitute works on the tasks of the absent
        # colleague they stand in for; the history names both
        return self.stand_in_for(actor, task) is not None

    def can_see_task(self, session: sa.orm.Session, actor: Actor, task: Any, offered: bool) -> bool:
        """Assignee, the one who completed it, a candidate of an open task (``offered``), or an admin
        (DOMAIN.md §2: a user sees tasks assigned to them or offered to one of their groups)."""
        if actor.is_admin or actor.user_id in (task.assignee_id, task.completed_by_id):
            return True
        if self.stand_in_for(actor, task) is not None:
            return True
        if task.state == "open":
            return offered
        # a closed task stays visible to its groups' members who may see the case
        return bool(set(task.candidate_groups or ()) & actor.groups) and self.can_see_instance(
            session, actor, task.instance_id
        )
