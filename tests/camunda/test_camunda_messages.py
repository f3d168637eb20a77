"""Event subprocesses started by a message (issue 16): ``POST /api/v1/messages`` starts them in the
running case it correlates to; interrupting ones cancel the rest of the process, others run beside it."""

from __future__ import annotations

import sqlalchemy as sa

from models import HistoryEvent, HumanTask, MessageSubscription, db
from tests.camunda.conftest import deploy_model
from tests.factories import only_task


def subscriptions(instance_id: str) -> list[tuple[str, str | None, str]]:
    rows = db.session.execute(
        sa.select(MessageSubscription.message_name, MessageSubscription.correlation_key,
                  MessageSubscription.element_id).where(MessageSubscription.instance_id == instance_id)
        .order_by(MessageSubscription.element_id)
    ).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def task_states(instance_id: str) -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(HumanTask.bpmn_id, HumanTask.state)
                              .where(HumanTask.instance_id == instance_id)
                              .order_by(HumanTask.created_at, HumanTask.bpmn_id)).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def open_names(case: dict) -> list[str]:
    return sorted(t["name"] for t in case["open_tasks"])


def start(casework, actor, file_number: str):
    return casework.runtime.start("messageEventSubprocess", actor=actor("mitarbeiterin"),
                                  variables={"fileNumber": file_number, "applicant": "Erika Muster"})


def test_a_running_case_waits_for_the_messages_of_its_event_subprocesses(casework, actor) -> None:
    deploy_model(casework, "message_event_subprocess.bpmn")
    case = start(casework, actor, "A-1")
    assert subscriptions(case.id) == [("addressChanged", "A-1", "addressReceived"),
                                      ("applicationWithdrawn", "A-1", "withdrawalReceived")]
    done = casework.tasks.complete(only_task(case, "handleApplication").id, actor=actor("gf"), data={})
    assert done.status == "completed" and subscriptions(case.id) == []  # an ended case waits for nothing


def test_a_non_interrupting_message_runs_beside_the_process_once_per_message(casework, actor, api) -> None:
    deploy_model(casework, "message_event_subprocess.bpmn")
    case, other = start(casework, actor, "A-1"), start(casework, actor, "A-2")
    clerk = api("mitarbeiterin")
    for street in ("Hauptstraße 1", "Ringweg 2"):
        sent = clerk.post("/api/v1/messages", json={"name": "addressChanged", "correlation_key": "A-1",
                                                   "payload": {"street": street}})
        assert sent.status_code == 200 and sent.json == {"correlated": [case.id]}, sent.text
    seen = clerk.get(f"/api/v1/process-instances/{case.id}").json
    assert open_names(seen) == ["handleApplication", "updateAddress", "updateAddress"]
    assert seen["status"] == "running" and seen["variables"]["addressChanged"] == {"street": "Ringweg 2"}
    assert open_names(clerk.get(f"/api/v1/process-instances/{other.id}").json) == ["handleApplication"]
    gf = api("gf")
    main = next(t for t in seen["open_tasks"] if t["name"] == "handleApplication")
    after = gf.post(f"/api/v1/tasks/{main['id']}/complete", json={"data": {}}).json["process_instance"]
    assert after["status"] == "running"  # the address updates are still open
    for task in after["open_tasks"]:
        assert gf.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}).status_code == 200
    assert clerk.get(f"/api/v1/process-instances/{case.id}").json["status"] == "completed"
    events = db.session.scalars(sa.select(HistoryEvent.task_name).where(
        HistoryEvent.instance_id == case.id, HistoryEvent.action == "message_received")).all()
    db.session.commit()
    assert events == ["addressReceived", "addressReceived"]


def test_an_interrupting_message_cancels_the_process_and_its_other_subprocesses(casework, actor, api) -> None:
    deploy_model(casework, "message_event_subprocess.bpmn")
    case = start(casework, actor, "A-1")
    clerk = api("mitarbeiterin")
    assert clerk.post("/api/v1/messages", json={"name": "addressChanged", "correlation_key": "A-1",
                                                "payload": {"street": "Ringweg 2"}}).status_code == 200
    wrong = clerk.post("/api/v1/messages", json={"name": "applicationWithdrawn", "correlation_key": "A-9"})
    assert wrong.status_code == 404
    sent = clerk.post("/api/v1/messages", json={"name": "applicationWithdrawn", "correlation_key": "A-1",
                                               "payload": {"reason": "erledigt"}})
    assert sent.status_code == 200 and sent.json == {"correlated": [case.id]}, sent.text
    seen = clerk.get(f"/api/v1/process-instances/{case.id}").json
    assert (seen["status"], open_names(seen)) == ("running", ["closeFile"])
    # the subprocess starts with the case's variables, not only those the case started with
    assert seen["variables"]["applicationWithdrawn"] == {"reason": "erledigt"}
    assert seen["variables"]["addressChanged"] == {"street": "Ringweg 2"}
    assert sorted(task_states(case.id)) == [("closeFile", "open"), ("handleApplication", "cancelled"),
                                            ("updateAddress", "cancelled")]
    assert subscriptions(case.id) == []  # the scope is gone: no second withdrawal, no address
    again = clerk.post("/api/v1/messages", json={"name": "applicationWithdrawn", "correlation_key": "A-1"})
    assert again.status_code == 404
    close = seen["open_tasks"][0]["id"]
    done = api("gf").post(f"/api/v1/tasks/{close}/complete", json={"data": {}})
    assert done.status_code == 200 and done.json["process_instance"]["status"] == "completed"


def test_a_message_without_correlation_property_finds_its_case_by_business_key(casework, actor, api) -> None:
    deploy_model(casework, "cancellable_order.bpmn")
    clerk = api("mitarbeiterin")
    ids = [casework.runtime.start("cancellableOrder", actor=actor("mitarbeiterin"), business_key=key).id
           for key in ("B-1", "B-2")]
    assert subscriptions(ids[0]) == [("orderCancelled", None, "cancelReceived")]
    sent = clerk.post("/api/v1/messages", json={"name": "orderCancelled", "correlation_key": "B-2",
                                               "payload": {"by": "Kunde"}})
    assert sent.status_code == 200 and sent.json == {"correlated": [ids[1]]}, sent.text
    cancelled = clerk.get(f"/api/v1/process-instances/{ids[1]}").json
    assert open_names(cancelled) == ["refund"] and cancelled["variables"]["orderCancelled"] == {"by": "Kunde"}
    assert open_names(clerk.get(f"/api/v1/process-instances/{ids[0]}").json) == ["checkOrder"]
    assert clerk.post("/api/v1/messages", json={"name": "orderCancelled", "correlation_key": "B-3"}).status_code == 404


def test_a_message_event_subprocess_inside_a_subprocess_is_a_deploy_warning_at_it(casework) -> None:
    (info, _), = deploy_model(casework, "nested_message_event_subprocess.bpmn")
    warnings = {w["element_id"]: w["message"] for w in info.warnings if w["severity"] == "warning"}
    assert warnings["onStop"].startswith("an event subprocess started by a message inside a subprocess is "
                                         "never started here")
