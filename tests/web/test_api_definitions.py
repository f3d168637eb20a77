"""Process definitions over the API: listing, reading, deploying new versions, refusing broken files."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from tests.factories import DATA


def upload(client: Any, *files: tuple[str, bytes]) -> Any:
    return client.client.post(
        "/api/v1/process-definitions",
        headers=client.headers,
        data={"files": [(BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
    )


def simple(name: str = "API-Test: Notiz") -> tuple[str, bytes]:
    text = (DATA / "api_simple.bpmn").read_text(encoding="utf-8").replace("API-Test: Notiz", name)
    return "api_simple.bpmn", text.encode("utf-8")


def broken() -> tuple[str, bytes]:
    return "api_broken.bpmn", (DATA / "api_broken.bpmn").read_bytes()


def start_simple(client: Any, note: str = "Bitte prüfen") -> Any:
    return client.post(
        "/api/v1/process-instances", json={"process_key": "api_simple", "variables": {"note": note}}
    )


def test_list_and_read_definitions(api: Any) -> None:
    employee = api("mitarbeiterin")
    listed = employee.get("/api/v1/process-definitions")
    assert listed.status_code == 200
    assert {"items", "total", "page", "per_page"} <= set(listed.json)
    termination = next(d for d in listed.json["items"] if d["key"] == "assignment_termination")
    assert {"key", "name", "version", "deployed_at", "starter_groups", "start_form"} <= set(termination)
    assert set(termination["starter_groups"]) == {"employee", "hr_ba", "hr_kommune"}
    assert termination["can_start"] is True
    names = [f["name"] for f in termination["start_form"]["fields"]]
    assert names[:3] == ["initiator", "employee_name", "employer"]

    one = employee.get("/api/v1/process-definitions/assignment_termination")
    assert one.status_code == 200
    assert one.json["version"] == termination["version"]
    assert one.json["start_form"] == termination["start_form"]
    xml = employee.get("/api/v1/process-definitions/assignment_termination/bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b'<bpmn:process id="assignment_termination"' in xml.data
    assert employee.get("/api/v1/process-definitions/assignment_termination?version=99").status_code == 404
    assert employee.get("/api/v1/process-definitions/assignment_termination?version=x").status_code == 422


def test_deploy_is_for_designers(api: Any) -> None:
    response = upload(api("gf"), simple())
    assert response.status_code == 403
    assert response.json["error"] == "forbidden"
    assert api("gf").get("/api/v1/process-definitions/api_simple").status_code == 404


def test_deploy_versions(api: Any) -> None:
    designer, employee = api("designer"), api("mitarbeiterin")

    first = upload(designer, simple())
    assert first.status_code == 201, first.json
    assert first.json["deployed"] == [
        {
            "key": "api_simple",
            "name": "API-Test: Notiz",
            "version": 1,
            "created": True,
            "deployed_at": first.json["deployed"][0]["deployed_at"],
            "warnings": [],
        }
    ]
    assert (first.json["key"], first.json["version"], first.json["created"]) == ("api_simple", 1, True)
    definition = employee.get("/api/v1/process-definitions/api_simple").json
    assert definition["version"] == 1 and definition["starter_groups"] == ["employee"]
    assert [f["name"] for f in definition["start_form"]["fields"]] == ["note"]

    same = upload(designer, simple())
    assert same.status_code == 201
    assert (same.json["version"], same.json["created"]) == (1, False)

    running = start_simple(employee)
    assert running.status_code == 201 and running.json["version"] == 1

    changed = upload(designer, simple("API-Test: Notiz, überarbeitet"))
    assert changed.status_code == 201
    assert (changed.json["version"], changed.json["created"]) == (2, True)

    assert employee.get(f"/api/v1/process-instances/{running.json['id']}").json["version"] == 1
    newer = start_simple(employee)
    assert newer.json["version"] == 2
    assert (
        employee.get("/api/v1/process-definitions/api_simple").json["name"] == "API-Test: Notiz, überarbeitet"
    )
    assert employee.get("/api/v1/process-definitions/api_simple?version=1").json["name"] == "API-Test: Notiz"
    old_xml = employee.get("/api/v1/process-definitions/api_simple/bpmn?version=1").data.decode()
    assert "überarbeitet" not in old_xml
    versions = employee.get("/api/v1/process-definitions/api_simple/versions").json
    assert [v["version"] for v in versions["items"]] == [2, 1]
    # each version with its own start form, not an empty one (regression)
    assert [[f["name"] for f in v["start_form"]["fields"]] for v in versions["items"]] == [["note"], ["note"]]

    # the old case still runs on version 1
    reviewer = api("tv.ba1")
    task_id = running.json["open_tasks"][0]["id"]
    done = reviewer.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": True}})
    assert done.status_code == 200, done.json
    assert done.json["process_instance"]["status"] == "completed"
    assert done.json["process_instance"]["version"] == 1


def test_broken_file_is_refused_with_every_problem_and_nothing_deployed(api: Any) -> None:
    designer = api("designer")
    response = upload(designer, simple(), broken())
    assert response.status_code == 422
    assert response.json["error"] == "definition_invalid"
    errors = response.json["details"]["errors"]
    assert all({"file", "element_id", "message", "severity"} <= set(e) for e in errors)
    failing = {e["element_id"] for e in errors if e["severity"] == "error"}
    assert {"broken_script", "task_without_group"} <= failing
    assert "broken_script" in response.json["message"]  # the message names the elements too
    for key in ("api_simple", "api_broken"):
        assert designer.get(f"/api/v1/process-definitions/{key}").status_code == 404
    not_bpmn = upload(designer, ("notes.txt", b"hello"))
    assert not_bpmn.status_code == 422
    assert not_bpmn.json["details"]["errors"][0]["file"] == "notes.txt"
    assert upload(designer).status_code == 422


def test_a_task_held_by_someone_else(api: Any) -> None:
    assert upload(api("designer"), simple()).status_code == 201
    case = start_simple(api("mitarbeiterin")).json
    task_id = case["open_tasks"][0]["id"]
    first, second = api("tv.ba1"), api("tv.kom1")
    assert first.post(f"/api/v1/tasks/{task_id}/claim").json["assignee"] == "tv.ba1"

    claim = second.post(f"/api/v1/tasks/{task_id}/claim")
    assert claim.status_code == 409 and claim.json["error"] == "conflict"
    complete = second.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}})
    assert complete.status_code == 409
    unclaim = second.post(f"/api/v1/tasks/{task_id}/unclaim")
    assert unclaim.status_code == 409

    # only supervisors assign; an admin may hand the task to another candidate
    assert second.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "tv.kom1"}).status_code == 403
    moved = api("admin").post(f"/api/v1/tasks/{task_id}/assign", json={"username": "tv.kom1"})
    assert moved.status_code == 200 and moved.json["assignee"] == "tv.kom1"
    assert [t["id"] for t in second.get("/api/v1/tasks?scope=mine").json["items"]] == [task_id]
