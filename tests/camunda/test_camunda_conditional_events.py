"""Conditional events (tests/data/camunda/conditional_events.bpmn): a condition reading a variable not
set yet is "not met yet", never a failure, and it is evaluated again when variables change, as in
Camunda 7 (casework.engine.conditions)."""

from __future__ import annotations

from tests.camunda.conftest import deploy_model


def _fetch_one(casework, actor, topic: str):
    (task,) = casework.external_tasks.fetch_and_lock(
        actor=actor("dienst.worker"), worker_id="w1", max_tasks=5, topics=[{"topic": topic, "lock_duration_ms": 60_000}])
    return task


def _complete_external(casework, actor, task, variables) -> None:
    casework.external_tasks.complete(task.id, actor=actor("dienst.worker"), worker_id="w1", variables=variables)


def test_a_boundary_condition_on_an_unset_variable_waits_and_fires_when_the_worker_sets_it(casework, actor) -> None:
    deploy_model(casework, "conditional_events.bpmn")
    case = casework.runtime.start("invoiceArchive", actor=actor("mitarbeiterin"), variables={})
    assert (case.status, case.error_message) == ("running", None)
    task = _fetch_one(casework, actor, "invoice-writer")
    _complete_external(casework, actor, task, {"invoiceId": "R-2026-17"})
    case = casework.runtime.get(case.id, actor=actor("admin"))
    # the variable set by the worker triggers the subprocess's interrupting boundary event (Camunda's
    # order-handling example), before the subprocess could end on its own
    assert (case.status, case.outcome, case.variables["invoiceId"]) == ("completed", "archived", "R-2026-17")


def test_a_condition_never_met_lets_the_flow_take_its_ordinary_path(casework, actor) -> None:
    deploy_model(casework, "conditional_events.bpmn")
    case = casework.runtime.start("invoiceArchive", actor=actor("mitarbeiterin"), variables={})
    task = _fetch_one(casework, actor, "invoice-writer")
    _complete_external(casework, actor, task, {"note": "keine Rechnung"})
    case = casework.runtime.get(case.id, actor=actor("admin"))
    assert (case.status, case.outcome) == ("completed", "no invoice")


def test_a_condition_already_met_at_the_start_fires_at_once(casework, actor) -> None:
    deploy_model(casework, "conditional_events.bpmn")
    case = casework.runtime.start("invoiceArchive", actor=actor("mitarbeiterin"), variables={"invoiceId": "R-1"})
    assert (case.status, case.outcome) == ("completed", "archived")


def test_an_intermediate_condition_waits_for_a_task_in_a_parallel_branch(casework, actor) -> None:
    deploy_model(casework, "conditional_events.bpmn")
    case = casework.runtime.start("waitForApproval", actor=actor("mitarbeiterin"), variables={})
    assert case.status == "running" and case.error_message is None
    (decide,) = case.open_tasks
    done = casework.tasks.complete(decide.id, actor=actor("mitarbeiterin"), data={"approved": True})
    assert (done.status, done.variables.get("released")) == ("completed", True)


def test_an_intermediate_condition_not_met_keeps_waiting_without_failing(casework, actor) -> None:
    deploy_model(casework, "conditional_events.bpmn")
    case = casework.runtime.start("waitForApproval", actor=actor("mitarbeiterin"), variables={"approved": False})
    assert case.status == "running"
    (decide,) = case.open_tasks
    done = casework.tasks.complete(decide.id, actor=actor("mitarbeiterin"), data={"approved": False})
    assert (done.status, done.error_message, "released" in done.variables) == ("running", None, False)
    diagram = casework.runtime.get(case.id, actor=actor("admin"))
    assert diagram.status == "running"


def test_each_process_of_a_file_with_two_runs_its_own_model(casework, actor) -> None:
    # the processes of one file share its content hash: the model cache once handed out the last one
    deploy_model(casework, "conditional_events.bpmn")
    for cached in (True, False):
        if not cached:
            casework.repository.cache.clear()
        archive = casework.runtime.start("invoiceArchive", actor=actor("mitarbeiterin"), variables={})
        approval = casework.runtime.start("waitForApproval", actor=actor("mitarbeiterin"), variables={})
        assert (archive.process_key, archive.open_tasks) == ("invoiceArchive", ())
        assert [t.name for t in approval.open_tasks] == ["decide"]


def _urgent_case(casework, actor, interrupting: bool):
    from tests.camunda.conftest import model_bytes

    xml = model_bytes("conditional_events.bpmn")
    if interrupting:
        xml = xml.replace(b'name="Dringend?" isInterrupting="false"', b'name="Dringend?"')
    casework.repository.deploy({"conditional_events.bpmn": xml}, actor=None)
    case = casework.runtime.start("urgentCase", actor=actor("mitarbeiterin"), variables={})
    assert [t.name for t in case.open_tasks] == ["first"]
    return casework.tasks.complete(case.open_tasks[0].id, actor=actor("mitarbeiterin"), data={"urgent": True})


def test_a_non_interrupting_conditional_event_subprocess_starts_beside_the_flow(casework, actor) -> None:
    done = _urgent_case(casework, actor, interrupting=False)
    assert done.status == "running" and sorted(t.name for t in done.open_tasks) == ["handleUrgent", "second"]


def test_an_interrupting_conditional_event_subprocess_takes_over(casework, actor) -> None:
    done = _urgent_case(casework, actor, interrupting=True)
    assert done.status == "running" and [t.name for t in done.open_tasks] == ["handleUrgent"]
