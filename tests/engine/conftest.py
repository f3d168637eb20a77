"""Fixtures for the pure engine tests: no database, no Flask, a frozen clock.

``Driver`` saves and restores the instance between every step (like SpiffWorkflow's own
``BpmnWorkflowTestCase.save_restore``), so every path test also proves the JSON round trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from casework.clock import FrozenClock
from casework.engine import Engine, ProcessModel, ReadyTask, Snapshot, StepLimits, parse_deployment, validate_form
from casework.helpers import build_helpers

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
WORKFLOWS = ROOT / "workflows"

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="definitions_{pid}" '
    'targetNamespace="https://fallwerk.example/tests">\n'
    '<bpmn:process id="{pid}" isExecutable="true" camunda:candidateStarterGroups="admin">'
)
_TAIL = "</bpmn:process></bpmn:definitions>"


def _linear_process(*nodes: str, pid: str = "probe") -> bytes:
    """A process start → nodes… → end, each node given as XML with an ``id``; flows are generated."""
    ids = ["start_event", *(re.search(r'id="([^"]+)"', n)[1] for n in nodes), "end_event"]  # type: ignore[index]
    flows = [
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    # One element per line, so schema errors (reported by line) can be traced to an element.
    lines = [
        _HEAD.format(pid=pid),
        '<bpmn:startEvent id="start_event"/>',
        *nodes,
        '<bpmn:endEvent id="end_event"/>',
        *flows,
        _TAIL,
    ]
    return "\n".join(lines).encode()


@pytest.fixture
def fixed_clock() -> FrozenClock:
    # Monday 2025-06-02, 10:00 in Berlin: the week of Fronleichnam (Thursday 2025-06-19 is two weeks on).
    return FrozenClock(datetime(2025, 6, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def engine(fixed_clock: FrozenClock) -> Engine:
    # generous: engine tests must not depend on the machine's load (the limits have their own tests)
    return Engine(build_helpers(fixed_clock), limits=StepLimits(seconds=30))


@pytest.fixture(scope="session")
def termination_model() -> ProcessModel:
    name = "assignment_termination.bpmn"
    return parse_deployment({name: (WORKFLOWS / name).read_bytes()}).processes["assignment_termination"]


class Driver:
    """Runs one instance the way the services do: validate, complete, dump, restore, snapshot."""

    def __init__(self, engine: Engine, model: ProcessModel) -> None:
        self.engine = engine
        self.model = model
        self.state = ""
        self.snapshot: Snapshot | None = None

    def _save(self, wf: Any) -> Snapshot:
        self.state = self.engine.dump(wf)
        restored = self.engine.restore(self.model, self.state)
        self.snapshot = self.engine.snapshot(restored, self.model)
        # The snapshot must not depend on whether we read it before or after the round trip.
        assert self.snapshot == self.engine.snapshot(wf, self.model)
        return self.snapshot

    def start(self, form: Mapping[str, Any], **seeded: Any) -> Snapshot:
        # the services add who starts to the start form's context; here a user holding every starter role
        context = {"starter_groups": ["employee", "hr_ba", "hr_kommune"], **seeded}
        clean = validate_form(self.model.start_form, form, context=context, evaluate=self.engine.evaluate)
        return self._save(self.engine.start(self.model, {**clean, **seeded}))

    def task(self, bpmn_id: str) -> ReadyTask:
        assert self.snapshot is not None
        matches = [t for t in self.snapshot.ready_tasks if t.bpmn_id == bpmn_id]
        assert len(matches) == 1, [t.bpmn_id for t in self.snapshot.ready_tasks]
        return matches[0]

    def complete(self, bpmn_id: str, form: Mapping[str, Any]) -> Snapshot:
        task = self.task(bpmn_id)
        clean = validate_form(task.meta.form, form, context=task.data, evaluate=self.engine.evaluate)
        wf = self.engine.restore(self.model, self.state)
        self.engine.complete(wf, task.id, clean)
        return self._save(wf)


@pytest.fixture
def driver(engine: Engine) -> Callable[[ProcessModel], Driver]:
    """``driver(model)`` → a Driver for one new instance of ``model``."""
    return lambda model: Driver(engine, model)


@pytest.fixture
def make_process() -> Callable[..., bytes]:
    """``make_process(*node_xml, pid="probe")`` → BPMN bytes of a linear process start → nodes → end."""
    return _linear_process


@pytest.fixture
def data_file() -> Callable[[str], bytes]:
    """``data_file(name)`` → the bytes of a file in tests/data."""
    return lambda name: (DATA / name).read_bytes()
