"""Appending events to a case's hash-chained history outside an engine step (notes, documents)."""

from __future__ import annotations

import sqlalchemy as sa

from casework.cases.history import PendingEvent, chain, write_events
from casework.cases.runtime import RuntimeService
from casework.errors import Conflict, NotFound
from casework.unit_of_work import after_commit
from models import ProcessInstance

_TABLE = ProcessInstance.__table__


def append_events(
    session: sa.orm.Session, runtime: RuntimeService, instance_id: str, events: list[PendingEvent]
) -> None:
    """Append ``events`` and move the case's version by compare-and-set, so that appends of
    concurrent writers serialise and the chain never forks.

    Raises:
        NotFound: no such case.  Conflict: the case changed meanwhile.
    """
    row = session.execute(
        sa.select(_TABLE.c.history_head, _TABLE.c.lock_version).where(_TABLE.c.id == instance_id)
    ).first()
    if row is None:
        raise NotFound("Fall nicht gefunden.")
    head, version = row
    rows, new_head = chain(head, instance_id, events)
    result = session.connection().execute(
        sa.update(_TABLE)
        .where(_TABLE.c.id == instance_id, _TABLE.c.lock_version == version)
        .values(history_head=new_head, lock_version=version + 1)
    )
    if result.rowcount != 1:
        raise Conflict("Der Fall wurde inzwischen geändert; bitte erneut versuchen.")
    write_events(session, rows)
    # the workflow kept in memory did not change: only the version number moved
    after_commit(session, lambda: runtime.live.retag(instance_id, version, version + 1))
