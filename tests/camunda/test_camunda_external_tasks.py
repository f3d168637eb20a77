"""External tasks (API.md): fetch-and-lock, complete, failure and retries, BPMN errors, lock expiry,
one worker per task at a time, service accounts per topic, and a real worker process (docs/)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from tests.camunda.conftest import deploy_model
from tests.conftest import PROJECT_ROOT

TOPIC = [{"topic": "credit-check", "lock_duration_ms": 60_000}]


def _start(casework, actor, amount: float = 1000) -> str:
    return casework.runtime.start("creditCheck", actor=actor("mitarbeiterin"), variables={"amount": amount}).id


def _fetch(worker, worker_id: str = "w1", max_tasks: int = 10, topics=None):
    return worker.post("/api/v1/external-tasks/fetch-and-lock",
                       json={"worker_id": worker_id, "max_tasks": max_tasks, "topics": topics or TOPIC})


@pytest.fixture
def credit(casework):
    deploy_model(casework, "credit_check.bpmn")


def test_a_worker_fetches_locks_and_completes_and_the_case_goes_on(casework, actor, api, credit) -> None:
    case_id = _start(casework, actor, 2500)
    worker = api("dienst.worker")
    fetched = _fetch(worker)
    assert fetched.status_code == 200, fetched.text
    (task,) = fetched.json
    assert (task["topic"], task["process_instance_id"], task["retries"]) == ("credit-check", case_id, None)
    assert task["variables"]["amount"] == 2500 and task["lock_expires_at"]
    assert _fetch(worker, "w2").json == []  # locked by w1
    other = worker.post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w2"})
    assert other.status_code == 409
    done = worker.post(f"/api/v1/external-tasks/{task['id']}/complete",
                       json={"worker_id": "w1", "variables": {"score": 700}})
    assert done.status_code == 204, done.text
    case = casework.runtime.get(case_id, actor=actor("admin"))
    assert case.variables["score"] == 700 and [t.name for t in case.open_tasks] == ["review"]
    assert worker.post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w1"}).status_code == 404
    actions = [e.action for e in casework.runtime.list_history(case_id, actor=actor("admin"))]
    assert "external_task_completed" in actions


def test_a_lock_expires_and_another_worker_takes_the_task(casework, actor, api, clock, credit) -> None:
    _start(casework, actor)
    worker = api("dienst.worker")
    (task,) = _fetch(worker, "w1", topics=[{"topic": "credit-check", "lock_duration_ms": 1000}]).json
    extended = worker.post(f"/api/v1/external-tasks/{task['id']}/extend-lock",
                           json={"worker_id": "w1", "new_duration_ms": 5000})
    assert extended.status_code == 204
    clock.set(clock.now() + timedelta(seconds=2))
    assert _fetch(worker, "w2").json == []  # extended to 5 s
    clock.set(clock.now() + timedelta(seconds=4))
    (again,) = _fetch(worker, "w2").json
    assert again["id"] == task["id"]
    late = worker.post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w1"})
    assert late.status_code == 409


def test_failures_retry_later_and_no_retries_left_is_an_incident_an_admin_retries(
    casework, actor, api, clock, credit
) -> None:
    case_id = _start(casework, actor)
    worker = api("dienst.worker")
    (task,) = _fetch(worker).json
    failed = worker.post(f"/api/v1/external-tasks/{task['id']}/failure", json={
        "worker_id": "w1", "error_message": "Schufa nicht erreichbar", "retries": 1, "retry_timeout_ms": 5000})
    assert failed.status_code == 204
    assert _fetch(worker).json == []  # waits 5 s
    clock.set(clock.now() + timedelta(seconds=5))
    (task,) = _fetch(worker).json
    assert task["retries"] == 1
    worker.post(f"/api/v1/external-tasks/{task['id']}/failure", json={
        "worker_id": "w1", "error_message": "Schufa nicht erreichbar", "retries": 0, "retry_timeout_ms": 0})
    case = casework.runtime.get(case_id, actor=actor("admin"))
    assert (case.status, case.error_element) == ("error", "checkCredit")
    assert "Schufa nicht erreichbar" in case.error_message
    assert _fetch(worker).json == []  # an incident is not fetched
    assert casework.runtime.retry(case_id, actor=actor("admin")).status == "running"
    (task,) = _fetch(worker).json
    assert task["retries"] is None


def test_a_bpmn_error_takes_the_error_path_and_an_uncaught_one_is_an_incident(casework, actor, api, credit) -> None:
    first, second = _start(casework, actor), _start(casework, actor)
    worker = api("dienst.worker")
    tasks = {t["process_instance_id"]: t["id"] for t in _fetch(worker).json}
    caught = worker.post(f"/api/v1/external-tasks/{tasks[first]}/bpmn-error",
                         json={"worker_id": "w1", "error_code": "CREDIT_REJECTED", "variables": {"why": "Limit"}})
    assert caught.status_code == 204
    case = casework.runtime.get(first, actor=actor("admin"))
    assert (case.status, case.outcome, case.variables["why"]) == ("completed", "rejected", "Limit")
    worker.post(f"/api/v1/external-tasks/{tasks[second]}/bpmn-error", json={"worker_id": "w1", "error_code": "OTHER"})
    case = casework.runtime.get(second, actor=actor("admin"))
    assert case.status == "error" and "'OTHER'" in case.error_message


def test_only_service_accounts_allowed_for_the_topic_may_fetch_or_answer(casework, actor, api, credit) -> None:
    _start(casework, actor)
    assert _fetch(api("mitarbeiterin")).status_code == 403
    (task,) = _fetch(api("dienst.worker")).json
    answer = api("gf").post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w1"})
    assert answer.status_code == 404
    bad = _fetch(api("dienst.worker"), topics=[{"topic": "credit-check", "lock_duration_ms": -1}])
    assert bad.status_code == 422 and any("lock_duration_ms" in f for f in bad.json["details"]["fields"])


def test_two_workers_fetching_at_once_never_get_the_same_task(casework, actor, api, credit) -> None:
    for _ in range(6):
        _start(casework, actor)
    workers = [api("dienst.worker") for _ in range(3)]
    got: list[list[str]] = []

    def fetch(client, name: str) -> None:
        response = _fetch(client, name, max_tasks=4)
        assert response.status_code == 200, response.text
        got.append([t["id"] for t in response.json])

    threads = [threading.Thread(target=fetch, args=(w, f"w{i}")) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [i for batch in got for i in batch]
    assert len(ids) == len(set(ids)) == 6


def test_the_documented_worker_runs_as_its_own_process(app, casework, actor, credit) -> None:
    small, large = _start(casework, actor, 900), _start(casework, actor, 90_000)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = subprocess.run(  # noqa: S603 - our own example, with arguments we chose
            [sys.executable, str(PROJECT_ROOT / "docs" / "external_task_worker.py"), "--once",
             "--url", f"http://127.0.0.1:{server.server_port}", "--user", "dienst.worker", "--password", "demo"],
            capture_output=True, text=True, timeout=60, check=False)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "2 external task(s) handled" in result.stdout
    admin = actor("admin")
    assert casework.runtime.get(small, actor=admin).variables["credit_ok"] is True
    assert casework.runtime.get(large, actor=admin).outcome == "rejected"


def test_java_delegates_run_as_external_tasks_when_the_designer_chooses_so(casework, actor, api) -> None:
    from tests.camunda.conftest import model_bytes

    xml = model_bytes("stuck_service.bpmn").replace(
        b'<bpmn:process id="stuckService" isExecutable="true">',
        b'<bpmn:process id="stuckService" isExecutable="true"><bpmn:extensionElements><camunda:properties>'
        b'<camunda:property name="java_delegates" value="external" /></camunda:properties></bpmn:extensionElements>')
    ((info, _),) = casework.repository.deploy({"stuck_service.bpmn": xml}, actor=None)
    assert any("Thema 'org.example.CallLegacy'" in w["message"] for w in info.warnings)
    case = casework.runtime.start("stuckService", actor=actor("admin"))
    assert case.status == "running"
    worker = api("dienst.worker")
    (task,) = _fetch(worker, topics=[{"topic": "org.example.CallLegacy", "lock_duration_ms": 1000}]).json
    worker.post(f"/api/v1/external-tasks/{task['id']}/complete", json={"worker_id": "w1"})
    assert casework.runtime.get(case.id, actor=actor("admin")).status == "completed"
