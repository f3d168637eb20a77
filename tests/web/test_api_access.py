"""Authentication, the error shape and status codes of the API: 400, 401, 403, 404, 405, 409, 413, 422."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import employee_request

PROTECTED = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/process-definitions"),
    ("GET", "/api/v1/process-definitions/assignment_termination"),
    ("GET", "/api/v1/process-definitions/assignment_termination/bpmn"),
    ("POST", "/api/v1/process-definitions"),
    ("GET", "/api/v1/process-instances"),
    ("POST", "/api/v1/process-instances"),
    ("GET", "/api/v1/process-instances/some-id"),
    ("GET", "/api/v1/process-instances/some-id/history"),
    ("POST", "/api/v1/process-instances/some-id/terminate"),
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks/some-id"),
    ("POST", "/api/v1/tasks/some-id/claim"),
    ("POST", "/api/v1/tasks/some-id/unclaim"),
    ("POST", "/api/v1/tasks/some-id/assign"),
    ("POST", "/api/v1/tasks/some-id/complete"),
]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"error", "message", "details"}
    assert body["error"] == code and body["message"]
    return body


def start_case(client: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": "assignment_termination", "variables": employee_request()},
    )
    assert response.status_code == 201, response.json
    return response.json


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_endpoint_needs_authentication(client: Any, method: str, path: str) -> None:
    response = client.open(path, method=method, json={})
    assert_error(response, 401, "not_authenticated")
    assert "Bearer" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic Zm9vOmJhcg=="])
def test_a_bad_token_is_401_never_a_redirect(client: Any, header: str) -> None:
    response = client.get("/api/v1/tasks", headers={"Authorization": header})
    assert_error(response, 401, "not_authenticated")


def test_token_and_me(client: Any) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "mitarbeiterin", "password": "demo"})
    assert response.status_code == 200
    assert set(response.json) >= {"token", "expires_at"}
    assert re.match(r"^\d{4}-\d{2}-\d{2}T.*[+-]\d{2}:\d{2}$", response.json["expires_at"])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert me.json["username"] == "mitarbeiterin"
    assert me.json["display_name"] == "Maria Mitarbeiterin"
    assert me.json["groups"] == ["employee"]
    assert me.json["organisation"] == "Jobcenter Musterkreis"
    assert isinstance(me.json["organisation_id"], str)
    assert "email" in me.json


def test_token_answer_is_the_same_for_unknown_user_and_wrong_password(client: Any) -> None:
    unknown = client.post("/api/v1/auth/token", json={"username": "niemand", "password": "demo"})
    wrong = client.post("/api/v1/auth/token", json={"username": "gf", "password": "falsch"})
    assert_error(unknown, 401, "invalid_credentials")
    assert (unknown.status_code, unknown.json) == (wrong.status_code, wrong.json)


# NaN, Infinity and 1e400 are refused with 422 non_finite_number (issue 11, tests/safety/test_bad_input.py)
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"username": "gf", "password": }'])
def test_malformed_json_is_400(client: Any, api: Any, body: bytes) -> None:
    assert_error(
        client.post("/api/v1/auth/token", data=body, content_type="application/json"), 400, "malformed_json"
    )
    response = api("mitarbeiterin").client.post(
        "/api/v1/process-instances",
        data=body,
        content_type="application/json",
        headers=api("mitarbeiterin").headers,
    )
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("body", "named"),
    [({}, {"username", "password"}), ({"username": "gf"}, {"password"}), ({"username": 1, "password": "demo"}, {"username"})],
)
def test_token_without_credentials_is_422_naming_the_fields(client: Any, body: dict[str, Any], named: set[str]) -> None:
    # well-formed JSON with missing or wrong fields is invalid data (422 + details.fields), not malformed JSON (400)
    error = assert_error(client.post("/api/v1/auth/token", json=body), 422, "validation_failed")
    assert set(error["details"]["fields"]) == named


def test_session_cookie_works_but_unsafe_methods_need_the_csrf_header(browser: Any) -> None:
    session = browser("gf")
    assert session.get("/api/v1/me").json["username"] == "gf"
    refused = session.client.post("/api/v1/tasks/unknown-task/claim")
    assert_error(refused, 403, "csrf_failed")
    token = CSRF_RE.search(session.get("/").text).group(1)
    allowed = session.client.post("/api/v1/tasks/unknown-task/claim", headers={"X-CSRFToken": token})
    assert_error(allowed, 404, "not_found")  # past the CSRF check: the task just does not exist


def test_a_bearer_token_needs_no_csrf_token(api: Any) -> None:
    assert_error(api("gf").post("/api/v1/tasks/unknown-task/claim"), 404, "not_found")


# --- error shape for unknown paths, methods and big bodies -----------------------------------


def test_unknown_api_path_and_method_answer_in_json(client: Any, api: Any) -> None:
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(api("gf").get("/api/v1/tasks/x/y/z"), 404, "not_found")
    wrong_method = client.delete("/api/v1/tasks")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["Allow"]


def test_messages_follow_accept_language(client: Any) -> None:
    german = client.get("/api/v1/me")
    english = client.get("/api/v1/me", headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    assert german.json["message"] != english.json["message"]
    assert "Anmeldung" in german.json["message"]
    assert "Authentication" in english.json["message"]
    assert (
        "not found" in client.get("/api/v1/nope", headers={"Accept-Language": "en"}).json["message"].lower()
    )


def test_too_large_upload_is_413(api: Any) -> None:
    designer = api("designer")
    # a raw body: the test client would spool a multipart body this size to an unclosed temp file
    huge = b"--x\r\n" + b" " * (6 * 1024 * 1024) + b"\r\n--x--\r\n"
    response = designer.client.post(
        "/api/v1/process-definitions",
        headers=designer.headers,
        data=huge,
        content_type="multipart/form-data; boundary=x",
    )
    assert_error(response, 413, "payload_too_large")


# --- 404 for what one may not see, 403, 409, 422 ---------------------------------------------


def test_invisible_and_unknown_cases_and_tasks_are_404(api: Any) -> None:
    case = start_case(api("mitarbeiterin"))
    task_id = case["open_tasks"][0]["id"]
    outsider = api("land.ministerium")
    for path in (
        f"/api/v1/process-instances/{case['id']}",
        f"/api/v1/process-instances/{case['id']}/history",
        f"/api/v1/tasks/{task_id}",
        "/api/v1/process-instances/unknown",
        "/api/v1/tasks/unknown",
    ):
        assert_error(outsider.get(path), 404, "not_found")
    assert_error(outsider.post(f"/api/v1/tasks/{task_id}/claim"), 404, "not_found")
    assert_error(outsider.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}), 404, "not_found")
    assert outsider.get("/api/v1/process-instances").json["total"] == 0
    assert outsider.get("/api/v1/tasks").json["items"] == []
    assert_error(outsider.get("/api/v1/process-definitions/no_such_process"), 404, "not_found")


def test_starting_needs_a_starter_group_and_a_known_key(api: Any) -> None:
    outsider = api("land.ministerium")
    forbidden = outsider.post(
        "/api/v1/process-instances",
        json={"process_key": "assignment_termination", "variables": employee_request()},
    )
    assert_error(forbidden, 403, "forbidden")
    unknown = api("mitarbeiterin").post("/api/v1/process-instances", json={"process_key": "no_such_process"})
    assert_error(unknown, 404, "not_found")


def test_bad_start_variables_are_422_with_fields(api: Any) -> None:
    employee = api("mitarbeiterin")
    response = employee.post(
        "/api/v1/process-instances",
        json={
            "process_key": "assignment_termination",
            "variables": employee_request(requested_end_date="2027-02-30", reason=None),
        },
    )
    error = assert_error(response, 422, "validation_failed")
    assert {"requested_end_date", "reason"} <= set(error["details"]["fields"])
    missing_key = employee.post("/api/v1/process-instances", json={"variables": {}})
    assert "process_key" in assert_error(missing_key, 422, "validation_failed")["details"]["fields"]
    not_object = employee.post(
        "/api/v1/process-instances", json={"process_key": "assignment_termination", "variables": [1]}
    )
    assert_error(not_object, 422, "validation_failed")
    assert employee.get("/api/v1/process-instances").json["total"] == 0


def test_claim_and_unclaim(api: Any) -> None:
    case = start_case(api("mitarbeiterin"))
    task_id = case["open_tasks"][0]["id"]
    gf = api("gf")
    assert gf.post(f"/api/v1/tasks/{task_id}/claim").json["assignee"] == "gf"
    assert gf.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200  # own task again: a no-op
    back = gf.post(f"/api/v1/tasks/{task_id}/unclaim")
    assert back.status_code == 200 and back.json["assignee"] is None
    assert_error(gf.post(f"/api/v1/tasks/{task_id}/unclaim"), 409, "conflict")


def test_paging_and_filters_are_validated(api: Any) -> None:
    gf = api("gf")
    for query, name in [
        ("per_page=0", "per_page"),
        ("per_page=x", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
    ]:
        for path in ("/api/v1/tasks", "/api/v1/process-instances", "/api/v1/process-definitions"):
            error = assert_error(gf.get(f"{path}?{query}"), 422, "validation_failed")
            assert name in error["details"]["fields"], (path, query)
    assert (
        "scope"
        in assert_error(gf.get("/api/v1/tasks?scope=everything"), 422, "validation_failed")["details"][
            "fields"
        ]
    )
    assert (
        "status"
        in assert_error(gf.get("/api/v1/process-instances?status=nope"), 422, "validation_failed")["details"][
            "fields"
        ]
    )
    assert (
        "overdue"
        in assert_error(gf.get("/api/v1/tasks?overdue=maybe"), 422, "validation_failed")["details"]["fields"]
    )
    ok = gf.get("/api/v1/tasks?page=2&per_page=200")
    assert ok.status_code == 200
    assert (ok.json["page"], ok.json["per_page"]) == (2, 200)


def test_paging_splits_the_list(api: Any) -> None:
    employee = api("mitarbeiterin")
    ids = {start_case(employee)["id"] for _ in range(3)}
    first = employee.get("/api/v1/process-instances?per_page=2").json
    second = employee.get("/api/v1/process-instances?per_page=2&page=2").json
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["id"] for i in first["items"] + second["items"]} == ids
    assert "open_tasks" not in first["items"][0]


def test_overdue_filter(api: Any, clock: Any) -> None:
    case = start_case(api("mitarbeiterin"))
    gf = api("gf")
    assert gf.get(f"/api/v1/tasks?overdue=true&process_instance_id={case['id']}").json["items"] == []
    clock.advance(days=30)
    overdue = gf.get(f"/api/v1/tasks?overdue=true&process_instance_id={case['id']}").json["items"]
    assert [t["name"] for t in overdue] == ["review_request"]


def test_terminate_is_for_admins(api: Any) -> None:
    case = start_case(api("mitarbeiterin"))
    path = f"/api/v1/process-instances/{case['id']}/terminate"
    assert_error(api("gf").post(path, json={"reason": "Antrag zurückgenommen"}), 403, "forbidden")
    admin = api("admin")
    assert "reason" in assert_error(admin.post(path, json={}), 422, "validation_failed")["details"]["fields"]
    done = admin.post(path, json={"reason": "Antrag zurückgenommen"})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "terminated" and done.json["open_tasks"] == []
    assert_error(admin.post(path, json={"reason": "nochmal"}), 409, "conflict")
    history = [
        e["action"] for e in admin.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    ]
    assert "instance_terminated" in history


def test_assign_is_for_supervisors(api: Any) -> None:
    case = start_case(api("mitarbeiterin"))
    task_id = case["open_tasks"][0]["id"]
    gf = api("gf")
    assert (
        "username"
        in assert_error(gf.post(f"/api/v1/tasks/{task_id}/assign", json={}), 422, "validation_failed")[
            "details"
        ]["fields"]
    )
    assert_error(
        gf.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "tv.ba1"}), 422, "validation_failed"
    )
    assigned = gf.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "gf"})
    assert assigned.status_code == 200 and assigned.json["assignee"] == "gf"


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("/api/v1/tasks?per_page=0", "per_page", "Ganze Zahl von 1 bis 999999999 erwartet."),
        ("/api/v1/tasks?page=0", "page", "Ganze Zahl von 1 bis 999999999 erwartet."),
        ("/api/v1/process-definitions/assignment_termination?version=x", "version", "Ganze Zahl von 1 bis 999999999 erwartet."),
        ("/api/v1/process-instances?page=8712824280175935997960525971456", "page", "Ganze Zahl von 1 bis 999999999 erwartet."),
    ],
)
def test_bad_query_numbers_are_422_naming_the_parameter(api: Any, path: str, field: str, message: str) -> None:
    error = assert_error(api("gf").get(path), 422, "validation_failed")
    assert error["details"]["fields"] == {field: message}


def test_per_page_200_is_allowed_and_more_is_capped(api: Any) -> None:
    page = api("gf").get("/api/v1/tasks?per_page=200")
    assert page.status_code == 200 and page.json["per_page"] == 200
    capped = api("gf").get("/api/v1/process-instances?per_page=1000")
    assert capped.status_code == 200 and capped.json["per_page"] == 200
