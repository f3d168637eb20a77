"""Tasks offered to several named users (``camunda:candidateUsers``, issue 16): each is offered the
task in their inbox and may claim and complete it; no one else may; each sees the case while it is
offered to them; unknown users are a deploy warning at the element."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import HistoryEvent, OutboxMail, TaskCandidateUser, User, db
from tests.camunda.conftest import deploy_model

LEAVE = {"from": "2026-11-23", "until": "2026-12-11", "substitute": "gf.vertretung"}


def offered(client: Any, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/tasks", query_string={"scope": "candidate", **query})
    assert response.status_code == 200, response.text
    return list(response.json["items"])


def start(api: Any, **variables: Any) -> dict[str, Any]:
    response = api("mitarbeiterin").post("/api/v1/process-instances", json={
        "process_key": "candidateUsersList", "variables": variables})
    assert response.status_code == 201, response.text
    return dict(response.json)


def sees_case(client: Any, case_id: str) -> bool:
    return bool(client.get(f"/api/v1/process-instances/{case_id}").status_code == 200)


def rows(task_id: str) -> list[str]:
    names = db.session.scalars(sa.select(User.username).join(TaskCandidateUser, TaskCandidateUser.user_id == User.id)
                               .where(TaskCandidateUser.task_id == task_id).order_by(User.username)).all()
    db.session.commit()
    return list(names)


def test_unknown_candidate_users_are_a_deploy_warning_at_the_element(casework) -> None:
    (info, _), = deploy_model(casework, "candidate_users_list.bpmn")
    warnings = {w["element_id"]: w["message"] for w in info.warnings if w["severity"] == "warning"}
    assert warnings["reviewByList"].startswith("Unbekannte Benutzer 'demo'")
    assert "reviewByVariable" not in warnings  # an expression is checked when it runs


def test_each_named_user_is_offered_the_task_and_sees_the_case(casework, api) -> None:
    deploy_model(casework, "candidate_users_list.bpmn")
    case = start(api, reviewers=["personal.kommune", "gf.vertretung"], lead="personal.ba")
    (task,) = case["open_tasks"]
    assert (task["name"], task["assignee"], task["candidate_users"]) == ("reviewByList", None, ["gf", "personal.ba"])
    assert rows(task["id"]) == ["gf", "personal.ba"]  # "demo" is unknown here: left out
    for user in ("gf", "personal.ba"):
        client = api(user)
        (listed,) = offered(client)
        assert listed["id"] == task["id"] and listed["candidate_users"] == ["gf", "personal.ba"]
        assert offered(client, process_key="candidateUsersList", sort="-priority")[0]["id"] == task["id"]
        assert [t["id"] for t in client.get("/api/v1/tasks").json["items"]] == [task["id"]]  # scope "all"
        assert client.get("/api/v1/tasks", query_string={"scope": "mine"}).json["items"] == []
        assert sees_case(client, case["id"])  # need to know: it is offered to them
        assert client.get(f"/api/v1/tasks/{task['id']}").status_code == 200
    for user in ("traeger.ba", "personal.kommune", "mitarbeiterin"):
        assert offered(api(user)) == []
    assert not sees_case(api("traeger.ba"), case["id"])  # the case is for its parties only
    created = db.session.scalar(sa.select(HistoryEvent.data).where(
        HistoryEvent.instance_id == case["id"], HistoryEvent.action == "task_created"))
    db.session.commit()
    assert created["candidate_users"] == ["gf", "personal.ba", "demo"]


def test_only_a_named_user_may_claim_and_complete_and_one_holds_it_at_a_time(casework, api) -> None:
    deploy_model(casework, "candidate_users_list.bpmn")
    case = start(api, reviewers=["personal.kommune", "gf.vertretung"], lead="personal.ba")
    task_id = case["open_tasks"][0]["id"]
    gf, hr, other = api("gf"), api("personal.ba"), api("traeger.ba")
    assert other.post(f"/api/v1/tasks/{task_id}/claim").status_code == 404
    assert api("mitarbeiterin").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code in (403, 404)
    assert api("admin").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 403
    assert hr.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert offered(gf) == [] and hr.get("/api/v1/tasks", query_string={"scope": "mine"}).json["total"] == 1
    assert gf.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 409
    assert hr.post(f"/api/v1/tasks/{task_id}/unclaim").status_code == 200
    assert [t["id"] for t in offered(gf)] == [task_id]
    done = gf.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}})
    assert done.status_code == 200, done.text
    after = done.json["process_instance"]
    assert rows(task_id) == []  # offers end with the task
    assert not sees_case(hr, case["id"])  # no longer offered anything, never held anything
    (second,) = after["open_tasks"]
    # a list variable names the next ones
    assert (second["name"], second["candidate_users"]) == ("reviewByVariable", ["gf.vertretung", "personal.kommune"])
    kommune = api("personal.kommune")
    assert [t["id"] for t in offered(kommune)] == [second["id"]] and sees_case(kommune, case["id"])
    third = kommune.post(f"/api/v1/tasks/{second['id']}/complete", json={"data": {}}).json["process_instance"]
    # a group and a user on one task: the group's members and the user are offered it
    (last,) = third["open_tasks"]
    assert (last["name"], last["candidate_groups"], last["candidate_users"]) == (
        "reviewWithGroup", ["employee"], ["personal.ba"])
    assert [t["id"] for t in offered(hr)] == [last["id"]] == [t["id"] for t in offered(api("mitarbeiterin"))]
    assert offered(gf) == []
    finished = hr.post(f"/api/v1/tasks/{last['id']}/complete", json={"data": {}})
    assert finished.status_code == 200 and finished.json["process_instance"]["status"] == "completed"


def test_a_substitute_is_offered_what_is_offered_to_the_absent_user(casework, api) -> None:
    deploy_model(casework, "candidate_users_list.bpmn")
    gf, deputy = api("gf"), api("gf.vertretung")
    assert gf.client.put("/api/v1/me/absence", json=LEAVE, headers=gf.headers).status_code == 200
    case = start(api, reviewers=["personal.kommune"], lead="personal.ba")
    task_id = case["open_tasks"][0]["id"]
    (listed,) = offered(deputy)
    assert listed["id"] == task_id and listed["on_behalf_of"] == "Georg Geschäftsführer"
    assert sees_case(deputy, case["id"])
    done = deputy.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}})
    assert done.status_code == 200, done.text
    history = deputy.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    completed = next(h for h in history if h["action"] == "task_completed")
    assert completed["actor"] == "gf.vertretung" and completed["data"]["on_behalf_of"] == "gf"


def test_each_named_user_gets_the_new_task_mail_and_the_inbox_page_shows_them(casework, api, browser) -> None:
    hr_page = browser("personal.ba")  # one signed-in browser per test (the test's app context keeps g)
    deploy_model(casework, "candidate_users_list.bpmn")
    db.session.execute(sa.update(User).where(User.username.in_(["gf", "personal.ba", "traeger.ba"]))
                       .values(new_task_mail="immediately"))
    db.session.commit()
    case = start(api, reviewers=["personal.kommune"], lead="personal.ba")
    task_id = case["open_tasks"][0]["id"]
    mailed = db.session.scalars(sa.select(User.username).join(OutboxMail, OutboxMail.to_user_id == User.id)
                                .where(OutboxMail.kind == "new_task", OutboxMail.task_id == task_id)
                                .order_by(User.username)).all()
    db.session.commit()
    assert list(mailed) == ["gf", "personal.ba"]
    page = hr_page.get("/?scope=candidate")
    assert page.status_code == 200
    assert "Erstprüfung" in page.text and "angeboten an: Georg Geschäftsführer, Petra Personal (BA)" in page.text
    task_page = hr_page.get(f"/tasks/{task_id}")
    assert task_page.status_code == 200 and "angeboten an: Georg Geschäftsführer, Petra Personal (BA)" in task_page.text


def test_an_admin_hands_the_task_on_only_to_one_it_is_offered_to(casework, api, actor) -> None:
    deploy_model(casework, "candidate_users_list.bpmn")
    case = start(api, reviewers=["personal.kommune"], lead="personal.ba")
    task_id = case["open_tasks"][0]["id"]
    options = casework.reassign.options(task_id, actor=actor("admin"))
    assert [c.username for c in options.candidates] == ["gf", "personal.ba"]
    admin = api("admin")
    refused = admin.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "traeger.ba"})
    assert refused.status_code == 422, refused.text
    assigned = admin.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "personal.ba"})
    assert assigned.status_code == 200 and assigned.json["assignee"] == "personal.ba", assigned.text
