"""The case page's diagram: element states from the engine, visibility, and the page's wiring."""

from __future__ import annotations

import json
import re
from typing import Any

from casework import Casework
from tests.designer.conftest import FILE, KEY
from tests.factories import deploy_fixture, only_task


def _deploy_two_steps(casework: Casework, actor: Any, v2: str) -> None:
    casework.designer.deploy(KEY, FILE, v2, actor=actor("designer"))


def test_a_new_case_has_its_first_task_active_and_the_start_completed(
    casework: Casework, actor: Any, v2: str
) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    state = casework.runtime.diagram_state(case.id, actor=actor("mitarbeiterin"))
    assert (state.process_key, state.version) == (KEY, 1)
    assert state.completed == ["start"]
    assert state.active == ["handle_case"]
    assert (state.waiting, state.failed) == ([], [])
    assert 'id="approve_case"' in state.xml


def test_after_a_step_the_path_moves_on(casework: Casework, actor: Any, v2: str) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    task = only_task(case)
    gf = actor("gf")  # version 2 routes the first task to the Geschäftsführer
    casework.tasks.claim(task.id, actor=gf)
    casework.tasks.complete(task.id, actor=gf, data={"note": "geprüft"})
    state = casework.runtime.diagram_state(case.id, actor=gf)
    assert state.completed == ["start", "handle_case"]
    assert state.active == ["approve_case"]


def test_a_waiting_timer_is_reported_as_waiting(casework: Casework, actor: Any) -> None:
    """The shipped termination process waits on a boundary timer while the GF reviews the request."""
    from tests.factories import start_termination

    case = start_termination(casework, actor("mitarbeiterin"))
    state = casework.runtime.diagram_state(case.id, actor=actor("mitarbeiterin"))
    assert "review_request" in state.active
    assert state.waiting, "the review's deadline timer waits"
    assert not set(state.waiting) & set(state.completed)


# one browser per test: the casework fixture's app context would carry a login over to a second one


def test_cases_of_other_organisations_are_not_found(casework: Casework, actor: Any, v2: str, browser: Any) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    assert browser("ihk").get(f"/cases/{case.id}/diagram.json").status_code == 404


def test_the_diagram_of_an_own_case_as_json(casework: Casework, actor: Any, v2: str, browser: Any) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    worker = browser("mitarbeiterin")
    assert worker.get("/cases/no-such-case/diagram.json").status_code == 404
    own = worker.get(f"/cases/{case.id}/diagram.json")
    assert own.status_code == 200
    assert own.json["active"] == ["handle_case"] and own.json["version"] == 1


def test_the_case_page_carries_the_viewer_and_history_anchors(casework: Casework, actor: Any, v2: str, browser: Any) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    page = browser("mitarbeiterin").get(f"/cases/{case.id}")
    assert page.status_code == 200
    match = re.search(r'<script type="application/json" id="case-diagram-config">(.*?)</script>', page.text, re.S)
    assert match and json.loads(match.group(1))["state_url"] == f"/cases/{case.id}/diagram.json"
    assert 'id="case-diagram"' in page.text and "/static/dist/case-diagram.js" in page.text
    assert 'data-history-element="handle_case"' in page.text  # task_created of the open task
    assert "style-src 'self' 'unsafe-inline'" in page.headers["Content-Security-Policy"]


def test_the_diagram_needs_a_login(client: Any, casework: Casework) -> None:
    deploy_fixture(casework, "designer_review.bpmn")
    response = client.get("/cases/whatever/diagram.json")
    assert response.status_code in (302, 401)


def test_the_api_serves_the_same_diagram(casework: Casework, actor: Any, v2: str, api: Any) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    client = api("mitarbeiterin")
    response = client.get(f"/api/v1/process-instances/{case.id}/diagram")
    assert response.status_code == 200
    assert (response.json["completed"], response.json["active"]) == (["start"], ["handle_case"])
    assert client.get("/api/v1/process-instances/no-such-case/diagram").status_code == 404


def test_the_api_hides_other_organisations_cases(casework: Casework, actor: Any, v2: str, api: Any) -> None:
    _deploy_two_steps(casework, actor, v2)
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    response = api("ihk").get(f"/api/v1/process-instances/{case.id}/diagram")
    assert response.status_code == 404 and response.json["error"] == "not_found"
