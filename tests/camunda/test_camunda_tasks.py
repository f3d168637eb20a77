"""Camunda user tasks: no formData (the variables the model reads), no assignment (the default group)."""

from __future__ import annotations

import io

import pytest

from casework.errors import DefinitionInvalid, ValidationFailed
from tests.camunda.conftest import deploy_model
from tests.factories import only_task


def test_a_formless_task_accepts_the_variables_the_model_reads_typed(casework, actor) -> None:
    (info, _), = deploy_model(casework, "invoice_formless.bpmn")
    warnings = {w["element_id"]: w["message"] for w in info.warnings}
    assert "default group 'employee'" in warnings["prepareTransfer"]
    assert "formKey" in warnings["approveInvoice"]
    clerk, gf = actor("mitarbeiterin"), actor("gf")
    case = casework.runtime.start("invoiceFormless", actor=clerk)
    task = casework.tasks.get(only_task(case, "approveInvoice").id, actor=gf)
    assert [(f.name, f.type, f.required) for f in task.form.fields] == [("amount", "number", False),
                                                                         ("approved", "boolean", False)]
    with pytest.raises(ValidationFailed) as refused:
        casework.tasks.complete(task.id, actor=gf, data={"approved": "vielleicht", "amount": "viel", "x": 1})
    assert set(refused.value.fields) == {"approved", "amount", "x"}
    after = casework.tasks.complete(task.id, actor=gf, data={"approved": True, "amount": 120})
    transfer = only_task(after, "prepareTransfer")
    assert transfer.candidate_groups == ("employee",)  # nobody named: the process's default group


def test_a_formless_task_over_the_api_refuses_a_wrong_type_with_a_422(casework, actor, api) -> None:
    deploy_model(casework, "invoice_formless.bpmn")
    case = casework.runtime.start("invoiceFormless", actor=actor("mitarbeiterin"))
    task_id = only_task(case, "approveInvoice").id
    gf = api("gf")
    form = gf.get(f"/api/v1/tasks/{task_id}").json["form"]
    assert [f["name"] for f in form["fields"]] == ["amount", "approved"]
    wrong = gf.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": "vielleicht"}})
    assert wrong.status_code == 422 and "approved" in wrong.json["details"]["fields"]
    done = gf.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"approved": False}})
    assert done.status_code == 200, done.text
    assert done.json["process_instance"]["outcome"] == "not approved"


def test_candidate_users_by_expression_and_unknown_users_warned_at_the_element(casework, actor) -> None:
    (info, _), = deploy_model(casework, "candidate_users.bpmn")
    warnings = {w["element_id"]: w["message"] for w in info.warnings if w["severity"] == "warning"}
    assert warnings["checkByDemo"] == ("Unbekannte Benutzer 'demo': erreicht die Aufgabe sonst niemanden, geht "
                                       "sie an die Standardgruppe 'employee' des Prozesses")
    case = casework.runtime.start("candidateUsers", actor=actor("mitarbeiterin"), variables={"reviewer": "gf"})
    task = only_task(case, "checkByReviewer")
    assert task.assignee == "gf"  # the one candidate user
    after = casework.tasks.complete(task.id, actor=actor("gf"), data={})
    demo = only_task(after, "checkByDemo")  # Camunda's user "demo" is unknown here: the default group
    assert (demo.assignee, demo.candidate_groups) == (None, ("employee",))


def test_a_message_starts_a_case_and_the_process_cannot_be_started_plainly(casework, actor, api) -> None:
    deploy_model(casework, "message_start.bpmn")
    clerk = api("mitarbeiterin")
    plain = clerk.post("/api/v1/process-instances", json={"process_key": "messageStart"})
    assert plain.status_code == 422, plain.text
    assert "applicationReceived" in plain.json["message"]
    sent = clerk.post("/api/v1/messages", json={"name": "applicationReceived", "correlation_key": "A-17",
                                               "payload": {"applicant": "Erika", "amount": 300}})
    assert sent.status_code == 200, sent.text
    (case_id,) = sent.json["correlated"]
    case = clerk.get(f"/api/v1/process-instances/{case_id}").json
    assert case["business_key"] == "A-17" and case["status"] == "running"
    assert case["variables"]["applicant"] == "Erika"
    assert case["variables"]["applicationReceived"] == {"applicant": "Erika", "amount": 300}
    assert [t["name"] for t in case["open_tasks"]] == ["checkApplication"]
    # an unknown message, and one the sender may not start, find nothing: 404
    assert clerk.post("/api/v1/messages", json={"name": "nothing", "correlation_key": None}).status_code == 404
    assert api("gf").post("/api/v1/messages", json={"name": "applicationReceived",
                                                     "correlation_key": "B"}).status_code == 404


def test_a_send_task_for_a_worker_and_a_data_store_run_as_in_camunda(casework, actor, api) -> None:
    from tests.camunda.conftest import model_bytes

    admin = api("admin")
    files = {"files": (io.BytesIO(model_bytes("send_and_store.bpmn")), "send_and_store.bpmn")}
    deployed = admin.post("/api/v1/process-definitions", data=files, content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.text
    (info,) = deployed.json["deployed"]
    notes = {w["element_id"]: w["message"] for w in info["warnings"]}
    assert "läuft wie in Camunda 7 als externe Aufgabe mit dem Thema 'letters'" in notes["sendIt"]
    assert "Kundenregister" in notes["registerRef"] and "nur Dokumentation" in notes["registerRef"]
    assert "ioSpecification" in notes["prepare"] and "nur Dokumentation" in notes["prepare"]
    # the non-executable process beside it: not deployed, as in Camunda 7, and said so in German
    assert [d["key"] for d in deployed.json["deployed"]] == ["sendLetter"]
    assert "'letterSketch' ist nicht ausführbar" in notes["letterSketch"] and "Camunda 7" in notes["letterSketch"]
    case = casework.runtime.start("sendLetter", actor=actor("mitarbeiterin"))
    worker = api("dienst.worker")
    (task,) = worker.post("/api/v1/external-tasks/fetch-and-lock", json={
        "worker_id": "w1", "max_tasks": 1, "topics": [{"topic": "letters", "lock_duration_ms": 1000}]}).json
    assert task["variables"]["letter"] == "Einladung"
    assert worker.post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w1"}).status_code == 204
    assert casework.runtime.get(case.id, actor=actor("admin")).status == "completed"


def test_a_feel_condition_is_refused_naming_camunda_8(casework) -> None:
    from tests.camunda.conftest import model_bytes

    xml = model_bytes("juel_conditions.bpmn").replace(b"${empty comment}", b"= comment = null")
    with pytest.raises(DefinitionInvalid) as raised:
        casework.repository.deploy({"juel_conditions.bpmn": xml}, actor=None)
    (problem,) = [p for p in raised.value.problems if p.severity == "error"]
    assert problem.element_id == "f_empty" and "FEEL-Ausdruck (Camunda 8/Zeebe)" in problem.message
