"""The "table" form field: declared in BPMN, checked per cell over the API and in the HTML form,
shown as a table of facts (tests/data/table_form.bpmn)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from lxml import etree

from casework.engine.forms import read_form
from tests.factories import deploy_fixture, fixture_bytes

GOOD = [
    {"goal": "Integration", "indicator": "K2", "target_value": 12500.5, "due": "2027-12-31", "kind": "bund"},
    {"goal": "Teilhabe", "indicator": None, "target_value": 3},
]


def deploy_over_api(api: Any) -> None:
    # through the API, not the casework fixture: its app context would outlive the requests and
    # keep Flask-WTF's CSRF token in g instead of the session
    files = {"files": (io.BytesIO(fixture_bytes("table_form.bpmn")), "table_form.bpmn")}
    response = api("designer").post("/api/v1/process-definitions", data=files, content_type="multipart/form-data")
    assert response.status_code in (200, 201), response.json


@pytest.fixture
def table_case(api: Any) -> dict[str, Any]:
    deploy_over_api(api)
    response = api("mitarbeiterin").post("/api/v1/process-instances", json={"process_key": "table_form"})
    assert response.status_code == 201, response.json
    return dict(response.json)


def open_task(client: Any, case_id: str, name: str) -> dict[str, Any]:
    items = client.get(f"/api/v1/tasks?process_instance_id={case_id}").json["items"]
    (task,) = [t for t in items if t["name"] == name]
    return dict(task)


def test_the_form_declares_its_columns_over_the_api(table_case: dict[str, Any], api: Any) -> None:
    client = api("mitarbeiterin")
    task = open_task(client, table_case["id"], "enter_targets")
    (field,) = client.get(f"/api/v1/tasks/{task['id']}").json["form"]["fields"]
    assert field["type"] == "table" and field["required"] and field["max_rows"] == 5
    assert [(c["name"], c["label"], c["type"], c["required"]) for c in field["columns"]] == [
        ("goal", "Ziel", "string", True), ("indicator", "Kennzahl", "string", False),
        ("target_value", "Zielwert", "number", True), ("due", "Bis", "date", False), ("kind", "Art", "enum", False),
    ]
    assert field["columns"][4]["options"] == [{"value": "bund", "label": "Bund"}, {"value": "land", "label": "Land"}]


@pytest.mark.parametrize(("rows", "fields"), [
    ([{"goal": "", "target_value": "12.500,50"}], {
        "targets.0.goal": "Zeile 1, Spalte „Ziel“: Pflichtfeld.",
        "targets.0.target_value": "Zeile 1, Spalte „Zielwert“: Zahl erwartet: eine JSON-Zahl oder Text ohne "
                                  "Tausenderpunkte wie 12500.50.",
    }),
    ([{"goal": "Integration", "target_value": 1}, {"goal": "x", "target_value": 2, "due": "2027-02-30"}],
     {"targets.1.due": "Zeile 2, Spalte „Bis“: Ungültiges Datum: 2027-02-30 gibt es nicht"}),
    ([{"goal": "Integration", "target_value": 1, "kind": "kreis"}],
     {"targets.0.kind": "Zeile 1, Spalte „Art“: Ungültige Auswahl; erlaubt: bund, land."}),
    ([{"goal": "Integration", "target_value": 1, "colour": "rot"}],
     {"targets.0.colour": "Zeile 1: unbekannte Spalte „colour“."}),
    ([{"goal": "Teilhabe", "target_value": 1}], {"targets": "Es fehlt das Ziel: Integration"}),
    ([{"goal": "Integration", "target_value": n} for n in range(6)], {"targets": "Höchstens 5 Zeilen."}),
    ([], {"targets": "Pflichtfeld."}),
    ({"goal": "Integration"}, {"targets": "Tabelle erwartet: eine Liste von Zeilen (Objekten)."}),
    (["Integration"], {"targets.0": "Zeile 1: Objekt mit den Spalten erwartet."}),
])
def test_each_cell_is_checked_and_named_by_row_and_column(
    table_case: dict[str, Any], api: Any, rows: Any, fields: dict[str, str]
) -> None:
    client = api("mitarbeiterin")
    task = open_task(client, table_case["id"], "enter_targets")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"targets": rows}})
    assert response.status_code == 422, response.json
    assert response.json["details"]["fields"] == fields


def test_good_rows_are_stored_as_a_list_of_objects(table_case: dict[str, Any], api: Any) -> None:
    client = api("mitarbeiterin")
    task = open_task(client, table_case["id"], "enter_targets")
    spare = {"goal": "", "indicator": None, "target_value": None}  # an empty row is left out
    response = client.post(f"/api/v1/tasks/{task['id']}/complete",
                           json={"data": {"targets": [GOOD[0], spare, {**GOOD[1], "target_value": "3"}]}})
    assert response.status_code == 200, response.json
    assert response.json["process_instance"]["variables"]["targets"] == [
        GOOD[0], {"goal": "Teilhabe", "indicator": None, "target_value": 3.0, "due": None, "kind": None},
    ]


def test_the_html_form_reads_german_numbers_and_marks_the_bad_cell(table_case: dict[str, Any], api: Any,
                                                                   browser: Any) -> None:
    task = open_task(api("mitarbeiterin"), table_case["id"], "enter_targets")
    user = browser("mitarbeiterin")
    url = f"/tasks/{task['id']}"
    page = user.get(url)
    assert page.status_code == 200
    html = page.text
    # a labelled input per cell, the column headings, spare rows for pages without JavaScript
    assert '<th scope="col">Ziel <span class="required">(Pflichtfeld)</span></th>' in html
    assert '<label for="field-targets-0-goal" class="visually-hidden" data-column-label="Ziel">Zeile 1: Ziel</label>' in html
    assert 'id="field-targets-2-target_value"' in html and 'table-field.js' in html

    bad = user.submit(url, {"targets-0-goal": "Integration", "targets-0-target_value": "12.500,50",
                            "targets-1-goal": "Teilhabe", "targets-1-target_value": "1.5"})
    assert bad.status_code == 422
    assert 'href="#field-targets-1-target_value">Ziele: Zeile 2, Spalte „Zielwert“: Bitte geben Sie eine Zahl ein' \
        in bad.text
    assert 'id="field-targets-1-target_value" name="targets-1-target_value" value="1.5"' in re.sub(r"\s+", " ", bad.text)
    assert 'aria-invalid="true" aria-describedby="field-targets-1-target_value-error"' in bad.text

    # a service rule (a missing cell) comes back onto its cell
    missing = user.submit(url, {"targets-0-goal": "Integration", "targets-0-indicator": "K2"})
    assert 'id="field-targets-0-target_value-error"' in missing.text
    assert "Zeile 1, Spalte „Zielwert“: Pflichtfeld." in missing.text

    done = user.submit(url, {"targets-0-goal": "Integration", "targets-0-target_value": "12.500,50",
                             "targets-0-due": "31.12.2027", "targets-3-goal": "Teilhabe",
                             "targets-3-target_value": "3"}, follow_redirects=True)
    assert done.status_code == 200, done.text[-2000:]
    case = api("mitarbeiterin").get(f"/api/v1/process-instances/{table_case['id']}").json
    assert case["variables"]["targets"] == [
        {"goal": "Integration", "indicator": None, "target_value": 12500.5, "due": "2027-12-31", "kind": None},
        {"goal": "Teilhabe", "indicator": None, "target_value": 3.0, "due": None, "kind": None},
    ]
    # the case page shows the facts as a table with the columns' headings, numbers German
    shown = re.sub(r"\s+", " ", user.get(f"/cases/{table_case['id']}").text)
    assert "<th scope=\"col\">Ziel</th>" in shown and "<th scope=\"col\">Zielwert</th>" in shown
    assert "<td>12.500,5</td>" in shown and "<td>31.12.2027</td>" in shown
    # the read-only table of the next task is a table, not inputs
    review = open_task(api("mitarbeiterin"), table_case["id"], "review_targets")
    readonly = user.get(f"/tasks/{review['id']}").text
    assert "<td>12.500,5</td>" in readonly and 'name="targets-0-goal"' not in readonly


@pytest.mark.parametrize(("properties", "message"), [
    ("", "a table field needs columns"),
    ('<camunda:property name="column:x" value="X | money" />', "table column 'x': unknown type 'money'"),
    ('<camunda:property name="column:x" value="X | enum" />', "an enum column needs its options"),
    ('<camunda:property name="column:x" value="X | string | often" />', "unknown flag 'often'"),
    ('<camunda:property name="column:x" value="X" /><camunda:property name="max_rows" value="many" />',
     "max_rows must be a whole number"),
])
def test_malformed_columns_are_deploy_errors(properties: str, message: str) -> None:
    xml = (
        '<bpmn:userTask xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="t"><bpmn:extensionElements><camunda:formData>'
        f'<camunda:formField id="rows" type="table"><camunda:properties>{properties}</camunda:properties>'
        "</camunda:formField></camunda:formData></bpmn:extensionElements></bpmn:userTask>"
    )
    _form, problems = read_form(etree.fromstring(xml), "f.bpmn")
    assert any(message in p.message and p.element_id == "t" for p in problems), problems


def test_the_fixture_deploys_cleanly(casework: Any) -> None:
    assert b'type="table"' in fixture_bytes("table_form.bpmn")
    assert deploy_fixture(casework, "table_form.bpmn").key == "table_form"


def test_a_start_form_takes_a_table_too(api: Any, browser: Any) -> None:
    deploy_over_api(api)
    user = browser("mitarbeiterin")
    page = user.get("/cases/new/table_form")
    assert page.status_code == 200
    assert 'for="field-plan-0-hours" class="visually-hidden" data-column-label="Stunden">Zeile 1: Stunden' in page.text
    refused = user.submit("/cases/new/table_form", {"plan-0-step": "Planen", "plan-0-hours": "1,5"})
    assert refused.status_code == 422
    assert "Zeile 1, Spalte „Stunden“: Bitte geben Sie eine ganze Zahl ein" in refused.text
    started = user.submit("/cases/new/table_form", {"plan-0-step": "Planen", "plan-0-hours": "1.000",
                                                    "plan-2-step": "Prüfen"})
    assert started.status_code == 302
    case_id = started.headers["Location"].rsplit("/", 1)[-1]
    case = api("mitarbeiterin").get(f"/api/v1/process-instances/{case_id}").json
    assert case["variables"]["plan"] == [{"step": "Planen", "hours": 1000}, {"step": "Prüfen", "hours": None}]
