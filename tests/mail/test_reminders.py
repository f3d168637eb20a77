"""Reminders before, on and after the due date, each once; escalation to the supervisors; the policy
syntax and its deploy check; and the acceptance test of issue 4 on assignment_termination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from casework import Casework
from casework.errors import DefinitionInvalid
from casework.time.reminders import Offset, ReminderPolicy, parse_policy, plan_steps
from models import HumanTask, Timer, db
from tests.factories import only_task, start_termination
from tests.mail.conftest import SmtpServer, body

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="definitions_reminder_probe" targetNamespace="https://fallwerk.example/bpmn">
  <bpmn:process id="reminder_probe" name="Aktenprüfung" isExecutable="true" camunda:candidateStarterGroups="hr_ba">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check_file" name="Akte prüfen" camunda:candidateGroups="hr_ba" camunda:dueDate="P5D">
      EXTENSIONS
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check_file" />
    <bpmn:sequenceFlow id="f2" sourceRef="check_file" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""

GF, HR, TV_OFFICE = "gf@musterkreis.example", "personal.ba@musterkreis.example", "tv.buero@musterkreis.example"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def deploy_probe(casework: Casework, policy: str | None = None) -> None:
    extensions = ""
    if policy is not None:
        extensions = (f'<bpmn:extensionElements><camunda:properties><camunda:property name="reminders" '
                      f'value="{policy}" /></camunda:properties></bpmn:extensionElements>')
    casework.repository.deploy({"reminder_probe.bpmn": PROBE.replace("EXTENSIONS", extensions).encode()}, actor=None)


def timer_rows(task_id: str) -> list[tuple[str, datetime, str]]:
    db.session.remove()
    rows = db.session.execute(
        sa.select(Timer.kind, Timer.due_at, Timer.payload).where(Timer.task_id == task_id, Timer.fired_at.is_(None))
        .order_by(Timer.due_at)
    ).all()
    return [(r.kind, r.due_at, r.payload["step"]) for r in rows]


def fire_and_deliver(casework: Casework, clock: Any, at: datetime, *, times: int = 2) -> None:
    """Fire and deliver at ``at``, more than once: a step must never be sent twice."""
    clock.set(at)
    for _ in range(times):
        casework.management.fire_due()
        casework.outbox.deliver_due()


def actions(casework: Casework, actor: Any, instance_id: str) -> list[str]:
    return [e.action for e in casework.runtime.list_history(instance_id, actor=actor("admin"))]


# --- the policy ------------------------------------------------------------------------------


def test_policy_syntax():
    assert parse_policy("before=2wd; due; escalate=1wd") == ReminderPolicy(
        (Offset(2, "wd"),), True, Offset(1, "wd"), None
    )
    assert parse_policy("before=5d;before=12h;escalate=0wd;escalate_to=tv_office") == ReminderPolicy(
        (Offset(5, "d"), Offset(12, "h")), False, Offset(0, "wd"), "tv_office"
    )
    assert parse_policy("none") == ReminderPolicy()
    for bad in ("", "before", "before=2", "before=2 weeks", "due=1d", "escalate=1wd; escalate=2wd",
                "escalate_to=tv_office", "remind=1d", "none; due"):
        with pytest.raises(ValueError, match="reminder policy"):
            parse_policy(bad)


def test_working_days_count_the_lands_holidays():
    # due on Monday 28 Dec 2026: 25 and 26 Dec are holidays, so two working days before is Wednesday 23rd
    due = utc(2026, 12, 28, 22, 59, 59)
    policy = parse_policy("before=2wd; due; escalate=1wd")
    steps = plan_steps(policy, due, now=utc(2026, 12, 1, 9), land="NW", hour=8)
    assert [(s.step, s.at) for s in steps] == [
        ("before:2wd", utc(2026, 12, 23, 7)),
        ("due", utc(2026, 12, 28, 7)),
        ("escalate", utc(2026, 12, 29, 7)),
    ]
    # Epiphany (6 Jan) is a holiday in Bavaria, not in North Rhine-Westphalia
    due = utc(2027, 1, 7, 22, 59, 59)
    by = plan_steps(parse_policy("before=1wd"), due, now=utc(2026, 12, 1), land="BY", hour=8)
    nw = plan_steps(parse_policy("before=1wd"), due, now=utc(2026, 12, 1), land="NW", hour=8)
    assert by[0].at == utc(2027, 1, 5, 7) and nw[0].at == utc(2027, 1, 6, 7)


def test_steps_already_past_are_left_out_but_an_overdue_task_escalates_at_once():
    now = utc(2026, 11, 30, 12)
    steps = plan_steps(parse_policy("before=2wd; due; escalate=1wd"), utc(2026, 11, 30, 22, 59, 59),
                       now=now, land="NW", hour=8)
    assert [s.step for s in steps] == ["escalate"]
    late = plan_steps(parse_policy("escalate=1h"), utc(2026, 11, 29), now=now, land="NW", hour=8)
    assert late[0].at == now


def test_a_policy_without_a_due_date_is_warned_about(casework):
    xml = PROBE.replace(' camunda:dueDate="P5D"', "").replace(
        "EXTENSIONS", '<bpmn:extensionElements><camunda:properties><camunda:property name="reminders" '
                      'value="due" /></camunda:properties></bpmn:extensionElements>')
    ((info, _created),) = casework.repository.deploy({"reminder_probe.bpmn": xml.encode()}, actor=None)
    assert any(w["element_id"] == "check_file" and "never sent" in w["message"] for w in info.warnings), info.warnings


def test_a_malformed_policy_is_a_deploy_error_naming_the_task(casework):
    with pytest.raises(DefinitionInvalid) as caught:
        deploy_probe(casework, "before=zwei Tage; due")
    problems = [p for p in caught.value.problems if p.severity == "error"]
    assert [p.element_id for p in problems] == ["check_file"]
    assert "before=zwei Tage" in problems[0].message


# --- reminders and escalation through the scheduler and SMTP ---------------------------------


def test_default_policy_reminds_before_and_on_the_due_date_and_escalates_to_the_supervisors(
    casework, actor, clock, smtp: SmtpServer
):
    deploy_probe(casework)  # no policy on the task: the configured default
    case = casework.runtime.start("reminder_probe", actor=actor("personal.ba"), business_key="AK-7")
    task = only_task(case, "check_file")
    # created Wednesday 25 Nov 09:00 UTC, due in 5 days: Monday 30 Nov, 10:00 German time
    assert task.due_at == utc(2026, 11, 30, 9)
    assert timer_rows(task.id) == [
        ("reminder", utc(2026, 11, 26, 7), "before:2wd"),
        ("reminder", utc(2026, 11, 30, 7), "due"),
        ("escalation", utc(2026, 12, 1, 7), "escalate"),
    ]

    fire_and_deliver(casework, clock, utc(2026, 11, 26, 6, 59))
    assert smtp.messages == []
    fire_and_deliver(casework, clock, utc(2026, 11, 26, 7))
    (before,) = smtp.messages
    assert before["To"] == HR
    assert before["Subject"] == "Erinnerung: Akte prüfen ist fällig am 30.11.2026"
    text = body(before, "plain")
    assert "die Aufgabe „Akte prüfen“ ist am Montag, 30.11.2026, 10:00 Uhr fällig." in text
    assert "Fall: Aktenprüfung" in text and "Aktenzeichen: AK-7" in text
    assert f"Aufgabe öffnen: https://fallwerk.example/tasks/{task.id}" in text
    assert f'href="https://fallwerk.example/tasks/{task.id}"' in body(before, "html")

    casework.tasks.claim(task.id, actor=actor("personal.ba"))
    fire_and_deliver(casework, clock, utc(2026, 11, 30, 7))
    due = smtp.messages[1]
    assert (due["To"], due["Subject"]) == (HR, "Heute fällig: Akte prüfen")

    fire_and_deliver(casework, clock, utc(2026, 12, 1, 7))
    escalation = smtp.messages[2]
    assert (escalation["To"], escalation["Subject"]) == (GF, "Eskalation: Akte prüfen ist überfällig")
    assert "Vorgesetzte/r (gf)" in body(escalation, "plain")

    fire_and_deliver(casework, clock, utc(2026, 12, 20, 7))
    assert len(smtp.messages) == 3  # each step once
    row = db.session.get(HumanTask, task.id)
    assert row.reminded_at == utc(2026, 11, 30, 7) and row.escalated_at == utc(2026, 12, 1, 7)
    trail = actions(casework, actor, case.id)
    assert trail.count("task_reminded") == 2 and trail.count("task_escalated") == 1
    entries = casework.runtime.list_history(case.id, actor=actor("admin"))
    escalated = next(e for e in entries if e.action == "task_escalated")
    assert escalated.data == {"groups": ["gf"], "recipients": ["gf"]} and escalated.task_name == "check_file"
    _verified, intact = casework.runtime.history_trail(case.id, actor=actor("admin"))
    assert intact


def test_a_completed_task_is_not_reminded(casework, actor, clock, smtp: SmtpServer):
    deploy_probe(casework)
    case = casework.runtime.start("reminder_probe", actor=actor("personal.ba"))
    task = only_task(case, "check_file")
    casework.tasks.complete(task.id, actor=actor("personal.ba"), data={})
    assert timer_rows(task.id) == []
    fire_and_deliver(casework, clock, utc(2026, 12, 20, 7))
    assert smtp.messages == []


def test_a_task_policy_overrides_the_default(casework, actor, clock, smtp: SmtpServer):
    deploy_probe(casework, "none")
    case = casework.runtime.start("reminder_probe", actor=actor("personal.ba"))
    assert timer_rows(only_task(case).id) == []
    deploy_probe(casework, "before=1d; escalate=2h; escalate_to=traeger_ba")
    case = casework.runtime.start("reminder_probe", actor=actor("personal.ba"))
    task = only_task(case)
    assert timer_rows(task.id) == [
        ("reminder", utc(2026, 11, 29, 7), "before:1d"),
        ("escalation", utc(2026, 11, 30, 11), "escalate"),
    ]
    fire_and_deliver(casework, clock, utc(2026, 11, 30, 11))
    assert [m["To"] for m in smtp.messages] == [HR, "traeger.ba@musterkreis.example"]


def test_an_escalation_nobody_would_receive_goes_to_the_fallback_group(casework, actor, clock, smtp: SmtpServer):
    deploy_probe(casework, "escalate=1h; escalate_to=bmas")  # the BMAS is no party of this case
    case = casework.runtime.start("reminder_probe", actor=actor("personal.ba"))
    fire_and_deliver(casework, clock, utc(2026, 11, 30, 10))
    assert [m["To"] for m in smtp.messages] == ["admin@musterkreis.example"]
    (event,) = [e for e in casework.runtime.list_history(case.id, actor=actor("admin")) if e.action == "task_escalated"]
    assert event.data == {"groups": ["bmas", "admin"], "recipients": ["admin"]}


def test_acceptance_review_request_is_reminded_to_the_gf_and_escalated_after_the_due_date(
    casework, actor, clock, smtp: SmtpServer
):
    """Issue 4: a boundary timer on review_request (10 working days in NW) reminds the GF group on the
    due date, the policy reminds two working days before and escalates one working day after it."""
    case = start_termination(casework, actor("mitarbeiterin"), employee_name="Erika Beispiel")
    task = only_task(case, "review_request")
    # started Wednesday 25 Nov 2026: ten working days in NW end on Wednesday 9 Dec
    assert task.due_at == utc(2026, 12, 9, 22, 59, 59)
    db.session.remove()
    bpmn_timer = db.session.execute(
        sa.select(Timer.due_at).where(Timer.instance_id == case.id, Timer.kind == "bpmn")
    ).scalar_one()
    assert bpmn_timer == utc(2026, 12, 9, 9)  # on the due date, at the time of the request

    fire_and_deliver(casework, clock, utc(2026, 12, 4, 12))
    assert smtp.messages == []
    fire_and_deliver(casework, clock, utc(2026, 12, 7, 7))  # Monday: two working days before
    (before,) = smtp.messages
    assert before["To"] == GF
    assert before["Subject"] == "Erinnerung: Antrag prüfen (Widerspruch des Geschäftsführers): Beendigung der Zuweisung von Erika Beispiel ist fällig am 09.12.2026"
    text = body(before, "plain")
    assert "am Mittwoch, 09.12.2026 fällig" in text
    assert "Fall: Beendigung einer Zuweisung (§ 44g Abs. 5 SGB II)" in text
    assert "Aktenzeichen: ZW-2026-001" in text
    assert f"https://fallwerk.example/tasks/{task.id}" in text

    fire_and_deliver(casework, clock, utc(2026, 12, 9, 8, 59))
    assert len(smtp.messages) == 1
    fire_and_deliver(casework, clock, utc(2026, 12, 9, 9))  # the boundary timer: due today
    due = smtp.messages[1]
    assert due["To"] == GF
    assert due["Subject"] == "Frist heute: Antrag auf Beendigung der Zuweisung von Erika Beispiel"
    assert "ist heute fällig" in body(due, "plain")
    assert only_task(casework.runtime.get(case.id, actor=actor("gf")), "review_request").id == task.id  # still open

    fire_and_deliver(casework, clock, utc(2026, 12, 10, 7))  # one working day after: escalation
    escalation = smtp.messages[2]
    assert escalation["To"] == TV_OFFICE
    assert escalation["Subject"] == "Eskalation: Antrag prüfen (Widerspruch des Geschäftsführers): Beendigung der Zuweisung von Erika Beispiel ist überfällig"
    assert "war am Mittwoch, 09.12.2026 fällig und ist noch nicht erledigt" in body(escalation, "plain")
    assert f"https://fallwerk.example/cases/{case.id}" in body(escalation, "html")

    fire_and_deliver(casework, clock, utc(2026, 12, 31, 7))
    assert [m["To"] for m in smtp.messages] == [GF, GF, TV_OFFICE]  # each once
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    trail = actions(casework, actor, case.id)
    assert trail.count("task_reminded") == 1 and trail.count("task_escalated") == 1
    assert "timer_fired" in trail

    # the GF decides late: the case goes on as before
    done = casework.tasks.complete(task.id, actor=actor("gf"), data={"decision": "no_objection"})
    assert [t.name for t in done.open_tasks] == ["record_termination"]
    assert timer_rows(task.id) == []
