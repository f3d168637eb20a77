"""Message correlation: subscriptions as rows, delivery by key, the API contract."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.errors import NotFound, ValidationFailed
from models import HistoryEvent, HumanTask, MessageSubscription, db
from tests.factories import deploy_fixture, only_task


def start(casework, actor, file_number: str, user: str = "mitarbeiterin"):
    return casework.runtime.start("message_resolution", actor=actor(user), variables={"file_number": file_number})


@pytest.fixture
def deployed(casework):
    return deploy_fixture(casework, "message_resolution.bpmn")


def subscriptions(instance_id: str) -> list[tuple[str, str | None, str | None]]:
    rows = db.session.execute(
        sa.select(MessageSubscription.message_name, MessageSubscription.correlation_key,
                  MessageSubscription.element_id).where(MessageSubscription.instance_id == instance_id)
    ).all()
    db.session.commit()
    return [tuple(r) for r in rows]


def test_a_waiting_case_has_a_subscription_with_its_key(casework, actor, deployed):
    case = start(casework, actor, "TV-2026-17")
    assert subscriptions(case.id) == [("resolution_received", "TV-2026-17", "wait_for_resolution")]


def test_message_reaches_only_the_case_with_its_key(casework, actor, deployed):
    first = start(casework, actor, "TV-2026-17")
    second = start(casework, actor, "TV-2026-18")
    sent = casework.runtime.correlate_message("resolution_received", "TV-2026-18", {"decision": "approved"},
                                              actor=actor("mitarbeiterin"))
    assert sent == [second.id]
    admin = actor("admin")
    received = casework.runtime.get(second.id, actor=admin)
    assert only_task(received, "implement_resolution")
    assert received.variables["resolution_received"] == {"decision": "approved"}
    assert subscriptions(second.id) == []
    assert casework.runtime.get(first.id, actor=admin).open_tasks == ()
    assert subscriptions(first.id) == [("resolution_received", "TV-2026-17", "wait_for_resolution")]
    events = db.session.execute(
        sa.select(HistoryEvent.actor, HistoryEvent.task_name, HistoryEvent.data)
        .where(HistoryEvent.instance_id == second.id, HistoryEvent.action == "message_received")
    ).all()
    db.session.commit()
    assert [tuple(e) for e in events] == [("mitarbeiterin", "wait_for_resolution", {
        "message": "resolution_received", "correlation_key": "TV-2026-18",
        "payload": {"decision": "approved"}, "elements": ["wait_for_resolution"]})]
    assert casework.history.verify_chain(second.id)


def test_wrong_key_or_name_finds_nothing_and_changes_nothing(casework, actor, deployed):
    case = start(casework, actor, "TV-2026-17")
    sender = actor("mitarbeiterin")
    for name, key in [("resolution_received", "TV-2026-99"), ("other_message", "TV-2026-17"),
                      ("resolution_received", None)]:
        with pytest.raises(NotFound):
            casework.runtime.correlate_message(name, key, {}, actor=sender)
    assert subscriptions(case.id) == [("resolution_received", "TV-2026-17", "wait_for_resolution")]
    assert casework.runtime.get(case.id, actor=actor("admin")).lock_version == case.lock_version


def test_a_message_is_received_once(casework, actor, deployed):
    start(casework, actor, "TV-2026-17")
    sender = actor("mitarbeiterin")
    casework.runtime.correlate_message("resolution_received", "TV-2026-17", {}, actor=sender)
    with pytest.raises(NotFound):
        casework.runtime.correlate_message("resolution_received", "TV-2026-17", {}, actor=sender)


def test_a_sender_who_cannot_see_the_case_is_told_nothing_waits(casework, actor, deployed):
    case = start(casework, actor, "TV-2026-17")
    with pytest.raises(NotFound):
        casework.runtime.correlate_message("resolution_received", "TV-2026-17", {}, actor=actor("ihk"))
    assert subscriptions(case.id)
    assert casework.runtime.correlate_message("resolution_received", "TV-2026-17", {},
                                              actor=actor("admin")) == [case.id]


@pytest.mark.parametrize(
    ("name", "key", "payload", "field"),
    [("", "K", {}, "name"), (None, "K", {}, "name"), ("m", ["K"], {}, "correlation_key"), ("m", "K", [1], "payload")],
)
def test_malformed_messages_are_refused(casework, actor, name, key, payload, field):
    with pytest.raises(ValidationFailed) as err:
        casework.runtime.correlate_message(name, key, payload, actor=actor("admin"))
    assert field in err.value.fields


def test_api_delivers_and_answers_404_for_a_wrong_key(api, client, casework, actor, deployed):
    case = start(casework, actor, "TV-2026-17")
    # first: the fixtures' app context keeps flask-login's user in g once a token was used
    anonymous = client.post("/api/v1/messages", json={"name": "resolution_received", "correlation_key": "TV-2026-17"})
    assert anonymous.status_code == 401
    client = api("mitarbeiterin")
    wrong = client.post("/api/v1/messages", json={"name": "resolution_received", "correlation_key": "TV-1",
                                                  "payload": {}})
    assert wrong.status_code == 404
    assert wrong.json["error"] == "not_found"
    bad = client.post("/api/v1/messages", json={"name": "resolution_received", "payload": "text"})
    assert bad.status_code == 422
    assert "payload" in bad.json["details"]["fields"]
    ok = client.post("/api/v1/messages", json={"name": "resolution_received", "correlation_key": "TV-2026-17",
                                               "payload": {"decision": "approved"}})
    assert ok.status_code == 200
    assert ok.json == {"correlated": [case.id]}


def test_a_message_boundary_event_interrupts_the_task_and_ends_the_case(casework, actor):
    deploy_fixture(casework, "message_withdrawal.bpmn")
    case = casework.runtime.start("message_withdrawal", actor=actor("mitarbeiterin"),
                                  variables={"file_number": "ZW-7"})
    review = only_task(case, "review_request")
    assert subscriptions(case.id) == [("request_withdrawn", "ZW-7", "request_withdrawn")]
    assert casework.runtime.correlate_message("request_withdrawn", "ZW-7", {"by": "Erika Beispiel"},
                                              actor=actor("mitarbeiterin")) == [case.id]
    done = casework.runtime.get(case.id, actor=actor("admin"))
    assert (done.status, done.outcome, done.open_tasks) == ("completed", "withdrawn", ())
    state = db.session.scalar(sa.select(HumanTask.state).where(HumanTask.id == review.id))
    db.session.commit()
    assert state == "cancelled"
    assert subscriptions(case.id) == []


def test_completing_the_task_ends_the_wait_for_its_boundary_message(casework, actor):
    deploy_fixture(casework, "message_withdrawal.bpmn")
    case = casework.runtime.start("message_withdrawal", actor=actor("mitarbeiterin"),
                                  variables={"file_number": "ZW-8"})
    casework.tasks.complete(only_task(case).id, actor=actor("gf"), data={})
    assert subscriptions(case.id) == []
    with pytest.raises(NotFound):
        casework.runtime.correlate_message("request_withdrawn", "ZW-8", {}, actor=actor("admin"))


def test_a_message_without_correlation_reaches_every_visible_waiting_case(casework, actor, api):
    deploy_fixture(casework, "message_signature.bpmn")
    employee = actor("mitarbeiterin")
    cases = sorted(casework.runtime.start("message_signature", actor=employee).id for _ in range(2))
    assert subscriptions(cases[0]) == [("contract_signed", None, "wait_for_signature")]
    with pytest.raises(NotFound):  # a key where none is expected finds nothing
        casework.runtime.correlate_message("contract_signed", "K-1", {}, actor=employee)
    response = api("mitarbeiterin").post("/api/v1/messages", json={"name": "contract_signed",
                                                                   "payload": {"signed_on": "2026-11-30"}})
    assert response.status_code == 200
    assert response.json == {"correlated": cases}
    for case_id in cases:
        received = casework.runtime.get(case_id, actor=employee)
        assert only_task(received, "file_contract")
        assert received.variables["contract_signed"] == {"signed_on": "2026-11-30"}
