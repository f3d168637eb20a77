"""A worker's answer runs as a step (casework.cases.stepping): the engine works without the write lock,
so a slow completion blocks no one, and of two answers to one task exactly one is written.

Real threads against the real database (SQLite file or PostgreSQL), each with its own connection,
through the JSON API; tests/data/camunda/slow_worker_result.bpmn runs a script as long as the
worker's variable ``loops`` says (about a microsecond a loop).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from casework import Casework, StepLimits
from models import HistoryEvent, db
from tests.camunda.conftest import deploy_model

pytestmark = pytest.mark.committed_db

ROUNDS = 4


@pytest.fixture
def slow(casework: Casework) -> Iterator[None]:
    saved = casework.engine.limits
    casework.engine.limits = StepLimits(seconds=30.0)  # the slow script is slow on purpose
    deploy_model(casework, "slow_worker_result.bpmn")
    yield
    casework.engine.limits = saved


def _fetch(worker: Any, worker_id: str, lock_ms: int = 60_000) -> list[dict[str, Any]]:
    response = worker.post("/api/v1/external-tasks/fetch-and-lock", json={
        "worker_id": worker_id, "max_tasks": 1, "topics": [{"topic": "slow-work", "lock_duration_ms": lock_ms}]})
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json
    return result


def _complete(worker: Any, task_id: str, worker_id: str, loops: int, results: dict[str, Any], name: str) -> None:
    response = worker.post(f"/api/v1/external-tasks/{task_id}/complete",
                           json={"worker_id": worker_id, "variables": {"loops": loops}})
    results[name] = (response.status_code, response.json)


def _completions(app: Any, instance_id: str) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.action == "external_task_completed")).all()
        data = [dict(r.data or {}) for r in rows]
        db.session.remove()
    return data


def test_two_completions_of_one_task_at_once_exactly_one_wins(app, casework, actor, api, slow) -> None:
    """The same worker's completion sent twice (a retried request, two threads sharing an id)."""
    worker = api("dienst.worker")
    outcomes: Counter[int] = Counter()
    for _ in range(ROUNDS):
        case = casework.runtime.start("slowWorkerResult", actor=actor("mitarbeiterin"), variables={})
        (task,) = _fetch(worker, "w1")
        barrier, results = threading.Barrier(2), {}

        def run(name: str, task_id: str = task["id"], barrier: threading.Barrier = barrier,
                results: dict[str, Any] = results) -> None:
            barrier.wait()
            _complete(api("dienst.worker"), task_id, "w1", 200_000, results, name)

        threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        codes = sorted(code for code, _ in results.values())
        assert codes == [204, 409], results
        loser = next(body for code, body in results.values() if code == 409)
        assert "externe Aufgabe" in loser["message"]
        outcomes.update(codes)
        assert len(_completions(app, case.id)) == 1
        after = casework.runtime.get(case.id, actor=actor("admin"))
        assert after.status == "running" and [t.name for t in after.open_tasks] == ["review"]
        assert after.variables["total"] == sum(range(200_000))
    assert outcomes == {204: ROUNDS, 409: ROUNDS}


def test_a_slow_completion_blocks_no_one_and_loses_to_the_worker_that_took_over(
    app, casework, actor, api, clock, slow
) -> None:
    case = casework.runtime.start("slowWorkerResult", actor=actor("mitarbeiterin"), variables={})
    (task,) = _fetch(api("dienst.worker"), "w1", lock_ms=1000)
    results: dict[str, Any] = {}
    # long enough to outlast the other worker's fetch and answer on an idle machine too (2.5 million
    # loops did not always), below what the range guard refuses (256 MB at 32 bytes an item: 8 million)
    slow_one = threading.Thread(target=_complete, args=(api("dienst.worker"), task["id"], "w1", 7_500_000, results, "w1"))
    slow_one.start()
    time.sleep(0.3)  # w1's step is running its script now
    clock.set(clock.now() + timedelta(seconds=2))  # and its lock has expired meanwhile
    began = time.monotonic()
    worker = api("dienst.worker")
    (again,) = _fetch(worker, "w2")
    _complete(worker, again["id"], "w2", 1000, results, "w2")
    took = time.monotonic() - began
    still_running = slow_one.is_alive()
    slow_one.join(timeout=60)
    assert still_running, "the slow completion ended before the other worker's answer: nothing was shown"
    assert took < 1.5, took  # neither the fetch nor the other completion waited for the slow step
    assert results["w2"][0] == 204
    assert results["w1"][0] == 409 and "inzwischen beantwortet" in results["w1"][1]["message"]
    assert [c["worker_id"] for c in _completions(app, case.id)] == ["w2"]
    after = casework.runtime.get(case.id, actor=actor("admin"))
    assert (after.variables["loops"], [t.name for t in after.open_tasks]) == (1000, ["review"])


def test_a_completion_whose_step_runs_past_the_time_limit_fails_the_case_visibly(casework, actor, api, slow) -> None:
    casework.engine.limits = StepLimits(seconds=1.0)
    case = casework.runtime.start("slowWorkerResult", actor=actor("mitarbeiterin"), variables={})
    worker = api("dienst.worker")
    (task,) = _fetch(worker, "w1")
    results: dict[str, Any] = {}
    _complete(worker, task["id"], "w1", 5_000_000, results, "w1")  # about five seconds
    assert results["w1"][0] == 204
    after = casework.runtime.get(case.id, actor=actor("admin"))
    # stored as before the step, failed with the limit's message: an admin's retry runs it again
    assert after.status == "error" and after.error_message.startswith("Zeitlimit überschritten")
