"""The step's row writes straight to the driver (casework.cases.direct) write exactly what
SQLAlchemy's own execute writes, report the driver's errors as SQLAlchemy does, and leave to
SQLAlchemy what only it can run. On SQLite and on PostgreSQL (FALLWERK_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from casework.cases.direct import Direct
from models import HistoryEvent, ProcessInstance, Timer, db

EVENTS = HistoryEvent.__table__
TIMERS = Timer.__table__
ASSIGNMENT = {"initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
              "reason": "Pflege eines Angehörigen", "requested_end_date": "2027-01-31"}
OURS = EVENTS.c.action.in_(["note_added", "task_cancelled"])


@pytest.fixture
def case_id(casework: Any, actor: Any) -> str:
    """A case for the events to belong to; the tests write only events of their own actions."""
    case = casework.runtime.start("assignment_termination", actor=actor("mitarbeiterin"), variables=ASSIGNMENT)
    return str(case.id)


def _event(case_id: str, n: int, data: Any) -> dict[str, Any]:
    return {"instance_id": case_id, "at": datetime(2026, 11, 25, 9, n, tzinfo=UTC), "actor": "gf",
            "action": "note_added", "task_id": None, "task_name": None, "task_title": "Prüfung",
            "data": data, "prev_hash": None, "hash": f"h{n}"}


def _rows(conn: sa.Connection) -> list[tuple[Any, ...]]:
    return [tuple(r)[1:] for r in conn.execute(sa.select(EVENTS).where(OURS).order_by(EVENTS.c.id))]


def test_direct_writes_the_same_rows_as_sqlalchemy(app: Any, case_id: str) -> None:
    values = [_event(case_id, 1, {"ä": [1, 2], "at": "2026-11-25"}), _event(case_id, 2, None), _event(case_id, 3, {"n": 1.5})]
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.insert(EVENTS), values)
            expected = _rows(conn)
            conn.execute(sa.delete(EVENTS).where(OURS))
            insert = Direct(sa.insert(EVENTS))
            assert insert.execute(conn, values) == 3  # executemany
            assert insert.execute(conn, values[0]) == 1  # one row
            assert insert.execute(conn, []) == 0
            written = _rows(conn)
            conn.execute(sa.delete(EVENTS).where(OURS))
    assert written == [*expected, expected[0]]
    # JSON None is stored as SQLAlchemy stores it, dates as SQLAlchemy formats them
    assert written[1][6] == expected[1][6]


def test_a_guarded_update_reports_its_rowcount_and_literal_values_are_kept(app: Any, case_id: str) -> None:
    update = Direct(
        sa.update(EVENTS).where(EVENTS.c.hash == sa.bindparam("b_hash")).values(action="task_cancelled",
                                                                              actor=sa.bindparam("b_who"))
    )
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.insert(EVENTS), [_event(case_id, 1, None), _event(case_id, 2, None)])
            assert update.execute(conn, {"b_hash": "h2", "b_who": "personal.ba"}) == 1
            assert update.execute(conn, {"b_hash": "none", "b_who": "x"}) == 0
            rows = conn.execute(sa.select(EVENTS.c.hash, EVENTS.c.action, EVENTS.c.actor).where(OURS)
                                .order_by(EVENTS.c.id)).all()
            conn.execute(sa.delete(EVENTS).where(OURS))
    assert [tuple(r) for r in rows] == [("h1", "note_added", "gf"), ("h2", "task_cancelled", "personal.ba")]


def test_driver_errors_arrive_as_sqlalchemy_errors_and_the_transaction_rolls_back(app: Any, case_id: str) -> None:
    insert = Direct(sa.insert(ProcessInstance.__table__))
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):  # NOT NULL columns missing: the database refuses
            with db.engine.begin() as conn:
                Direct(sa.insert(EVENTS)).execute(conn, _event(case_id, 1, None))
                insert.execute(conn, {"id": "direct-test"})  # no process, no state
        with db.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(EVENTS).where(OURS)).scalar() == 0


def test_what_only_sqlalchemy_can_run_goes_through_it(app: Any, case_id: str) -> None:
    expanding = Direct(sa.delete(TIMERS).where(TIMERS.c.task_id.in_(sa.bindparam("ids", expanding=True))))
    returning = Direct(sa.insert(EVENTS).returning(EVENTS.c.id))
    with app.app_context():
        with db.engine.begin() as conn:
            returning.execute(conn, _event(case_id, 1, None))  # rowcount: the driver's, before fetching
            assert expanding.execute(conn, {"ids": ["a", "b"]}) == 0
            count = conn.execute(sa.select(sa.func.count()).select_from(EVENTS).where(OURS)).scalar()
            conn.execute(sa.delete(EVENTS).where(OURS))
    assert count == 1
    assert list(expanding._plans.values()) == [None] and list(returning._plans.values()) == [None]
