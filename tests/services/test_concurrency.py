"""Two clients completing the same task at the same moment: exactly one wins, nothing is lost.

Runs real threads against the real database (SQLite file or PostgreSQL), each with its own
connection, through the JSON API.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from models import HistoryEvent, HumanTask, ProcessInstance, db
from tests.factories import employee_request

pytestmark = pytest.mark.committed_db

ROUNDS = 8


def _race(app, headers_a, headers_b, task_id, data):
    barrier = threading.Barrier(2)
    results = {}

    def run(name, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data}, headers=headers)
        results[name] = response.status_code

    threads = [threading.Thread(target=run, args=("a", headers_a)), threading.Thread(target=run, args=("b", headers_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    return {"Authorization": f"Bearer {response.json['token']}"}


@pytest.mark.parametrize("second", ["gf", "gf.zweite"], ids=["same user twice", "two users"])
def test_concurrent_completion_one_wins_one_conflicts(app, casework, actor, second):
    if second != "gf":  # a second GF in the same group and organisation (not the demo deputy gf.vertretung,
        # who has no group of her own)
        casework.directory.ensure_user(second, display_name="Vertretung GF", password="demo",
                                       organisation_id=actor("gf").primary_organisation_id, groups=["gf"])
    client = app.test_client()
    employee, gf, other = _token(client, "mitarbeiterin"), _token(client, "gf"), _token(client, second)
    outcomes = Counter()
    for n in range(ROUNDS):
        started = client.post("/api/v1/process-instances", headers=employee, json={
            "process_key": "assignment_termination", "business_key": f"RACE-{n}", "variables": employee_request()})
        assert started.status_code == 201, started.text
        instance_id = started.json["id"]
        (task,) = client.get(f"/api/v1/tasks?process_instance_id={instance_id}", headers=gf).json["items"]
        results = _race(app, gf, other, task["id"], {"decision": "no_objection"})
        assert sorted(results.values()) == [200, 409], results
        outcomes.update(results.values())

        with app.app_context():
            instance = db.session.get(ProcessInstance, instance_id)
            tasks = db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
            states = Counter((t.bpmn_id, t.state) for t in tasks)
            assert states == {("review_request", "completed"): 1, ("record_termination", "open"): 1}
            completions = db.session.scalar(sa.select(sa.func.count()).select_from(HistoryEvent).where(
                HistoryEvent.instance_id == instance_id, HistoryEvent.action == "task_completed"))
            assert completions == 1
            assert instance.status == "running"
            db.session.remove()
        assert casework.history.verify_chain(instance_id)
        # the stored state is consistent: the case goes on with the next task
        record = client.get(f"/api/v1/tasks?process_instance_id={instance_id}",
                            headers=_token(client, "personal.ba")).json["items"]
        assert [t["name"] for t in record] == ["record_termination"]
    assert outcomes == {200: ROUNDS, 409: ROUNDS}


def test_concurrent_claims_one_wins(app):
    client = app.test_client()
    employee, gf = _token(client, "mitarbeiterin"), _token(client, "gf")
    started = client.post("/api/v1/process-instances", headers=employee, json={
        "process_key": "assignment_termination", "variables": employee_request()})
    (task,) = client.get(f"/api/v1/tasks?process_instance_id={started.json['id']}", headers=gf).json["items"]
    barrier = threading.Barrier(2)
    codes = []

    def claim():
        c = app.test_client()
        barrier.wait()
        codes.append(c.post(f"/api/v1/tasks/{task['id']}/claim", headers=gf).status_code)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # the same user claiming twice: both succeed (idempotent) or the second conflicts on the case version
    assert 200 in codes and set(codes) <= {200, 409}
