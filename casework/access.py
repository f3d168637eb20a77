"""Who may see and do what: users, groups and organisations. Answers "visible?", never HTTP codes."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa

from casework.records import Actor
from models import (
    CaseParty,
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

# a task has a handful of candidate rows: fetch them by primary-key prefix and match in Python
_CANDIDATE_PAIRS = sa.select(TaskCandidate.group_id, TaskCandidate.organisation_id).where(
    TaskCandidate.task_id == sa.bindparam("task_id")
)
_ACTOR = (
    sa.select(
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
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(User.id == sa.bindparam("id"))
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
        self._lock = threading.Lock()

    # --- actors ----------------------------------------------------------------------------

    def actor_for(self, session: sa.orm.Session, user_id: int) -> Actor | None:
        """The actor of an active user, with all memberships, in one query (it runs on every request)."""
        rows = session.connection().execute(_ACTOR, {"id": user_id}).all()
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

    # --- cases -----------------------------------------------------------------------------

    @staticmethod
    def parties_for(session: sa.orm.Session, organisation_id: int | None) -> tuple[list[int], str | None]:
        """The case parties (the owning organisation and the ones linked to it) and the owner's Land."""
        if organisation_id is None:
            return [], None
        rows = session.connection().execute(_ORGANISATION_PARTIES, {"id": organisation_id}).all()
        land = rows[0].land if rows else None
        related = {r.related_id for r in rows if r.related_id is not None} - {organisation_id}
        return [organisation_id, *sorted(related)], land

    @staticmethod
    def instance_visible_clause(actor: Actor) -> Any:
        """SQL condition on ProcessInstance: a party organisation, or the actor took part."""
        if actor.is_admin:
            return sa.true()
        party = sa.exists().where(
            CaseParty.instance_id == ProcessInstance.id,
            CaseParty.organisation_id.in_(sorted(actor.organisation_ids)),
        )
        took_part = sa.exists().where(
            HumanTask.instance_id == ProcessInstance.id,
            sa.or_(HumanTask.assignee_id == actor.user_id, HumanTask.completed_by_id == actor.user_id),
        )
        return sa.or_(party, took_part, ProcessInstance.started_by == actor.username)

    def can_see_instance(self, session: sa.orm.Session, actor: Actor, instance_id: str) -> bool:
        stmt = sa.select(ProcessInstance.id).where(
            ProcessInstance.id == instance_id, self.instance_visible_clause(actor)
        )
        return session.execute(stmt).first() is not None

    # --- tasks -----------------------------------------------------------------------------

    @staticmethod
    def candidate_clause(actor: Actor) -> Any:
        """SQL condition on TaskCandidate: offered to one of the actor's (group, organisation) pairs."""
        if not actor.memberships:
            return sa.false()
        # an OR of equalities, not a row-value IN: SQLite uses the inbox index only for the former
        return sa.or_(
            *(
                sa.and_(TaskCandidate.group_id == group, TaskCandidate.organisation_id == org)
                for group, org in sorted(actor.memberships)
            )
        )

    def is_candidate(self, session: sa.orm.Session, actor: Actor, task_id: str) -> bool:
        if not actor.memberships:
            return False
        rows = session.connection().execute(_CANDIDATE_PAIRS, {"task_id": task_id})
        return any((r.group_id, r.organisation_id) in actor.memberships for r in rows)

    def can_see_task(self, session: sa.orm.Session, actor: Actor, task: HumanTask) -> bool:
        """Assignee, the one who completed it, a candidate of an open task, or an admin."""
        if actor.is_admin or actor.user_id in (task.assignee_id, task.completed_by_id):
            return True
        if task.state == "open":
            return self.is_candidate(session, actor, task.id)
        # a closed task stays visible to its groups' members who may see the case
        return bool(set(task.candidate_groups or ()) & actor.groups) and self.can_see_instance(
            session, actor, task.instance_id
        )
