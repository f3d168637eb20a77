"""The schema-first API: the generated OpenAPI document is valid, requests are checked by the same
models that document them, answers are checked against theirs in the tests, and a schemathesis run
against the app finds no server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Blueprint, Flask, jsonify
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from webapp.api import errors
from webapp.api.schemas import Answer, Body, Text
from webapp.api.spec import ResponseMismatch, endpoint


def test_generated_document_passes_openapi_spec_validator(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document["openapi"] == "3.0.3"
    # API.md's names, not Flask's, and every path variable declared
    assert "/api/v1/process-instances/{id}/history" in document["paths"]
    assert not [p for p in document["paths"] if "instance_id" in p or "task_id" in p]


def test_request_models_are_the_documented_ones(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    start = document["paths"]["/api/v1/process-instances"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StartRequest"
    }
    assert document["components"]["schemas"]["StartRequest"]["required"] == ["process_key"]
    tasks = {p["name"]: p for p in document["paths"]["/api/v1/tasks"]["get"]["parameters"]}
    assert tasks["scope"]["schema"]["enum"] == ["mine", "candidate", "all"]
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_invalid_fields_are_named_in_german_and_english_callers_get_the_english_message(api: Any) -> None:
    employee = api("mitarbeiterin")
    response = employee.post(
        "/api/v1/process-instances", json={"process_key": "  ", "business_key": 7, "variables": "x"}
    )
    assert response.status_code == 422
    assert response.json["details"]["fields"] == {
        "process_key": "Pflichtfeld.",
        "business_key": "Zeichenkette erwartet.",
        "variables": "Objekt erwartet.",
    }
    english = employee.client.post(
        "/api/v1/tasks/x/assign", json={}, headers={**employee.headers, "Accept-Language": "en"}
    )
    assert english.status_code == 422 and english.json["message"] == "The data is invalid."
    assert english.json["details"]["fields"] == {"username": "Pflichtfeld."}


def test_a_json_body_without_content_type_is_still_read(api: Any) -> None:
    employee = api("mitarbeiterin")
    response = employee.client.post(
        "/api/v1/process-instances", data=b'{"process_key": "no_such_process"}', headers=employee.headers
    )
    assert response.status_code == 404


class Greeting(Answer):
    text: str


class Name(Body):
    name: Text


def test_answers_off_their_schema_raise_when_checking_is_on() -> None:
    """The tests' configuration checks every answer; a serialiser that drifts from its model fails loudly."""
    bp = Blueprint("probe", __name__)
    errors.register(bp)

    @bp.post("/probe/<mode>")
    @endpoint("system", 200, Greeting, "A greeting", 422, public=True)
    def probe(mode: str, json: Name) -> Any:
        return jsonify(text=f"Hallo {json.name}") if mode == "good" else jsonify(text=1, extra=True)

    app = Flask(__name__)
    app.config.update(API_VALIDATE_RESPONSES=True, TESTING=True)
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.post("/probe/good", json={"name": "Ada"}).json == {"text": "Hallo Ada"}
    assert client.post("/probe/good", json={}).json["details"]["fields"] == {"name": "Pflichtfeld."}
    with pytest.raises(ResponseMismatch):
        client.post("/probe/bad", json={"name": "Ada"})
    app.config["API_VALIDATE_RESPONSES"] = False  # production: the answer goes out unchecked
    assert client.post("/probe/bad", json={"name": "Ada"}).json == {"text": 1, "extra": True}


# --- schemathesis: generated requests, valid and invalid, against every operation ----------------

EXAMPLES = 10  # per operation and mode: bounded so the suite stays quick (CI runs both databases)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], server_errors: list[str]) -> None:
    """Send EXAMPLES generated requests of one kind to one operation; note every server error."""
    documented = set(operation.definition.raw["responses"])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        # the test app propagates exceptions (TESTING): one that escapes is a 500 in production
        try:
            status = case.call(headers=headers).status_code
        except Exception as exc:  # noqa: BLE001 - collected and reported below, every one
            status, detail = 500, repr(exc)
        else:
            detail = ""
        # a documented 5xx is an answer (readyz's 503 while no scheduler beats), not a server error
        if status >= 500 and str(status) not in documented:
            server_errors.append(f"{case.method} {case.formatted_path}: {status} {detail}"[:300])

    run()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(app: Flask, api: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = api("admin").headers
    server_errors: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        # invalid input needs something to be invalid: a body or a query parameter (path ids are any text)
        invalid = [GenerationMode.NEGATIVE] if len(operation.body) or len(operation.query) else []
        for mode in (GenerationMode.POSITIVE, *invalid):
            fuzz(operation, mode, headers, server_errors)
    assert server_errors == []
