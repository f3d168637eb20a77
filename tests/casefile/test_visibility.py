"""Need-to-know visibility (issue 14 §5): a personnel matter is for those who take part."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from tests.factories import employee_request

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
TRAEGER_NOTICE = {"initiator": "traeger", "employee_name": "Max Muster", "employer": "ba",
                  "reason": "Umorganisation", "notice_date": "2025-11-30"}


_KEYS = itertools.count(1)


def start(client: Any, variables: dict[str, Any]) -> dict[str, Any]:
    # one Aktenzeichen per case: a second case under the same one is refused (issue 13)
    response = client.post("/api/v1/process-instances", json={
        "process_key": "assignment_termination", "business_key": f"ZW-VIS-{next(_KEYS)}", "variables": variables})
    assert response.status_code == 201, response.json
    return response.json


def redeploy_organisation_wide(api: Any) -> None:
    """A new version of assignment_termination that everyone of the organisation sees (as before issue 14)."""
    text = (WORKFLOWS / "assignment_termination.bpmn").read_text(encoding="utf-8")
    text = text.replace('name="visibility" value="parties"', 'name="visibility" value="organisation"')
    response = api("designer").client.post(
        "/api/v1/process-definitions", headers=api("designer").headers,
        data={"files": [(__import__("io").BytesIO(text.encode()), "assignment_termination.bpmn")]},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.json


def visible(client: Any, case_id: str) -> bool:
    status = client.get(f"/api/v1/process-instances/{case_id}").status_code
    assert status in (200, 404)
    return status == 200


def test_a_note_by_hr_is_seen_by_the_gf_and_hidden_from_the_tv(api: Any) -> None:
    hr, gf, tv = api("personal.ba"), api("gf"), api("tv.ba1")
    case = start(hr, TRAEGER_NOTICE)
    note = hr.post(f"/api/v1/process-instances/{case['id']}/notes", json={"text": "Personalrat ist informiert."})
    assert note.status_code == 201
    # the GF supervises HR (hr_ba), whose task is open: she takes part
    assert visible(gf, case["id"])
    assert [n["text"] for n in gf.get(f"/api/v1/process-instances/{case['id']}/notes").json["items"]] == [
        "Personalrat ist informiert."]
    # a TV member of the same Agentur does not: 404 for the case, its notes, history, lists and search
    for path in ("", "/notes", "/history"):
        assert tv.get(f"/api/v1/process-instances/{case['id']}{path}").status_code == 404, path
    assert tv.post(f"/api/v1/process-instances/{case['id']}/notes", json={"text": "x"}).status_code == 404
    assert case["id"] not in [c["id"] for c in tv.get("/api/v1/process-instances?per_page=200").json["items"]]
    assert case["id"] not in [t["process_instance_id"] for t in tv.get("/api/v1/tasks").json["items"]]


def test_organisation_wide_processes_stay_as_they_were(api: Any) -> None:
    redeploy_organisation_wide(api)
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    assert visible(api("tv.ba1"), case["id"])  # a colleague of the Agentur, as before


def test_employee_request_is_for_the_employee_the_gf_and_hr(api: Any, browser: Any) -> None:
    case = start(api("mitarbeiterin"), employee_request())
    assert visible(api("gf"), case["id"])
    for outsider in ("tv.ba1", "tv.buero", "designer", "traeger.ba", "personal.kommune"):
        assert not visible(api(outsider), case["id"]), outsider
    assert visible(api("admin"), case["id"])
    assert browser("tv.buero").get(f"/cases/{case['id']}").status_code == 404
    task = case["open_tasks"][0]["id"]
    gf = api("gf")
    assert gf.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "no_objection"}}).status_code == 200
    # HR of the Agentur now holds the record task: a party; the GF decided: still a party
    assert visible(api("personal.ba"), case["id"]) and visible(gf, case["id"])
    assert not visible(api("tv.ba2"), case["id"])


def test_search_finds_a_parties_case_only_for_its_parties(api: Any) -> None:
    case = start(api("personal.ba"), {**TRAEGER_NOTICE, "employee_name": "Xaver Suchtest"})

    def found(username: str) -> bool:
        answer = api(username).get("/api/v1/process-instances?q=Suchtest")
        assert answer.status_code == 200, answer.json
        return case["id"] in [c["id"] for c in answer.json["items"]]

    assert found("personal.ba") and found("gf")
    assert not found("tv.ba1") and not found("designer")


def test_case_lists_agree_with_the_case_page_after_a_supervised_task_closes(api: Any) -> None:
    hr, gf = api("personal.ba"), api("gf")
    case = start(hr, TRAEGER_NOTICE)
    task = next(t for t in hr.get("/api/v1/tasks?scope=candidate").json["items"] if t["process_instance_id"] == case["id"])
    assert visible(gf, case["id"])  # she supervises HR, whose task is open
    assert case["id"] in [c["id"] for c in gf.get("/api/v1/process-instances?per_page=200").json["items"]]
    assert hr.post(f"/api/v1/tasks/{task['id']}/claim").status_code in (200, 204)
    done = hr.post(f"/api/v1/tasks/{task['id']}/complete", json={"variables": {"end_date": "2026-02-28"}})
    assert done.status_code in (200, 204), done.json
    # the offer is gone: the list must not name a case whose page answers 404
    listed = case["id"] in [c["id"] for c in gf.get("/api/v1/process-instances?per_page=200").json["items"]]
    assert listed == visible(gf, case["id"]) == False  # noqa: E712
