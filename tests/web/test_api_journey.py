"""The assignment_termination journeys of DOMAIN.md §4.1, driven over the JSON API only."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import employee_request

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def start_case(client: Any, variables: dict[str, Any], business_key: str = "ZW-2026-001") -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": "assignment_termination", "business_key": business_key, "variables": variables},
    )
    assert response.status_code == 201, response.json
    return response.json


def offered_task(client: Any, instance_id: str, scope: str = "candidate") -> dict[str, Any]:
    response = client.get(f"/api/v1/tasks?scope={scope}&process_instance_id={instance_id}")
    assert response.status_code == 200, response.json
    (task,) = response.json["items"]
    return task


def test_employee_request_with_objection(api: Any) -> None:
    employee, gf = api("mitarbeiterin"), api("gf")
    case = start_case(employee, employee_request())
    assert case["status"] == "running"
    assert case["process_key"] == "assignment_termination"
    assert case["version"] == 1
    assert case["business_key"] == "ZW-2026-001"
    assert isinstance(case["id"], str)
    assert ISO_WITH_OFFSET.match(case["started_at"])
    assert [t["name"] for t in case["open_tasks"]] == ["review_request"]

    inbox = gf.get("/api/v1/tasks?scope=candidate")
    assert inbox.status_code == 200
    assert {"items", "total", "page", "per_page"} <= set(inbox.json)
    task = next(t for t in inbox.json["items"] if t["process_instance_id"] == case["id"])
    assert task["name"] == "review_request"
    assert task["candidate_groups"] == ["gf"]
    assert task["assignee"] is None
    assert task["state"] == "open"
    assert task["business_key"] == "ZW-2026-001"
    assert ISO_WITH_OFFSET.match(task["created_at"]) and ISO_WITH_OFFSET.match(task["due_at"])
    assert {
        "id",
        "name",
        "title",
        "process_instance_id",
        "process_key",
        "business_key",
        "assignee",
        "candidate_groups",
        "created_at",
        "due_at",
        "priority",
        "state",
    } <= set(task)

    detail = gf.get(f"/api/v1/tasks/{task['id']}")
    assert detail.status_code == 200
    fields = {f["name"]: f for f in detail.json["form"]["fields"]}
    assert set(fields) == {"decision", "objection_reason"}
    assert fields["decision"]["type"] == "enum" and fields["decision"]["required"] is True
    assert {o["value"] for o in fields["decision"]["options"]} == {"no_objection", "objection"}
    assert fields["objection_reason"]["type"] == "text"
    assert isinstance(detail.json["values"], dict)

    claimed = gf.post(f"/api/v1/tasks/{task['id']}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "gf"
    assert [t["id"] for t in gf.get("/api/v1/tasks?scope=mine").json["items"]] == [task["id"]]
    assert gf.get(f"/api/v1/tasks?scope=candidate&process_instance_id={case['id']}").json["items"] == []

    refused = gf.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "objection"}})
    assert refused.status_code == 422
    assert refused.json["error"] == "validation_failed"
    assert "objection_reason" in refused.json["details"]["fields"]
    unchanged = gf.get(f"/api/v1/tasks/{task['id']}").json
    assert unchanged["state"] == "open" and unchanged["assignee"] == "gf"
    assert gf.get(f"/api/v1/process-instances/{case['id']}").json["status"] == "running"

    done = gf.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"decision": "objection", "objection_reason": "Personalengpass im Leistungsbereich"}},
    )
    assert done.status_code == 200, done.json
    after = done.json["process_instance"]
    assert after["id"] == case["id"]
    assert after["status"] == "completed"
    assert after["outcome"] == "objected"
    assert after["open_tasks"] == []
    assert ISO_WITH_OFFSET.match(after["ended_at"])

    again = gf.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "no_objection"}})
    assert again.status_code == 409
    assert again.json["error"] == "conflict"

    seen_by_employee = employee.get(f"/api/v1/process-instances/{case['id']}")
    assert seen_by_employee.status_code == 200
    assert seen_by_employee.json["outcome"] == "objected"

    history = employee.get(f"/api/v1/process-instances/{case['id']}/history")
    assert history.status_code == 200
    actions = [e["action"] for e in history.json["items"]]
    assert history.json["total"] == len(actions)
    assert actions[0] == "instance_started" and actions[-1] == "instance_completed"
    assert actions.index("task_claimed") < actions.index("task_completed")
    completed = next(e for e in history.json["items"] if e["action"] == "task_completed")
    assert completed["task_name"] == "review_request" and completed["actor"] == "gf"
    assert completed["task_id"] == task["id"]
    assert all(ISO_WITH_OFFSET.match(e["at"]) for e in history.json["items"])


def test_employee_request_without_objection_is_recorded_by_hr(api: Any) -> None:
    employee, gf, hr = api("mitarbeiterin"), api("gf"), api("personal.ba")
    case = start_case(employee, employee_request(employer="ba"))
    review = offered_task(gf, case["id"])

    # a candidate's complete claims the task in the same step
    step = gf.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "no_objection"}})
    assert step.status_code == 200, step.json
    after = step.json["process_instance"]
    assert after["status"] == "running"
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [
        ("record_termination", ["hr_ba"])
    ]

    record = offered_task(hr, case["id"])
    detail = hr.get(f"/api/v1/tasks/{record['id']}").json
    assert detail["values"]["end_date"] == "2027-01-31"
    assert [f["name"] for f in detail["form"]["fields"]] == ["end_date"]

    done = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {"end_date": "2027-01-31"}})
    assert done.status_code == 200, done.json
    final = done.json["process_instance"]
    assert (final["status"], final["outcome"]) == ("completed", "terminated")
    assert final["variables"]["end_date"] == "2027-01-31"

    listed = employee.get("/api/v1/process-instances?status=completed&business_key=ZW-2026-001")
    assert [i["id"] for i in listed.json["items"]] == [case["id"]]


def test_traeger_notice_ends_three_months_later_without_shift(api: Any) -> None:
    hr = api("personal.kommune")
    case = start_case(
        hr,
        {
            "initiator": "traeger",
            "employee_name": "Max Muster",
            "employer": "kommune",
            "reason": "Umorganisation",
            "notice_date": "2025-11-30",
        },
        business_key="ZW-2025-077",
    )
    assert case["variables"]["end_date"] == "2026-02-28"
    assert [t["name"] for t in case["open_tasks"]] == ["record_termination"]

    record = offered_task(hr, case["id"])
    assert record["candidate_groups"] == ["hr_kommune"]
    detail = hr.get(f"/api/v1/tasks/{record['id']}").json
    assert detail["values"]["end_date"] == "2026-02-28"

    done = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": detail["values"]})
    assert done.status_code == 200, done.json
    final = done.json["process_instance"]
    assert final["outcome"] == "terminated"
    assert final["variables"]["end_date"] == "2026-02-28"


def test_record_termination_left_empty_takes_the_requested_end_date(api: Any) -> None:
    """DOMAIN §4.1: end_date defaults to the requested date; over the API a field left out of data
    takes the value the form shows, as in the browser (regression: it was 422 'Pflichtfeld')."""
    employee, gf, hr = api("mitarbeiterin"), api("gf"), api("personal.kommune")
    case = start_case(employee, employee_request(employer="gemeinde", requested_end_date="2027-03-31"))
    review = offered_task(gf, case["id"])
    assert gf.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "no_objection"}}).status_code == 200

    record = offered_task(hr, case["id"])
    assert record["candidate_groups"] == ["hr_kommune"]
    done = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.json
    final = done.json["process_instance"]
    assert (final["status"], final["outcome"]) == ("completed", "terminated")
    assert final["variables"]["end_date"] == "2027-03-31"


def test_traeger_record_termination_with_empty_data_keeps_the_computed_end(api: Any) -> None:
    hr = api("personal.ba")
    case = start_case(
        hr,
        {"initiator": "traeger", "employee_name": "Max Muster", "employer": "ba", "notice_date": "2025-11-30"},
    )
    record = offered_task(hr, case["id"])
    assert record["candidate_groups"] == ["hr_ba"]
    done = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {}})
    assert done.status_code == 200, done.json
    assert done.json["process_instance"]["outcome"] == "terminated"
    assert done.json["process_instance"]["variables"]["end_date"] == "2026-02-28"


def test_explicit_values_still_win_over_form_defaults(api: Any) -> None:
    employee, gf, hr = api("mitarbeiterin"), api("gf"), api("personal.ba")
    case = start_case(employee, employee_request(employer="ba"))
    review = offered_task(gf, case["id"])
    gf.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {"decision": "no_objection"}})
    record = offered_task(hr, case["id"])
    cleared = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {"end_date": None}})
    assert cleared.status_code == 422 and set(cleared.json["details"]["fields"]) == {"end_date"}
    done = hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {"end_date": "2026-12-31"}})
    assert done.json["process_instance"]["variables"]["end_date"] == "2026-12-31"
    # a task the caller may not see is still 404, before and after the defaults are looked up
    assert api("ihk").post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {}}).status_code == 404


def test_history_follows_the_list_convention(api: Any) -> None:
    employee = api("mitarbeiterin")
    case = start_case(employee, employee_request())
    whole = employee.get(f"/api/v1/process-instances/{case['id']}/history")
    assert whole.status_code == 200
    body = whole.json
    assert (body["page"], body["per_page"], body["total"]) == (1, 200, len(body["items"]))
    assert [e["action"] for e in body["items"]][:2] == ["instance_started", "task_created"]
    second = employee.get(f"/api/v1/process-instances/{case['id']}/history?per_page=1&page=2").json
    assert second["items"] == body["items"][1:2] and second["total"] == body["total"]
    assert employee.get(f"/api/v1/process-instances/{case['id']}/history?per_page=500").json["per_page"] == 200


def test_history_reports_whether_its_chain_is_intact(api: Any, app: Any) -> None:
    import sqlalchemy as sa

    from models import db

    employee = api("mitarbeiterin")
    case = start_case(employee, employee_request())
    url = f"/api/v1/process-instances/{case['id']}/history"
    assert employee.get(url).json["intact"] is True
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM history_events WHERE id = (SELECT MIN(id) FROM history_events)"))
    assert employee.get(url).json["intact"] is False
    other = start_case(employee, employee_request(), business_key="ZW-2")
    with app.app_context():
        with db.engine.begin() as conn:  # the newest event of a case: the head on the case row tells
            conn.execute(sa.text("DELETE FROM history_events WHERE id = (SELECT MAX(id) FROM history_events)"))
    assert employee.get(f"/api/v1/process-instances/{other['id']}/history").json["intact"] is False


def test_admin_retries_a_failed_case_over_the_api_and_in_the_browser(api: Any, browser: Any) -> None:
    from tests.factories import fixture_bytes

    admin = api("admin")
    upload = admin.client.post(
        "/api/v1/process-definitions",
        data={"files": (__import__("io").BytesIO(fixture_bytes("svc_divide.bpmn")), "svc_divide.bpmn")},
        headers=admin.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    gf = api("gf")
    case = gf.post("/api/v1/process-instances", json={"process_key": "svc_divide",
                                                      "variables": {"total": 10, "divisor": 0}}).json
    assert case["status"] == "error" and case["error"]["element_id"] == "divide"
    assert gf.post(f"/api/v1/process-instances/{case['id']}/retry", json={}).status_code == 403
    admin_browser = browser("admin")
    page = admin_browser.get(f"/cases/{case['id']}").text
    assert "Fehlgeschlagenen Schritt erneut ausführen" in page
    again = admin_browser.submit(f"/cases/{case['id']}/retry", {}, page_url=f"/cases/{case['id']}",
                                 follow_redirects=True)
    assert "erneut fehlgeschlagen" in again.text  # same data, same failure
    fixed = admin.post(f"/api/v1/process-instances/{case['id']}/retry", json={"variables": {"divisor": 5}})
    assert fixed.status_code == 200 and fixed.json["status"] == "running"
    assert fixed.json["variables"]["share"] == 2
    assert admin.post(f"/api/v1/process-instances/{case['id']}/retry", json={}).status_code == 409
