"""Issue 11 §1: limits on the designer code a step runs (time, memory, case data) and the deploy warnings.

The runaway script against a real server process is in tests/web/test_script_limits_server.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa
from flask import Flask

from casework import Casework, StepLimits
from casework.clock import FrozenClock
from casework.engine import parse_deployment
from casework.errors import Conflict, DefinitionInvalid
from models import HistoryEvent, ProcessInstance, db
from tests.factories import fixture_bytes, only_task, start_termination

SPIN = "while True:\n    pass"


@pytest.fixture
def limits(casework: Casework) -> Iterator[StepLimits]:
    """The defaults of config/default.py, but one second of time to keep the suite quick."""
    saved = casework.engine.limits
    casework.engine.limits = StepLimits(seconds=1.0)
    yield casework.engine.limits
    casework.engine.limits = saved


@pytest.fixture
def roomy(casework: Casework) -> Iterator[StepLimits]:
    """Memory and data limits as configured, time to spare: a loaded machine must not turn them into timeouts."""
    saved = casework.engine.limits
    casework.engine.limits = StepLimits(seconds=20.0)
    yield casework.engine.limits
    casework.engine.limits = saved


def _deploy_probe(casework: Casework, script: str, key: str = "script_probe") -> None:
    source = fixture_bytes("script_probe.bpmn", **{"result = 'ok'": escape(script), 'id="script_probe"': f'id="{key}"'})
    casework.repository.deploy({f"{key}.bpmn": source}, actor=None)


def _history(instance_id: str) -> list[HistoryEvent]:
    return list(db.session.scalars(
        sa.select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)))


def _stored_state_size(instance_id: str) -> int:
    return len(db.session.scalar(sa.select(ProcessInstance.state).where(ProcessInstance.id == instance_id)))


def test_endless_loop_fails_the_case_with_an_incident_in_the_history(
    casework: Casework, actor: Any, limits: StepLimits
) -> None:
    _deploy_probe(casework, SPIN)
    began = time.monotonic()
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    elapsed = time.monotonic() - began
    assert elapsed < limits.seconds + 1
    assert case.status == "error" and case.error_element == "run_script"
    assert case.error_message.startswith("Zeitlimit überschritten")
    assert "FALLWERK_SCRIPT_TIME_LIMIT" in case.error_message
    failed = [e for e in _history(case.id) if e.action == "instance_failed"]
    assert len(failed) == 1 and failed[0].data["element"] == "run_script"
    assert casework.runtime.get(case.id, actor=actor("admin")).status == "error"


def test_admin_retries_a_stopped_step_once_the_cause_is_fixed(
    casework: Casework, actor: Any, limits: StepLimits
) -> None:
    _deploy_probe(casework, "while not done:\n    pass\nresult = 'ok'")
    case = casework.runtime.start("script_probe", actor=actor("admin"), variables={"done": False})
    assert case.status == "error" and "Zeitlimit" in case.error_message
    again = casework.runtime.retry(case.id, actor=actor("admin"))
    assert again.status == "error"  # same data, same loop
    fixed = casework.runtime.retry(case.id, actor=actor("admin"), variables={"done": True})
    assert fixed.status == "running" and fixed.variables["result"] == "ok"
    assert only_task(fixed).name == "after_script"
    actions = [e.action for e in _history(case.id)]
    assert actions.count("instance_failed") == 2 and actions.count("instance_retried") == 2


def test_admin_moves_a_stopped_case_onto_the_fixed_model(
    casework: Casework, actor: Any, limits: StepLimits
) -> None:
    _deploy_probe(casework, SPIN)
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    assert case.status == "error" and case.version == 1
    _deploy_probe(casework, "result = 'fixed'")  # version 2: the same elements, the loop gone
    moved = casework.runtime.retry(case.id, actor=actor("admin"), latest_version=True)
    assert moved.status == "running" and moved.version == 2 and moved.variables["result"] == "fixed"
    assert casework.runtime.get(case.id, actor=actor("admin")).version == 2
    retried = [e for e in _history(case.id) if e.action == "instance_retried"]
    assert retried[-1].data["version"] == 2
    done = casework.tasks.complete(only_task(moved).id, actor=actor("admin"), data={})
    assert done.status == "completed"


def test_a_fixed_model_without_the_case_s_tasks_is_refused(
    casework: Casework, actor: Any, limits: StepLimits
) -> None:
    _deploy_probe(casework, SPIN)
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    renamed = fixture_bytes("script_probe.bpmn").replace(b"run_script", b"run_other_script")
    casework.repository.deploy({"script_probe.bpmn": renamed}, actor=None)
    with pytest.raises(Conflict, match="run_script"):
        casework.runtime.retry(case.id, actor=actor("admin"), latest_version=True)
    assert casework.runtime.get(case.id, actor=actor("admin")).version == 1


@pytest.mark.parametrize(
    "script",
    [
        "x = 'x' * 10**10",
        "x = [0] * 10**9",
        "x = 10 ** 10 ** 10",
        "x = 'a'.ljust(10**10)",
        "x = 'a'.center(10**10)",
        "x = '0'.zfill(10**10)",
        "x = '%10000000000d' % 1",
        "x = ''.join(['ab' * 10**7] * 20)",
        "x = ('a' * 10**6).replace('a', 'b' * 1000)",
        "x = sum(range(10**12))",
        "x = list(range(10**9))",
        "x = 1 << 10**10",
        "x = 'y'\nx *= 10**10",
        "items = []\nwhile True:\n    items.append('x' * 10**6)",
    ],
)
def test_memory_limit_refuses_the_allocation_before_it_happens(
    casework: Casework, actor: Any, roomy: StepLimits, script: str
) -> None:
    _deploy_probe(casework, script)
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    assert case.status == "error" and case.error_element == "run_script", case.error_message
    assert case.error_message.startswith("Speicherlimit überschritten"), case.error_message
    assert "FALLWERK_SCRIPT_MEMORY_LIMIT" in case.error_message
    assert _stored_state_size(case.id) < 10_000  # the giant value is not in the failed task's data


def test_case_data_limit_refuses_a_huge_variable(casework: Casework, actor: Any, roomy: StepLimits) -> None:
    _deploy_probe(casework, "x = 'y' * 10**8")
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    assert case.status == "error" and case.error_element == "run_script"
    assert case.error_message.startswith("Datenlimit überschritten") and "'x'" in case.error_message
    assert "FALLWERK_CASE_DATA_LIMIT" in case.error_message
    assert _stored_state_size(case.id) < 10_000


def test_data_grown_in_place_is_caught_when_the_step_is_stored(
    casework: Casework, actor: Any, roomy: StepLimits
) -> None:
    """A list changed in place escapes the script's own check (its data is put back); the stored
    state may not exceed the limit either: the case is kept as before the step, failed, retryable."""
    _deploy_probe(casework, "items.extend(['y' * 1000] * 2000)")
    case = casework.runtime.start("script_probe", actor=actor("admin"), variables={"items": []})
    assert case.status == "error" and "Datenlimit überschritten" in case.error_message
    assert _stored_state_size(case.id) < 10_000
    actions = [e.action for e in _history(case.id)]
    assert actions == ["instance_started", "instance_failed"]
    again = casework.runtime.retry(case.id, actor=actor("admin"))
    assert again.status == "error" and "Datenlimit" in again.error_message


def test_gateway_condition_and_dmn_cell_are_limited(casework: Casework, actor: Any, limits: StepLimits) -> None:
    dmn = fixture_bytes("routing.dmn", **{'<text>"hr_ba"</text>': "<text>'h' * 10**10</text>"})
    casework.repository.deploy({"decision_routing.bpmn": fixture_bytes("decision_routing.bpmn"), "routing.dmn": dmn},
                               actor=None)
    case = casework.runtime.start("decision_routing", actor=actor("admin"), variables={"employer": "ba"})
    assert case.status == "error" and case.error_element == "decide_group"
    assert case.error_message.startswith("Speicherlimit überschritten")
    flow = fixture_bytes("script_probe.bpmn").replace(
        b'<bpmn:sequenceFlow id="flow_script_done" sourceRef="run_script" targetRef="after_script" />',
        b'<bpmn:exclusiveGateway id="check" default="flow_ok" />'
        b'<bpmn:sequenceFlow id="flow_script_done" sourceRef="run_script" targetRef="check" />'
        b'<bpmn:sequenceFlow id="flow_ok" sourceRef="check" targetRef="after_script" />'
        b'<bpmn:sequenceFlow id="flow_spin" sourceRef="check" targetRef="end_event">'
        b"<bpmn:conditionExpression>sum(1 for _ in range(10**6) for _ in range(10**6)) == 0"
        b"</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    casework.repository.deploy({"script_probe.bpmn": flow}, actor=None)
    case = casework.runtime.start("script_probe", actor=actor("admin"))
    assert case.status == "error" and case.error_element == "check"
    assert case.error_message.startswith("Zeitlimit überschritten")


def test_a_long_step_holds_no_lock_other_users_complete_meanwhile(
    app: Flask, casework: Casework, actor: Any, limits: StepLimits
) -> None:
    """The engine runs before the writing transaction: on SQLite too, another case is written meanwhile."""
    casework.engine.limits = StepLimits(seconds=3.0)  # room for the other completion on a loaded machine
    other = start_termination(casework, actor("mitarbeiterin"))
    _deploy_probe(casework, SPIN)
    outcome: dict[str, Any] = {}
    runaway = threading.Thread(target=_start_in_thread, args=(app, casework, actor("admin"), outcome))
    runaway.start()
    time.sleep(0.2)  # let the runaway step begin
    began = time.monotonic()
    done = casework.tasks.complete(only_task(other).id, actor=actor("gf"), data={"decision": "no_objection"})
    took = time.monotonic() - began
    still_running = runaway.is_alive()
    runaway.join()
    assert still_running, "the runaway step ended before the other completion: nothing was shown"
    assert took < 2.0 and done.status == "running"
    assert outcome["case"].status == "error"


def _start_in_thread(app: Flask, casework: Casework, admin: Any, outcome: dict[str, Any]) -> None:
    with app.app_context():
        try:
            outcome["case"] = casework.runtime.start("script_probe", actor=admin)
        finally:
            db.session.remove()


def test_a_timer_fired_by_the_scheduler_runs_under_the_limits(
    casework: Casework, actor: Any, clock: FrozenClock, limits: StepLimits
) -> None:
    source = fixture_bytes("timer_intermediate.bpmn", **{
        '<bpmn:sequenceFlow id="flow_wait" sourceRef="wait_period" targetRef="review_case" />':
            '<bpmn:scriptTask id="spin" scriptFormat="python"><bpmn:script>while True:\n    pass</bpmn:script>'
            '</bpmn:scriptTask><bpmn:sequenceFlow id="flow_wait" sourceRef="wait_period" targetRef="spin" />'
            '<bpmn:sequenceFlow id="flow_spun" sourceRef="spin" targetRef="review_case" />'})
    casework.repository.deploy({"timer_intermediate.bpmn": source}, actor=None)
    case = casework.runtime.start("timer_intermediate", actor=actor("mitarbeiterin"))
    clock.set(clock.now() + timedelta(days=11))
    report = casework.management.fire_due()
    assert report.fired == 1
    failed = casework.runtime.get(case.id, actor=actor("admin"))
    assert failed.status == "error" and failed.error_element == "spin"
    assert failed.error_message.startswith("Zeitlimit überschritten")


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        (SPIN, "'while True' without 'break' never ends"),
        ("while True:\n    if done:\n        break", "'while True' runs until a 'break'"),
        ("import os", "'import' is refused"),
        ("x = open('/etc/passwd')", "'open' is refused"),
        ("x = getattr(1, 'real')", "'getattr' is refused"),
        ("x = type(1)", "'type' is refused"),
        ("x = vars()", "'vars' is refused"),
    ],
)
def test_deploy_warns_at_the_element(script: str, fragment: str) -> None:
    source = fixture_bytes("script_probe.bpmn", **{"result = 'ok'": escape(script)})
    deployed = parse_deployment({"script_probe.bpmn": source})
    found = [w for w in deployed.warnings if fragment in w.message]
    assert found and found[0].element_id == "run_script", deployed.warnings


def test_deploy_checks_dmn_cells_like_other_expressions() -> None:
    bpmn = fixture_bytes("decision_routing.bpmn")
    risky = fixture_bytes("routing.dmn", **{'<text>"ba"</text>': "<text>open('x')</text>"})
    deployed = parse_deployment({"decision_routing.bpmn": bpmn, "routing.dmn": risky})
    assert any(w.element_id == "rule_ba_employer" and "'open' is refused" in w.message for w in deployed.warnings)
    broken = fixture_bytes("routing.dmn", **{'<text>"hr_ba"</text>': '<text>"hr_ba</text>'})
    with pytest.raises(DefinitionInvalid) as raised:
        parse_deployment({"decision_routing.bpmn": bpmn, "routing.dmn": broken})
    assert any(p.element_id == "rule_ba_group" and p.severity == "error" for p in raised.value.problems)
    operators = fixture_bytes("routing.dmn", **{'<text>"ba"</text>': "<text>in ('ba', 'bund')</text>"})
    assert not [w for w in parse_deployment({"decision_routing.bpmn": bpmn, "routing.dmn": operators}).warnings
                if "rule_" in (w.element_id or "")]
