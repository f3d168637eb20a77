"""BPMN timer events as rows, fired by ManagementService with the frozen clock moved forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework import Casework
from casework.errors import DefinitionInvalid
from models import HistoryEvent, HumanTask, Timer, db
from tests.factories import deploy_fixture, fixture_bytes, only_task

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def start(casework: Casework, actor, name: str, **variables):
    deploy_fixture(casework, f"{name}.bpmn")
    return casework.runtime.start(name, actor=actor("mitarbeiterin"), variables=variables or None)


def timers(instance_id: str, *, fired: bool | None = False) -> list[Timer]:
    query = sa.select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at, Timer.id)
    if fired is not None:
        query = query.where(Timer.fired_at.is_not(None) if fired else Timer.fired_at.is_(None))
    rows = db.session.scalars(query.execution_options(populate_existing=True)).all()
    db.session.commit()
    return list(rows)


def task_states(instance_id: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(HumanTask.bpmn_id, HumanTask.state).where(HumanTask.instance_id == instance_id)
        .order_by(HumanTask.created_at, HumanTask.bpmn_id)
    ).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def fired_events(instance_id: str) -> list[tuple[str | None, dict]]:
    rows = db.session.execute(
        sa.select(HistoryEvent.task_name, HistoryEvent.data)
        .where(HistoryEvent.instance_id == instance_id, HistoryEvent.action == "timer_fired")
        .order_by(HistoryEvent.id)
    ).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def test_intermediate_timer_waits_ten_days_then_opens_the_review(casework, actor, clock):
    case = start(casework, actor, "timer_intermediate")
    assert case.open_tasks == ()
    (row,) = timers(case.id)
    assert (row.kind, row.element_id, row.due_at) == ("bpmn", "wait_period", START + timedelta(days=10))

    clock.set(START + timedelta(days=10) - timedelta(seconds=1))
    assert casework.management.fire_due().claimed == 0
    assert task_states(case.id) == []

    clock.set(START + timedelta(days=10))
    report = casework.management.fire_due()
    assert (report.claimed, report.fired) == (1, 1)
    assert task_states(case.id) == [("review_case", "open")]
    assert timers(case.id) == []
    (fired,) = timers(case.id, fired=True)
    assert fired.fired_at == START + timedelta(days=10)
    assert fired_events(case.id) == [("wait_period", {"element": "wait_period", "kind": "duration",
                                                      "due_at": "2026-12-05T09:00:00+00:00"})]
    assert casework.history.verify_chain(case.id)
    # nothing is left to fire: a second pass finds no row
    assert casework.management.fire_due().claimed == 0
    assert len(fired_events(case.id)) == 1


def test_non_interrupting_reminder_keeps_the_task_and_interrupting_deadline_cancels_it(casework, actor, clock):
    case = start(casework, actor, "timer_boundary")
    review = only_task(case, "review_request")
    rows = {r.element_id: r for r in timers(case.id)}
    assert rows["remind_reviewer"].due_at == START + timedelta(days=3)
    # add_working_days(2026-11-25, 10, 'NW') is Wednesday 2026-12-09; the timer fires when that
    # German day is over (midnight in Berlin is 23:00 UTC in winter)
    assert rows["deadline_missed"].due_at == datetime(2026, 12, 9, 23, 0, tzinfo=UTC)

    clock.set(START + timedelta(days=3, minutes=5))
    assert casework.management.fire_due().fired == 1
    assert task_states(case.id) == [("review_request", "open"), ("follow_up", "open")]
    assert [r.element_id for r in timers(case.id)] == ["deadline_missed"]

    clock.set(datetime(2026, 12, 9, 22, 59, tzinfo=UTC))  # 23:59 on the last day: still in time
    assert casework.management.fire_due().claimed == 0
    clock.set(datetime(2026, 12, 9, 23, 0, tzinfo=UTC))
    assert casework.management.fire_due().fired == 1
    states = dict(task_states(case.id))
    assert states["review_request"] == "cancelled"
    assert states["handle_missed_deadline"] == "open"
    assert states["follow_up"] == "open"
    assert timers(case.id) == []
    assert [name for name, _ in fired_events(case.id)] == ["remind_reviewer", "deadline_missed"]
    cancelled = db.session.scalar(sa.select(HumanTask.id).where(HumanTask.id == review.id,
                                                                HumanTask.state == "cancelled"))
    db.session.commit()
    assert cancelled == review.id


def test_completing_the_task_in_time_removes_its_boundary_timers(casework, actor, clock):
    case = start(casework, actor, "timer_boundary")
    review = only_task(case, "review_request")
    assert len(timers(case.id)) == 2
    clock.set(START + timedelta(days=1))
    done = casework.tasks.complete(review.id, actor=actor("gf"), data={})
    assert done.status == "completed"
    assert timers(case.id, fired=None) == []
    clock.set(START + timedelta(days=30))
    assert casework.management.fire_due().claimed == 0


def test_cycle_fires_three_times_and_a_late_scheduler_catches_up(casework, actor, clock):
    case = start(casework, actor, "timer_cycle")
    (row,) = timers(case.id)
    assert (row.element_id, row.due_at) == ("hourly_reminder", START + timedelta(hours=1))

    clock.set(START + timedelta(hours=1))
    assert casework.management.fire_due().fired == 1
    assert [r.due_at for r in timers(case.id)] == [START + timedelta(hours=2)]
    # the scheduler was down for two hours: both missed cycles fire in one pass
    clock.set(START + timedelta(hours=3, minutes=30))
    assert casework.management.fire_due().fired == 1
    assert [name for name, _ in task_states(case.id)].count("answer_reminder") == 3
    assert len(fired_events(case.id)) == 3
    assert timers(case.id) == []
    clock.set(START + timedelta(hours=10))
    assert casework.management.fire_due().claimed == 0
    assert [name for name, _ in task_states(case.id)].count("answer_reminder") == 3


def test_start_event_cycle_creates_a_check_every_day(casework, actor, clock):
    case = start(casework, actor, "timer_start_cycle")
    assert case.open_tasks == ()
    for day in (1, 2):
        clock.set(START + timedelta(days=day))
        assert casework.management.fire_due().fired == 1
    assert task_states(case.id) == [("daily_check", "open"), ("daily_check", "open")]
    assert timers(case.id) == []


def test_timers_on_a_sub_process_remind_then_end_the_phase(casework, actor, clock):
    case = start(casework, actor, "timer_subprocess", phase_length="P14D")
    assert only_task(case, "review_in_phase")
    assert [(r.element_id, r.due_at) for r in timers(case.id)] == [
        ("phase_half_time", START + timedelta(days=7)), ("phase_expired", START + timedelta(days=14))]
    clock.set(START + timedelta(days=7))
    assert casework.management.fire_due().fired == 1  # non-interrupting: the review stays open
    assert task_states(case.id) == [("review_in_phase", "open"), ("follow_up_phase", "open")]
    clock.set(START + timedelta(days=14))
    assert casework.management.fire_due().fired == 1
    # the interrupting timer cancelled the phase; the follow-up outside it still runs
    assert casework.runtime.get(case.id, actor=actor("admin")).status == "running"
    assert dict(task_states(case.id)) == {"review_in_phase": "cancelled", "follow_up_phase": "open"}
    assert timers(case.id) == []
    # the rows stay as the record of their firing
    assert [(r.element_id, r.fired_at) for r in timers(case.id, fired=True)] == [
        ("phase_half_time", START + timedelta(days=7)), ("phase_expired", START + timedelta(days=14))]
    assert casework.history.verify_chain(case.id)


def test_interrupting_timer_on_a_sub_process_ends_the_case(casework, actor, clock):
    case = start(casework, actor, "timer_subprocess", phase_length="P3D")
    clock.set(START + timedelta(days=3))
    assert casework.management.fire_due().fired == 1
    done = casework.runtime.get(case.id, actor=actor("admin"))
    assert (done.status, done.outcome) == ("completed", "expired")
    assert task_states(case.id) == [("review_in_phase", "cancelled")]
    # the case ended: the half-time timer that never came is gone, the fired one stays
    assert timers(case.id) == []
    assert [r.element_id for r in timers(case.id, fired=True)] == ["phase_expired"]


def test_a_step_after_the_due_time_fires_the_timer_and_marks_the_row(casework, actor, clock):
    """A user's step that runs after a due time fires the timer itself; the row must not fire again."""
    case = start(casework, actor, "timer_boundary")
    clock.set(START + timedelta(days=3))
    assert casework.management.fire_due().fired == 1
    follow_up = only_task(casework.runtime.get(case.id, actor=actor("admin")), "follow_up")
    # the deadline passes while nobody runs a scheduler; then the follow-up is completed
    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    casework.tasks.complete(follow_up.id, actor=actor("mitarbeiterin"), data={})
    states = dict(task_states(case.id))
    assert (states["review_request"], states["handle_missed_deadline"]) == ("cancelled", "open")
    (row,) = [r for r in timers(case.id, fired=True) if r.element_id == "deadline_missed"]
    assert row.fired_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert casework.management.fire_due().claimed == 0
    assert [n for n, _ in task_states(case.id)].count("handle_missed_deadline") == 1
    # the history tells that the deadline fired in that step, once, and the chain holds
    assert fired_events(case.id) == [
        ("remind_reviewer", {"element": "remind_reviewer", "kind": "duration", "due_at": "2026-11-28T09:00:00+00:00"}),
        ("deadline_missed", {"element": "deadline_missed", "kind": "date", "due_at": "2026-12-09T23:00:00+00:00"}),
    ]
    assert casework.history.verify_chain(case.id)


def test_ended_case_has_no_waiting_rows(casework, actor):
    case = start(casework, actor, "timer_boundary")
    assert timers(case.id)
    casework.runtime.terminate(case.id, actor=actor("admin"), reason="Test")
    assert timers(case.id, fired=None) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('"P10X"', "not an ISO 8601"),
        ('"2026-13-45"', "not an ISO 8601"),
        ('"R3/PT1H/junk"', "not an ISO 8601"),
        ("add_working_days(today(), 10", "SyntaxError"),
    ],
)
def test_deploy_refuses_a_bad_timer_expression_naming_the_element(casework, body, message):
    content = fixture_bytes("timer_intermediate.bpmn").replace(b'"P10D"', body.encode())
    with pytest.raises(DefinitionInvalid) as err:
        casework.repository.deploy({"timer_intermediate.bpmn": content}, actor=None)
    problems = [p for p in err.value.problems if p.element_id == "wait_period"]
    assert problems, err.value.problems
    assert message in problems[0].message


@pytest.mark.parametrize(
    "definition",
    [
        '<bpmn:timeDate>"2027-01-31T12:00:00+01:00"</bpmn:timeDate>',
        '<bpmn:timeDate>"2027-01-31"</bpmn:timeDate>',
        '<bpmn:timeCycle>"R/2027-01-01T08:00:00+01:00/P1D"</bpmn:timeCycle>',
        "<bpmn:timeDuration>waiting_period</bpmn:timeDuration>",
        "<bpmn:timeDate>${add_working_days(today(), 10, land)}</bpmn:timeDate>",
    ],
)
def test_deploy_accepts_iso_literals_and_expressions(casework, definition):
    content = fixture_bytes("timer_intermediate.bpmn").replace(
        b'<bpmn:timeDuration>"P10D"</bpmn:timeDuration>', definition.encode())
    ((_info, created),) = casework.repository.deploy({"timer_intermediate.bpmn": content}, actor=None)
    assert created


def test_two_due_timers_of_one_case_in_one_pass_fire_once_each(casework, actor, clock):
    case = start(casework, actor, "timer_boundary")
    clock.set(datetime(2026, 12, 10, 8, 0, tzinfo=UTC))  # both the reminder and the deadline are due
    report = casework.management.fire_due()
    # the first row's step fires both timers of the case; the second row finds itself fired
    assert (report.claimed, report.fired) == (2, 1)
    assert sorted(name for name, _ in fired_events(case.id)) == ["deadline_missed", "remind_reviewer"]
    assert sorted(r.element_id for r in timers(case.id, fired=True)) == ["deadline_missed", "remind_reviewer"]
    states = dict(task_states(case.id))
    assert (states["review_request"], states["follow_up"], states["handle_missed_deadline"]) == (
        "cancelled", "open", "open")


def test_a_deadline_from_the_calculator_is_a_date_timer(casework, actor, clock):
    """deadline() gives the last day of a legal period (moved off holidays); the timer fires when it is over."""
    content = fixture_bytes("timer_boundary.bpmn").replace(
        b"add_working_days(today(), 10, land)", b'deadline(today(), "P1M", land)')
    casework.repository.deploy({"timer_boundary.bpmn": content}, actor=None)
    case = casework.runtime.start("timer_boundary", actor=actor("mitarbeiterin"))
    deadline = {r.element_id: r.due_at for r in timers(case.id)}["deadline_missed"]
    # a month from 25 November is 25 December, a holiday, as is the 26th; the 27th is a Sunday
    assert deadline == datetime(2026, 12, 28, 23, 0, tzinfo=UTC)
    clock.set(deadline)
    casework.management.fire_due()  # the reminder (long due) and the deadline, in one step of the case
    assert sorted(name for name, _ in fired_events(case.id)) == ["deadline_missed", "remind_reviewer"]
    assert dict(task_states(case.id))["handle_missed_deadline"] == "open"
