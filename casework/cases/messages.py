"""Delivering a message to the cases that wait for it, found through ``message_subscriptions``.

Who may send: any signed-in user who can see a waiting case (the case's parties, DOMAIN §2), and
admins. Cases the sender cannot see are left alone and, like everywhere, not revealed: when none is
visible the answer is NotFound.
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa

from casework.cases.access import AccessService
from casework.cases.history import PendingEvent
from casework.cases.steps import LoadedInstance
from casework.clock import Clock
from casework.context import running_case
from casework.engine import Engine
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import MessageSubscription, ProcessInstance


class Runtime(Protocol):
    """What delivering needs of ``RuntimeService``, which calls this module (so it cannot import it)."""

    access: AccessService
    clock: Clock
    engine: Engine

    def load(self, session: sa.orm.Session, instance_id: str) -> LoadedInstance: ...

    def persist(
        self, session: sa.orm.Session, loaded: LoadedInstance, *, actor: Actor | None,
        effects: list[dict[str, Any]],
    ) -> Any: ...

    def message_start_keys(self, session: sa.orm.Session, name: str) -> list[str]: ...

    def start_in(
        self, session: sa.orm.Session, process_key: str, *, actor: Actor, business_key: str | None,
        variables: dict[str, Any], message: tuple[str, dict[str, Any]] | None = None,
    ) -> Any: ...

MAX_NAME = 200
MAX_KEY = 400


def _validated(name: Any, correlation_key: Any, payload: Any) -> tuple[str, str | None, dict[str, Any]]:
    fields = {}
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        fields["name"] = f"Nachrichtenname (1 bis {MAX_NAME} Zeichen) erwartet."
    if isinstance(correlation_key, (int, float)) and not isinstance(correlation_key, bool):
        correlation_key = str(correlation_key)  # a file number sent as a JSON number is still that key
    if correlation_key is not None and (not isinstance(correlation_key, str) or len(correlation_key) > MAX_KEY):
        fields["correlation_key"] = f"Zeichenkette (höchstens {MAX_KEY} Zeichen) oder null erwartet."
    if payload is not None and not isinstance(payload, dict):
        fields["payload"] = "Objekt erwartet."
    if fields:
        raise ValidationFailed("Die Nachricht ist ungültig.", fields)
    key = correlation_key.strip() if isinstance(correlation_key, str) and correlation_key.strip() else None
    return name.strip(), key, dict(payload or {})


def correlate_message(
    runtime: Runtime, name: Any, correlation_key: Any, payload: Any, *, actor: Actor
) -> list[str]:
    """Deliver the message to every visible case waiting for ``name`` with ``correlation_key``
    (a case that expects no key waits for ``correlation_key`` None or its business key); all of them
    in one unit of work.

    The payload is stored under the variable named like the message; each case records
    ``message_received`` in its history. Returns the ids of the cases that received it.

    Raises:
        ValidationFailed: name, key or payload malformed.
        NotFound: no case the actor can see waits for this message with this key.
        Conflict: a case changed meanwhile or no longer accepts the message.
    """
    name, key, payload = _validated(name, correlation_key, payload)
    with unit_of_work() as session:
        waiting = _waiting(session, name, key)
        visible = [i for i in waiting if runtime.access.can_see_instance(session, actor, i)]
        if not visible:
            # Camunda: a message no case waits for starts the processes whose start event waits for it
            started = _start_by_message(runtime, session, name, key, payload, actor)
            if not started:
                raise NotFound("Kein Fall wartet auf diese Nachricht, und kein Prozess startet durch sie.")
            return started
        now = runtime.clock.now()
        for instance_id in visible:  # in id order: two senders lock shared cases in the same order
            loaded = runtime.load(session, instance_id)
            with running_case(session, loaded.id, loaded.organisation_id, loaded.parties) as effects:
                elements = runtime.engine.correlate(loaded.workflow, name, payload, waiting[instance_id])
            loaded.events.append(PendingEvent(
                now, actor.username, "message_received", task_name=elements[0],
                data={"message": name, "correlation_key": key, "payload": payload, "elements": elements},
            ))
            runtime.persist(session, loaded, actor=actor, effects=effects)
        return visible


def _waiting(session: sa.orm.Session, name: str, key: str | None) -> dict[str, str | None]:
    """{case id: the key its subscription expects} for the cases waiting for ``name`` with ``key``, in
    id order. A subscription without a key (its message has no correlation property) is also met by
    the case's business key, as Camunda correlates by ``processInstanceBusinessKey``."""
    table = MessageSubscription.__table__
    instances = ProcessInstance.__table__
    matches = table.c.correlation_key.is_(None)
    if key is not None:
        matches = sa.or_(table.c.correlation_key == key,
                         sa.and_(matches, instances.c.business_key == key))
    rows = session.execute(
        sa.select(table.c.instance_id, table.c.correlation_key)
        .join(instances, instances.c.id == table.c.instance_id)
        .where(table.c.message_name == name, matches)
        .order_by(table.c.instance_id)
    ).all()
    found: dict[str, str | None] = {}
    for row in rows:  # a key the case expects wins over its business key
        if found.get(row.instance_id) is None:
            found[row.instance_id] = row.correlation_key
    return found


def _start_by_message(
    runtime: Runtime, session: sa.orm.Session, name: str, key: str | None, payload: dict[str, Any], actor: Actor
) -> list[str]:
    """Start a case of every process the actor may start whose start event waits for ``name``; the
    correlation key becomes the business key, the payload's entries the start variables."""
    started = []
    for process_key in runtime.message_start_keys(session, name):
        try:
            case = runtime.start_in(session, process_key, actor=actor, business_key=key,
                                    variables=dict(payload), message=(name, payload))
        except (Forbidden, NotFound):
            continue  # not the sender's to start: as if it did not exist
        started.append(case.id)
    return started

