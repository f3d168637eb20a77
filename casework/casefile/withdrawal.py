"""Withdrawal (issue 14 §4): the starter takes back a case while its process allows it.

A process allows it with the ``camunda:property`` ``withdrawable_until`` on its ``bpmn:process``:
the ids of the user tasks whose completion ends the right (``review_request`` for
``assignment_termination``: until the GF has decided). Without the property a case cannot be withdrawn.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from casework.cases.access import AccessService
from casework.cases.history import PendingEvent
from casework.cases.runtime import RuntimeService
from casework.cases.steps import LoadedInstance
from casework.clock import Clock
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.records import Actor, InstanceInfo
from casework.unit_of_work import unit_of_work
from models import HumanTask

MAX_REASON = 2000


def decisive_tasks(loaded: LoadedInstance) -> tuple[str, ...] | None:
    """The task ids whose completion ends the right to withdraw; None: the process allows none."""
    raw = loaded.model.properties.get("withdrawable_until")
    if raw is None:
        return None
    return tuple(t.strip() for t in raw.split(",") if t.strip())


class WithdrawalService:
    def __init__(self, runtime: RuntimeService, access: AccessService, clock: Clock) -> None:
        self.runtime = runtime
        self.access = access
        self.clock = clock

    def may_withdraw(self, instance_id: str, *, actor: Actor) -> bool:
        """Whether the actor could withdraw the case now (for the button on the case page)."""
        with unit_of_work(write=False) as session:
            try:
                self._check(session, instance_id, actor)
            except (NotFound, Forbidden, Conflict):
                return False
        return True

    def withdraw(self, instance_id: str, *, actor: Actor, reason: object) -> InstanceInfo:
        """End the case as withdrawn: its open tasks are cancelled, the history records who and why.

        Raises:
            NotFound: not visible.  Forbidden: not the starter, or the process allows no withdrawal.
            Conflict: ended, or past the point of withdrawal (e.g. the GF decided).
            ValidationFailed: no reason.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed("Bitte geben Sie einen Grund an.", {"reason": "Pflichtfeld"})
        if len(reason.strip()) > MAX_REASON:
            raise ValidationFailed("Der Grund ist zu lang.", {"reason": f"Höchstens {MAX_REASON} Zeichen."})
        with unit_of_work() as session:
            loaded = self._check(session, instance_id, actor)
            before = self.runtime.engine.snapshot(loaded.workflow, loaded.model)
            loaded.workflow.cancel()
            loaded.events.append(PendingEvent(self.clock.now(), actor.username, "instance_withdrawn",
                                              data={"reason": reason.strip()}))
            snapshot, _plan = self.runtime.persist(session, loaded, actor=actor, effects=[], terminated=True,
                                                   keep_variables=before.variables)
            return self.runtime.info(loaded, replace(snapshot, variables=before.variables), ())

    def _check(self, session: sa.orm.Session, instance_id: str, actor: Actor) -> LoadedInstance:
        if not isinstance(instance_id, str) or not self.access.can_see_instance(session, actor, instance_id):
            raise NotFound("Fall nicht gefunden.")
        loaded = self.runtime.load(session, instance_id)
        if loaded.started_by != actor.username:
            raise Forbidden("Nur wer den Fall begonnen hat, kann ihn zurückziehen.")
        until = decisive_tasks(loaded)
        if until is None:
            raise Forbidden("Dieser Prozess sieht kein Zurückziehen vor.")
        if loaded.status not in ("running", "error"):
            raise Conflict("Der Fall ist bereits beendet.")
        decided = session.scalar(sa.select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id.in_(until), HumanTask.state == "completed",
        ).limit(1))
        if decided is not None:
            raise Conflict("Der Fall kann nicht mehr zurückgezogen werden: Es ist bereits entschieden.")
        return loaded
