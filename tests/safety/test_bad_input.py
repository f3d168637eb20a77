"""Issue 11 §6: bad input is a clear 4xx with nothing changed, never a 500."""

from __future__ import annotations

import codecs
from io import BytesIO
from typing import Any

import pytest

from tests.factories import DATA, employee_request
from tests.safety.chains import chain_bpmn


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.client.post("/api/v1/process-definitions", headers=client.headers,
                              data={"files": [(BytesIO(content), name)]}, content_type="multipart/form-data")


def post_raw(client: Any, url: str, body: str) -> Any:
    return client.client.post(url, data=body, headers={**client.headers, "Content-Type": "application/json"})


def nested(depth: int) -> str:
    return '{"x": ' * depth + "1" + "}" * depth


# --- JSON nesting and non-finite numbers -----------------------------------------------------------

@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_variables_are_refused_with_400(api, depth):
    client = api("mitarbeiterin")
    body = '{"process_key": "assignment_termination", "variables": ' + nested(depth) + "}"
    response = post_raw(client, "/api/v1/process-instances", body)
    assert response.status_code == 400
    assert response.json["error"] == "json_too_deep" and response.json["details"] == {"max_depth": 32}
    assert "zu tief verschachtelt" in response.json["message"]
    assert client.get("/api/v1/process-instances").json["total"] == 0


def test_deeply_nested_task_data_is_refused_with_400(api):
    case = api("mitarbeiterin").post("/api/v1/process-instances", json={
        "process_key": "assignment_termination", "variables": employee_request()}).json
    gf = api("gf")
    task_id = case["open_tasks"][0]["id"]
    response = post_raw(gf, f"/api/v1/tasks/{task_id}/complete", '{"data": ' + nested(1000) + "}")
    assert response.status_code == 400 and response.json["error"] == "json_too_deep"
    assert gf.get(f"/api/v1/tasks/{task_id}").json["state"] == "open"


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused_with_422(api, literal):
    client = api("mitarbeiterin")
    body = '{"process_key": "assignment_termination", "variables": {"employee_name": "A", "x": ' + literal + "}}"
    response = post_raw(client, "/api/v1/process-instances", body)
    assert response.status_code == 422
    assert response.json["error"] == "non_finite_number" and response.json["details"]["number"] == literal
    assert client.get("/api/v1/process-instances").json["total"] == 0


def test_a_large_but_finite_number_is_still_a_number(api):
    response = post_raw(api("mitarbeiterin"), "/api/v1/deadlines",
                        '{"event_date": "2026-11-02", "period": "P1M", "land": "NW", "x": 1e300}')
    assert response.status_code in (200, 422) and response.json.get("error") != "non_finite_number"


# --- encodings and model size --------------------------------------------------------------------

def _as_utf16(content: bytes) -> bytes:
    text = content.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def test_a_utf16_bpmn_with_bom_deploys_and_is_stored_as_utf8(api):
    designer = api("designer")
    original = (DATA / "api_simple.bpmn").read_bytes()
    response = upload(designer, "api_simple.bpmn", _as_utf16(original))
    assert response.status_code == 201, response.json
    stored = designer.get("/api/v1/process-definitions/api_simple/bpmn")
    assert stored.status_code == 200 and stored.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Notiz prüfen" in stored.data.decode("utf-8")
    # the same model saved as UTF-8 is the same content: no new version
    again = upload(designer, "api_simple.bpmn", original)
    assert again.status_code == 201 and again.json["created"] is False


def test_a_latin1_declared_bpmn_deploys(api):
    text = (DATA / "api_simple.bpmn").read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1)
    response = upload(api("designer"), "api_simple.bpmn", text.encode("latin-1"))
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("content", [
    b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions \xff\xfe\xfa/>',
    b'<?xml version="1.0" encoding="KLINGONISCH"?><x/>',
    codecs.BOM_UTF16_LE + b"<\x00?\x00x\x00",
])
def test_undecodable_files_are_refused_with_422(api, content):
    response = upload(api("designer"), "broken.bpmn", content)
    assert response.status_code == 422 and response.json["error"] == "definition_invalid"


def test_a_chain_of_480_tasks_is_refused_naming_the_limit(api):
    designer = api("designer")
    response = upload(designer, "long_chain.bpmn", chain_bpmn(480))
    assert response.status_code == 422
    (problem,) = response.json["details"]["errors"]
    assert "höchstens 300" in problem["message"] and problem["element_id"] == "step_299"
    assert "Recursion" not in response.json["message"]
    assert designer.get("/api/v1/process-definitions/long_chain").status_code == 404


def test_a_chain_within_the_limit_deploys_and_runs(api):
    assert upload(api("designer"), "long_chain.bpmn", chain_bpmn(298)).status_code == 201
    case = api("mitarbeiterin").post("/api/v1/process-instances", json={"process_key": "long_chain"})
    assert case.status_code == 201 and case.json["open_tasks"][0]["name"] == "step_0"


# --- variables the system owns -------------------------------------------------------------------

def _start(client: Any, variables: dict[str, Any], key: str = "assignment_termination") -> Any:
    return client.post("/api/v1/process-instances", json={"process_key": key, "variables": variables})


def test_a_land_other_than_the_organisations_is_refused(api):
    client = api("mitarbeiterin")  # Jobcenter Musterkreis, NW
    response = _start(client, employee_request(land="BY"))
    assert response.status_code == 422 and list(response.json["details"]["fields"]) == ["land"]
    assert "NW" in response.json["details"]["fields"]["land"]
    assert client.get("/api/v1/process-instances").json["total"] == 0


def test_the_organisations_own_land_may_be_sent_as_domain_md_documents(api):
    case = _start(api("mitarbeiterin"), employee_request(land="NW"))
    assert case.status_code == 201 and case.json["variables"]["land"] == "NW"
    plain = _start(api("mitarbeiterin"), employee_request())
    assert plain.json["variables"]["land"] == "NW"


@pytest.mark.parametrize("name", ["started_by", "starter_groups", "organisation", "organisation_id"])
def test_who_started_and_for_whom_cannot_be_sent(api, name):
    response = _start(api("mitarbeiterin"), employee_request(**{name: "gf"}))
    assert response.status_code == 422 and list(response.json["details"]["fields"]) == [name]


def test_a_process_may_mark_more_variables_as_system_set(api):
    content = (DATA / "api_simple.bpmn").read_text(encoding="utf-8").replace(
        '<bpmn:startEvent id="start_event">',
        '<bpmn:extensionElements><camunda:properties><camunda:property name="system_variables" '
        'value="score, approved_by" /></camunda:properties></bpmn:extensionElements>'
        '<bpmn:startEvent id="start_event">', 1)
    assert upload(api("designer"), "api_simple.bpmn", content.encode()).status_code == 201
    client = api("mitarbeiterin")
    refused = _start(client, {"note": "x", "approved_by": "gf"}, key="api_simple")
    assert refused.status_code == 422 and list(refused.json["details"]["fields"]) == ["approved_by"]
    assert _start(client, {"note": "x"}, key="api_simple").status_code == 201


# --- paging --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/process-instances", "/api/v1/process-definitions"])
def test_a_page_far_past_the_end_is_echoed(api, path):
    response = api("gf").get(f"{path}?page=999999999&per_page=200")
    assert response.status_code == 200
    assert (response.json["page"], response.json["per_page"], response.json["items"]) == (999999999, 200, [])


@pytest.mark.parametrize("page", ["999999999", "99999999999999999999999", "-3", "x"])
def test_html_lists_survive_any_page_number(browser, page):
    gf = browser("gf")
    assert gf.client.get(f"/?page={page}").status_code == 200
    assert gf.client.get(f"/cases?page={page}").status_code == 200
