"""HistoryService: the append-only audit trail of a case, chained by hashes so edits show."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from casework.cases.direct import Direct
from casework.records import HistoryEntry
from casework.unit_of_work import unit_of_work
from models import HistoryEvent, ProcessInstance

# what an event may record as `action`
ACTIONS = (
    "instance_started",
    "instance_completed",
    "instance_terminated",
    "instance_failed",
    "instance_retried",
    "task_created",
    "task_claimed",
    "task_unclaimed",
    "task_assigned",
    "task_completed",
    "task_cancelled",
    "notification",
    "message_received",
    "timer_fired",
    "legal_parameter_used",
    "parties_added",
    "readers_added",
    "task_reminded",
    "task_escalated",
    "note_added",
    "document_added",
    "instance_withdrawn",
    "committee_changed",
)


@dataclass(frozen=True)
class PendingEvent:
    """An event to append in the caller's transaction."""

    at: datetime
    actor: str | None
    action: str
    task_id: str | None = None
    task_name: str | None = None
    task_title: str | None = None
    data: dict[str, Any] | None = None


def chain(head: str | None, instance_id: str, events: list[PendingEvent]) -> tuple[list[dict[str, Any]], str | None]:
    """Rows for ``events`` with their hashes, and the new chain head.

    The caller writes them in the same transaction as the instance row, whose compare-and-set
    update serialises appends per instance, so the chain cannot fork.
    """
    rows = []
    for event in events:
        payload = json.dumps(
            [head, instance_id, event.at.isoformat(), event.actor, event.action,
             event.task_id, event.data],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        rows.append(
            {
                "instance_id": instance_id,
                "at": event.at,
                "actor": event.actor,
                "action": event.action,
                "task_id": event.task_id,
                "task_name": event.task_name,
                "task_title": event.task_title,
                "data": event.data,
                "prev_hash": head,
                "hash": digest,
            }
        )
        head = digest
    return rows, head


_INSERT_EVENTS = Direct(sa.insert(HistoryEvent.__table__))


def write_events(session: sa.orm.Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        _INSERT_EVENTS.execute(session.connection(), rows)


class HistoryService:
    """Read-only queries on the audit trail; appending happens inside the runtime's transactions.
    Visibility is the caller's (RuntimeService's) check."""

    def trail(self, instance_id: str) -> tuple[list[HistoryEntry], bool]:
        """Events of one case, oldest first, and whether none was changed or removed since written.

        One read serves both: the chain proves each event's predecessor; the head kept on the case
        row proves the last.
        """
        with unit_of_work(write=False) as session:
            rows = list(
                session.execute(
                    sa.select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
                ).scalars()
            )
            expected_head = session.scalar(
                sa.select(ProcessInstance.history_head).where(ProcessInstance.id == instance_id)
            )
        entries = [
            HistoryEntry(r.at, r.actor, r.action, r.task_id, r.task_name, r.task_title, r.data) for r in rows
        ]
        return entries, _intact(instance_id, rows, entries, expected_head)

    def list_for_instance(self, instance_id: str) -> list[HistoryEntry]:
        return self.trail(instance_id)[0]

    def verify_chain(self, instance_id: str) -> bool:
        return self.trail(instance_id)[1]


def _intact(instance_id: str, rows: list[HistoryEvent], entries: list[HistoryEntry], expected_head: str | None) -> bool:
    head = None
    for row, e in zip(rows, entries, strict=True):
        event = PendingEvent(e.at, e.actor, e.action, e.task_id, e.task_name, e.task_title, e.data)
        expected, head_after = chain(head, instance_id, [event])
        if row.prev_hash != head or expected[0]["hash"] != row.hash:
            return False
        head = head_after
    return head == expected_head
