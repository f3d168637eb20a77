"""Reminders of a task offered to named users (camunda:candidateUsers, issue 16): each named user is
reminded while nobody holds it; once one holds it, only they are."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.camunda.conftest import model_bytes
from tests.factories import only_task
from tests.mail.conftest import SmtpServer


def test_each_named_user_is_reminded_until_one_holds_the_task(casework, actor, clock: Any, smtp: SmtpServer) -> None:
    model = model_bytes("candidate_users_list.bpmn").replace(
        b'camunda:priority="70"', b'camunda:priority="70" camunda:dueDate="P5D"')
    casework.repository.deploy({"candidate_users_list.bpmn": model}, actor=None)
    case = casework.runtime.start("candidateUsersList", actor=actor("mitarbeiterin"),
                                  variables={"reviewers": ["personal.kommune"], "lead": "personal.ba"})
    task = only_task(case, "reviewByList")
    # the default policy: two working days before the due date (Monday 30 Nov), then on the day
    clock.set(datetime(2026, 11, 26, 7, tzinfo=UTC))
    casework.management.fire_due()
    casework.outbox.deliver_due()
    assert sorted(m["To"] for m in smtp.messages) == ["gf@musterkreis.example", "personal.ba@musterkreis.example"]
    casework.tasks.claim(task.id, actor=actor("gf"))
    sent = len(smtp.messages)
    clock.set(datetime(2026, 11, 30, 7, tzinfo=UTC))
    casework.management.fire_due()
    casework.outbox.deliver_due()
    assert [(m["To"], m["Subject"]) for m in smtp.messages[sent:]] == [
        ("gf@musterkreis.example", "Heute fällig: Erstprüfung")]
