"""Camunda timers (ISO literals, Quartz cron, R/ cycles), and the check that no case hangs silently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from models import HistoryEvent, ProcessDefinition, ProcessInstance, Timer, db
from tests.camunda.conftest import deploy_model, model_bytes

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Berlin


def _due(instance_id: str) -> dict[str, datetime]:
    rows = db.session.execute(
        sa.select(Timer.element_id, Timer.due_at).where(Timer.instance_id == instance_id, Timer.fired_at.is_(None))
    ).all()
    db.session.commit()
    return dict(rows)


def _fired(instance_id: str) -> list[str]:
    rows = db.session.scalars(
        sa.select(HistoryEvent.task_name).where(HistoryEvent.instance_id == instance_id,
                                                HistoryEvent.action == "timer_fired").order_by(HistoryEvent.id)
    ).all()
    db.session.commit()
    return list(rows)


def test_iso_literal_cron_and_repeating_cycles_run_as_camunda_reads_them(casework, actor, clock) -> None:
    (info, _), = deploy_model(casework, "camunda_timers.bpmn")
    notes = [w["message"] for w in info.warnings if w["element_id"] == "workdayMorning"]
    assert notes == ["Timer timeCycle: der Quartz-Cron-Ausdruck '0 0 8 ? * MON-FRI' läuft als Zyklus"]
    case = casework.runtime.start("camundaTimers", actor=actor("mitarbeiterin"))
    assert _due(case.id) == {
        "weekPassed": START + timedelta(days=7),  # P7D, unquoted: the literal it is
        "workdayMorning": datetime(2026, 11, 26, 7, 0, tzinfo=UTC),  # Thursday 08:00 in Berlin
        "everyTenMinutes": START + timedelta(minutes=10),
    }
    clock.set(START + timedelta(minutes=10))
    casework.management.fire_due()
    assert _fired(case.id) == ["everyTenMinutes"]
    clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    casework.management.fire_due()
    assert sorted(_fired(case.id)) == ["everyTenMinutes"] * 3 + ["workdayMorning"]
    # Friday, then (over the weekend) Monday 08:00
    assert _due(case.id)["workdayMorning"] == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    casework.management.fire_due()
    assert _due(case.id)["workdayMorning"] == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    clock.set(START + timedelta(days=7))
    casework.management.fire_due()
    after = casework.runtime.get(case.id, actor=actor("admin"))
    assert (after.status, after.outcome) == ("completed", "escalated")


def _legacy_definition(name: str, key: str) -> None:
    """Store a model as a version deployed before deploy refused it (as older Fallwerk did)."""
    latest = db.session.scalar(sa.select(sa.func.max(ProcessDefinition.id))) or 0
    db.session.add(ProcessDefinition(
        key=key, version=1, name=key, content_hash=f"legacy-{latest}", files={name: model_bytes(name).decode()},
        bpmn_file=name, starter_groups=[], warnings=[], deployed_by="system", deployed_at=START,
    ))
    db.session.commit()


def test_a_case_that_cannot_move_becomes_an_incident_at_once(casework, actor) -> None:
    _legacy_definition("stuck_service.bpmn", "stuckService")
    case = casework.runtime.start("stuckService", actor=actor("mitarbeiterin"))
    assert (case.status, case.error_element) == ("error", "callLegacy")
    assert "cannot move at 'Altsystem aufrufen'" in case.error_message


def test_the_background_check_turns_running_cases_that_cannot_move_into_incidents(casework, actor, clock) -> None:
    _legacy_definition("stuck_service.bpmn", "stuckService")
    case = casework.runtime.start("stuckService", actor=actor("mitarbeiterin"))
    # as a case started before the check existed: running, nothing open, nothing waiting
    db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id)
                       .values(status="running", error_element=None, error_message=None))
    db.session.commit()
    clock.set(START + timedelta(minutes=5))
    assert casework.stuck_cases.check() == [case.id]
    after = casework.runtime.get(case.id, actor=actor("admin"))
    assert (after.status, after.error_element) == ("error", "callLegacy")
    actions = db.session.scalars(sa.select(HistoryEvent.action).where(HistoryEvent.instance_id == case.id)).all()
    assert actions.count("instance_failed") == 2
    assert casework.history.verify_chain(case.id)
    assert casework.stuck_cases.check() == []  # an incident is not reported twice


def _event_subprocess_case(casework, actor, clock, interrupting: str):
    from tests.camunda.conftest import model_bytes

    xml = model_bytes("event_subprocess.bpmn").replace(b"INTERRUPTING", interrupting.encode())
    casework.repository.deploy({"event_subprocess.bpmn": xml}, actor=None)
    case = casework.runtime.start("eventSubprocess", actor=actor("mitarbeiterin"))
    clock.set(START + timedelta(days=3))
    casework.management.fire_due()
    return casework.runtime.get(case.id, actor=actor("admin"))


def test_an_interrupting_event_subprocess_cancels_the_main_flows_task(casework, actor, clock) -> None:
    case = _event_subprocess_case(casework, actor, clock, "true")
    assert [t.name for t in case.open_tasks] == ["closeFile"]
    done = casework.tasks.complete(case.open_tasks[0].id, actor=actor("gf"), data={})
    assert done.status == "completed"


def test_a_non_interrupting_event_subprocess_leaves_the_main_flow_alone(casework, actor, clock) -> None:
    case = _event_subprocess_case(casework, actor, clock, "false")
    assert sorted(t.name for t in case.open_tasks) == ["closeFile", "handleCase"]
