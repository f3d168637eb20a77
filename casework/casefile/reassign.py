"""Whom a supervisor or admin may hand a task to (the "Neu zuweisen" control): only its candidates."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from casework.cases.access import AccessService
from casework.errors import Conflict, Forbidden, NotFound
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import HumanTask, Membership, TaskCandidate, TaskCandidateUser, User


@dataclass(frozen=True)
class Candidate:
    username: str
    display_name: str


@dataclass(frozen=True)
class Reassignment:
    task_id: str
    title: str
    instance_id: str
    assignee: str | None
    candidates: tuple[Candidate, ...]


class ReassignService:
    def __init__(self, access: AccessService) -> None:
        self.access = access

    def options(self, task_id: str, *, actor: Actor) -> Reassignment:
        """The open task and the active members of the (group, organisation) pairs it is offered to.

        Raises:
            NotFound: unknown, or neither admin nor a supervisor of its groups in a case they see.
            Forbidden: visible, but the actor may not hand it on.  Conflict: the task is closed.
        """
        with unit_of_work(write=False) as session:
            task = session.get(HumanTask, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
            if task is None or not (actor.is_admin or (
                    self.access.supervises(actor, task.candidate_groups)
                    and self.access.can_see_instance(session, actor, task.instance_id))):
                raise NotFound("Aufgabe nicht gefunden.")
            if task.state != "open":
                raise Conflict("Die Aufgabe ist bereits erledigt.")
            offered = sa.select(TaskCandidate.group_id, TaskCandidate.organisation_id).where(
                TaskCandidate.task_id == task.id)
            pairs = [tuple(r) for r in session.execute(offered)]
            named = sa.select(TaskCandidateUser.user_id).where(TaskCandidateUser.task_id == task.id)
            if not pairs and session.execute(named).first() is None:
                raise Forbidden("Diese Aufgabe ist einer Person zugeteilt und kann nicht neu zugewiesen werden.")
            # the members of its (group, organisation) pairs and the users it names (camunda:candidateUsers)
            offered_to = sa.or_(User.id.in_(named), *(sa.and_(Membership.group_id == g, Membership.organisation_id == o)
                                                    for g, o in pairs))
            rows = session.execute(
                sa.select(User.username, User.display_name).outerjoin(Membership, Membership.user_id == User.id)
                .where(User.active.is_(True), offered_to)
                .distinct().order_by(User.display_name, User.username)
            ).all()
            assignee = session.scalar(sa.select(User.username).where(User.id == task.assignee_id)) \
                if task.assignee_id else None
            return Reassignment(task.id, task.title, task.instance_id, assignee,
                                tuple(Candidate(r.username, r.display_name) for r in rows))
