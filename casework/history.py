"""HistoryService: the append-only audit trail of a case, chained by hashes so edits show."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from casework.records import HistoryEntry, Page
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


_INSERT_EVENTS = sa.insert(HistoryEvent.__table__)


def write_events(session: sa.orm.Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(_INSERT_EVENTS, rows)


class HistoryService:
    """Read-only queries on the audit trail; appending happens inside the runtime's transactions."""

    def list_for_instance(self, instance_id: str) -> list[HistoryEntry]:
        """Events of one case, oldest first. Visibility is the caller's (RuntimeService's) check."""
        return list(self.page_for_instance(instance_id, page=1, per_page=None).items)

    def page_for_instance(self, instance_id: str, *, page: int, per_page: int | None) -> Page[HistoryEntry]:
        """One page of a case's events, oldest first (``per_page`` None: all of them)."""
        where = HistoryEvent.instance_id == instance_id
        with unit_of_work(write=False) as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(HistoryEvent).where(where)) or 0
            stmt = sa.select(HistoryEvent).where(where).order_by(HistoryEvent.id)
            if per_page is not None:
                stmt = stmt.limit(per_page).offset((page - 1) * per_page)
            entries = tuple(
                HistoryEntry(
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    task_id=r.task_id,
                    task_name=r.task_name,
                    task_title=r.task_title,
                    data=r.data,
                )
                for r in session.execute(stmt).scalars()
            )
        return Page(items=entries, total=total, page=page, per_page=per_page or max(total, 1))

    def verify_chain(self, instance_id: str) -> bool:
        """True when no event of the case was changed or removed since it was written.

        The chain proves each event's predecessor; the head kept on the case row proves the last.
        """
        with unit_of_work(write=False) as session:
            rows = list(
                session.execute(
                    sa.select(HistoryEvent)
                    .where(HistoryEvent.instance_id == instance_id)
                    .order_by(HistoryEvent.id)
                ).scalars()
            )
            expected_head = session.scalar(
                sa.select(ProcessInstance.history_head).where(ProcessInstance.id == instance_id)
            )
        head = None
        for r in rows:
            expected, head_after = chain(
                head,
                instance_id,
                [PendingEvent(r.at, r.actor, r.action, r.task_id, r.task_name, r.task_title, r.data)],
            )
            if r.prev_hash != head or expected[0]["hash"] != r.hash:
                return False
            head = head_after
        return head == expected_head
