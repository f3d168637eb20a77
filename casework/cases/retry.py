"""An admin runs a failed case's failed steps again: with corrected variables, and on request on the
process's latest version (the model fixed after an incident, issue 11 §1).

Moving a case to another version keeps its state and swaps the spec it runs on; that is allowed only
when the new version has every task the case has (``Engine.rebind``), so its history keeps its
meaning and only scripts, conditions and forms change.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from casework.cases.history import PendingEvent
from casework.cases.stepping import PreparedStep, Written, run_step
from casework.cases.steps import LoadedInstance
from casework.cases.system_variables import refuse_system_variables
from casework.context import running_case
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.records import Actor, InstanceInfo
from models import ProcessInstance

# the runtime (casework.cases.runtime.RuntimeService) calls in here: typed loosely, as importing it
# back would close an import circle
RuntimeService = Any

_INSTANCES = ProcessInstance.__table__
_MOVE_VERSION = sa.update(_INSTANCES).where(_INSTANCES.c.id == sa.bindparam("b_id")).values(
    definition_id=sa.bindparam("definition_id"), definition_version=sa.bindparam("definition_version"))


def retry(
    runtime: RuntimeService,
    instance_id: str,
    *,
    actor: Actor,
    variables: dict[str, Any] | None = None,
    latest_version: bool = False,
) -> InstanceInfo:
    """See :meth:`casework.cases.runtime.RuntimeService.retry`."""
    if variables is not None and not isinstance(variables, dict):
        raise ValidationFailed("Variablen müssen ein Objekt sein.", {"variables": "Kein Objekt"})

    def prepare(session: sa.orm.Session) -> PreparedStep:
        return _prepare(runtime, session, instance_id, actor, variables or {}, latest_version)

    def write(session: sa.orm.Session, prepared: PreparedStep, written: Written) -> InstanceInfo:
        snapshot, plan = written
        moved = prepared.extra.get("moved")
        if moved is not None and prepared.loaded.model is moved[2]:  # not when stored as before
            values = {"b_id": prepared.loaded.id, "definition_id": moved[0], "definition_version": moved[1]}
            session.connection().execute(_MOVE_VERSION, values)
        info: InstanceInfo = runtime.info(prepared.loaded, snapshot, tuple(plan.new_tasks))
        return info

    return run_step(runtime, prepare, write, actor=actor)


def _prepare(
    runtime: RuntimeService,
    session: sa.orm.Session,
    instance_id: str,
    actor: Actor,
    variables: dict[str, Any],
    latest_version: bool,
) -> PreparedStep:
    if not runtime.access.can_see_instance(session, actor, instance_id):
        raise NotFound("Fall nicht gefunden.")
    if not actor.is_admin:
        raise Forbidden("Nur Administratoren dürfen fehlgeschlagene Fälle erneut ausführen.")
    loaded = runtime.load(session, instance_id)
    if loaded.status != "error":
        raise Conflict("Der Fall ist nicht fehlgeschlagen.")
    # a correction fixes what a script got wrong, never who started the case or its Land
    refuse_system_variables(variables, (*loaded.model.system_variables, "land"), land=True)
    before = runtime.stored_workflow(loaded)
    moved = _move_to_latest(runtime, session, loaded) if latest_version else None
    with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
        retried = runtime.engine.retry(loaded.workflow, variables)
    loaded.status = "running"  # so that failing again is recorded as a failure again
    data: dict[str, Any] = {"elements": retried, "variables": variables}
    if moved is not None:
        data["version"] = loaded.definition_version
    event = PendingEvent(runtime.clock.now(), actor.username, "instance_retried", data=data)
    loaded.events.append(event)
    return PreparedStep(loaded, effects, before=before, failure_events=[event], extra={"moved": moved})


def _move_to_latest(
    runtime: RuntimeService, session: sa.orm.Session, loaded: LoadedInstance
) -> tuple[int, int, Any] | None:
    """Put a failed case onto its process's latest version (the fixed model), if that is newer.

    Raises:
        Conflict: the latest version lacks tasks the case has.
    """
    head = runtime.repository.latest_head(session, loaded.process_key)
    if head.version == loaded.definition_version:
        return None
    model = runtime.repository.cache.get(session, head.id, head.content_hash, head.key)
    loaded.workflow = runtime.engine.rebind(loaded.workflow, model)
    loaded.model, loaded.definition_version = model, head.version
    return head.id, head.version, model
