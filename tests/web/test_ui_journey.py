"""The assignment_termination journeys of DOMAIN.md §4.1, clicked through the browser UI.

Every step goes through the HTML forms with their CSRF tokens, the way a browser sends them;
the services are only read to check that a refused submission changed nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from casework import Casework
from casework.records import Actor

TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})">([^<]+)</a>')
CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})$")


class Backstage:
    """Service calls for set-up and checks, each inside its own short app context.

    The test client must not run requests inside a pushed app context: they would all share
    one ``flask.g``, which caches the signed-in user, the locale and the CSRF token.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    @contextmanager
    def services(self) -> Iterator[Casework]:
        with self.app.app_context():
            yield self.app.extensions["casework"]

    def actor(self, username: str) -> Actor:
        with self.services() as casework:
            found = casework.directory.authenticate(username, "demo")
        assert found is not None, username
        return found

    def display_name(self, username: str) -> str:
        with self.services() as casework:
            return casework.directory.display_names({username})[username]


@pytest.fixture
def backstage(app: Flask) -> Backstage:
    return Backstage(app)


def start_via_form(browser: Any, **overrides: str) -> str:
    """Start a case through /cases/new/assignment_termination; returns the new case's id."""
    data = {
        "business_key": "ZW-2026-017",
        "initiator": "employee",
        "employee_name": "Erika Beispiel",
        "employer": "ba",
        "reason": "Pflege eines Angehörigen",
        "requested_end_date": "2027-01-31",
        **overrides,
    }
    response = browser.submit("/cases/new/assignment_termination", data)
    assert response.status_code == 302, response.text
    match = CASE_URL.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def task_in_list(html: str, title_part: str) -> str:
    """The id of the first task in an inbox table whose title contains ``title_part``."""
    for task_id, title in TASK_LINK.findall(html):
        if title_part in title:
            return task_id
    raise AssertionError(f"no task '{title_part}' in the list")


def test_objection_journey(browser: Any, backstage: Backstage) -> None:
    employee = browser("mitarbeiterin")
    choose = employee.get("/cases/new")
    assert choose.status_code == 200
    assert 'href="/cases/new/assignment_termination"' in choose.text

    form = employee.get("/cases/new/assignment_termination")
    assert form.status_code == 200
    assert 'name="requested_end_date"' in form.text and 'type="date"' in form.text
    assert '<label for="field-employee_name">' in form.text

    case_id = start_via_form(employee)
    started = employee.get(f"/cases/{case_id}")
    assert started.status_code == 200
    assert "ZW-2026-017" in started.text and "läuft" in started.text
    assert "Erika Beispiel" in started.text
    assert "Name der/des Beschäftigten" in started.text  # the start form's label names the variable
    assert "Bundesagentur für Arbeit" in started.text  # and its option label the value

    gf = browser("gf")
    inbox = gf.get("/?scope=candidate")
    assert inbox.status_code == 200
    assert "Gruppenaufgaben" in inbox.text and 'aria-current="page"' in inbox.text
    task_id = task_in_list(inbox.text, "Antrag prüfen")
    assert "ZW-2026-017" in inbox.text

    claimed = gf.submit(f"/tasks/{task_id}/claim", {}, page_url="/?scope=candidate")
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith(f"/tasks/{task_id}")
    mine = gf.get("/?scope=mine")
    assert task_in_list(mine.text, "Antrag prüfen") == task_id

    page = gf.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    assert "Zwingender dienstlicher Grund" in page.text
    assert f'href="/cases/{case_id}"' in page.text
    assert "Erika Beispiel" in page.text  # the case context

    gf_actor = backstage.actor("gf")
    with backstage.services() as casework:
        history_before = casework.runtime.list_history(case_id, actor=gf_actor)
    refused = gf.submit(f"/tasks/{task_id}", {"decision": "objection", "objection_reason": "  "})
    assert refused.status_code == 422
    assert "Bitte prüfen Sie Ihre Eingaben" in refused.text
    assert 'href="#field-objection_reason"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert 'aria-describedby="field-objection_reason-hint field-objection_reason-error"' in refused.text
    assert "Pflichtfeld" in refused.text
    assert re.search(r'<input checked [^>]*value="objection"', refused.text)  # the choice is kept
    with backstage.services() as casework:
        still_open = casework.tasks.get(task_id, actor=gf_actor)
        assert still_open.state == "open" and still_open.assignee == "gf"
        assert casework.runtime.list_history(case_id, actor=gf_actor) == history_before

    done = gf.submit(
        f"/tasks/{task_id}",
        {"decision": "objection", "objection_reason": "Personalengpass im Leistungsbereich"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    after = gf.get("/")
    assert "Aufgabe erledigt" in after.text
    assert 'role="status"' in after.text

    with backstage.services() as casework:
        case = casework.runtime.get(case_id, actor=backstage.actor("mitarbeiterin"))
    assert case.status == "completed" and case.outcome == "objected"
    shown = employee.get(f"/cases/{case_id}")
    assert "abgeschlossen" in shown.text
    assert "Widerspruch: die Zuweisung besteht fort" in shown.text
    assert "Personalengpass im Leistungsbereich" in shown.text  # the history's data
    assert "Aufgabe übernommen" in shown.text and "Aufgabe erledigt" in shown.text


def test_no_objection_journey_ends_the_assignment(browser: Any, backstage: Backstage) -> None:
    employee = browser("mitarbeiterin")
    case_id = start_via_form(employee, business_key="ZW-2026-018", requested_end_date="2027-03-31")

    gf = browser("gf")
    task_id = task_in_list(gf.get("/?scope=candidate").text, "Antrag prüfen")
    # a candidate may complete without claiming first: completing claims it
    done = gf.submit(f"/tasks/{task_id}", {"decision": "no_objection", "objection_reason": ""})
    assert done.status_code == 302

    hr = browser("personal.ba")
    offered = hr.get("/?scope=candidate")
    record_id = task_in_list(offered.text, "Beendigung erfassen")
    page = hr.get(f"/tasks/{record_id}")
    assert page.status_code == 200
    assert 'name="end_date"' in page.text and 'value="2027-03-31"' in page.text  # pre-filled

    finished = hr.submit(f"/tasks/{record_id}", {"end_date": "2027-03-31"})
    assert finished.status_code == 302
    with backstage.services() as casework:
        case = casework.runtime.get(case_id, actor=backstage.actor("mitarbeiterin"))
    assert case.status == "completed" and case.outcome == "terminated"
    assert case.variables["end_date"] == "2027-03-31"

    shown = employee.get(f"/cases/{case_id}")
    assert shown.status_code == 200
    assert "Zuweisung beendet" in shown.text
    history = shown.text[shown.text.index('id="history-title"') :]
    for who in ("mitarbeiterin", "gf", "personal.ba"):
        assert f"<td>{backstage.display_name(who)}</td>" in history
        assert f"<td>{who}</td>" not in history
    assert "Fall gestartet" in history and "Fall abgeschlossen" in history
    assert "31.03.2027" in history


def test_start_form_refuses_invalid_dates_and_missing_reason(browser: Any, backstage: Backstage) -> None:
    employee = browser("mitarbeiterin")
    response = employee.submit(
        "/cases/new/assignment_termination",
        {
            "initiator": "employee",
            "employee_name": "Erika Beispiel",
            "employer": "ba",
            "reason": "",
            "requested_end_date": "2011-11-31",
        },
    )
    assert response.status_code == 422
    assert "Das Datum 31.11.2011 gibt es nicht." in response.text
    with backstage.services() as casework:
        assert casework.runtime.list(actor=backstage.actor("mitarbeiterin")).total == 0

    response = employee.submit(
        "/cases/new/assignment_termination",
        {
            "initiator": "employee",
            "employee_name": "Erika Beispiel",
            "employer": "ba",
            "reason": "",
            "requested_end_date": "2027-01-31",
        },
    )
    assert response.status_code == 422  # required_if from the service, shown on the field
    assert 'href="#field-reason"' in response.text
    with backstage.services() as casework:
        assert casework.runtime.list(actor=backstage.actor("mitarbeiterin")).total == 0


def test_start_is_forbidden_for_those_not_in_the_starter_groups(browser: Any) -> None:
    gf = browser("gf")
    assert "assignment_termination" not in gf.get("/cases/new").text
    assert gf.get("/cases/new/assignment_termination").status_code == 403
    refused = gf.submit("/cases/new/assignment_termination", {"initiator": "employee"}, page_url="/cases/new")
    assert refused.status_code == 403
    assert gf.get("/cases/new/no_such_process").status_code == 404


def test_case_page_names_task_form_data_and_history_keys(browser: Any) -> None:
    """Regression: data entered in task forms showed as raw names ("decision no_objection",
    "end_date"), and task_created history data as "candidate_groups" / "due_at"."""
    employee = browser("mitarbeiterin")
    case_id = start_via_form(employee, business_key="ZW-2026-019")
    gf = browser("gf")
    task_id = task_in_list(gf.get("/?scope=candidate").text, "Antrag prüfen")
    assert gf.submit(f"/tasks/{task_id}", {"decision": "no_objection", "objection_reason": ""}).status_code == 302

    hr = browser("personal.ba")
    record_id = task_in_list(hr.get("/?scope=candidate").text, "Beendigung erfassen")
    record = hr.get(f"/tasks/{record_id}")
    case_box = record.text[record.text.index('id="case-title"') : record.text.index('id="work-title"')]
    assert "<dt>Entscheidung der Geschäftsführung</dt>" in case_box and "Kein Widerspruch" in case_box
    assert "no_objection" not in case_box

    shown = employee.get(f"/cases/{case_id}")
    data = shown.text[shown.text.index('id="data-title"') : shown.text.index('id="tasks-title"')]
    assert "<dt>Entscheidung der Geschäftsführung</dt>" in data and "Kein Widerspruch" in data
    history = shown.text[shown.text.index('id="history-title"') :]
    assert "<dt>Gruppen</dt>" in history and "<dt>Fällig</dt>" in history
    for raw in ("<dt>decision</dt>", "<dt>candidate_groups</dt>", "<dt>due_at</dt>", "no_objection"):
        assert raw not in shown.text

    english = employee.get(f"/cases/{case_id}", headers={"Accept-Language": "en"})
    assert "<dt>Groups</dt>" in english.text and "<dt>Due</dt>" in english.text
