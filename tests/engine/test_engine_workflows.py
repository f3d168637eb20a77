"""The real process models in workflows/: they deploy cleanly and every path of §4.1 runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from casework.engine import Engine, ProcessModel, parse_deployment, validate_form
from casework.errors import ValidationFailed
from casework.helpers import collect_effects

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
Driver = Any  # tests/engine/conftest.py Driver, reached through the ``driver`` fixture

EMPLOYEE_REQUEST = {
    "initiator": "employee",
    "employee_name": "Erika Muster",
    "employer": "kommune",
    "reason": "Pflege eines Angehörigen",
    "requested_end_date": "2025-09-30",
}
SEEDED = {"started_by": "mitarbeiterin", "land": "NW", "starter_groups": ["employee"]}


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_workflow_deploys_without_problems(path: Path) -> None:
    dmn = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.dmn")}
    deployment = parse_deployment({path.name: path.read_bytes(), **dmn})
    assert path.stem in deployment.processes, "file name must equal the process id"
    assert deployment.warnings == []


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_workflow_has_a_complete_diagram(path: Path) -> None:
    """bpmn-js can only draw what has a shape or an edge in the BPMN DI."""
    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    root = etree.fromstring(path.read_bytes())
    # an expanded subprocess shows its own flow elements, so they need shapes and edges too
    scopes = [s for p in root.iterfind("bpmn:process", ns) for s in (p, *p.iterfind(".//bpmn:subProcess", ns))]
    drawable = {
        el.get("id")
        for scope in scopes
        for el in scope
        if isinstance(el.tag, str)
        and not el.tag.endswith((
            "}documentation", "}extensionElements", "}laneSet", "}incoming", "}outgoing",
            "}multiInstanceLoopCharacteristics", "}standardLoopCharacteristics",
        ))
    }
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNPlane/*", ns)}
    assert drawable == drawn


def test_model_metadata(termination_model: ProcessModel) -> None:
    model = termination_model
    assert model.name == "Beendigung einer Zuweisung (§ 44g Abs. 5 SGB II)"
    assert model.starter_groups == ("employee", "hr_ba", "hr_kommune")
    assert [f.name for f in model.start_form.fields] == [
        "initiator",
        "employee_name",
        "employer",
        "reason",
        "requested_end_date",
        "notice_date",
    ]
    initiator = model.start_form.fields[0]
    assert [(o.value, o.label) for o in initiator.options] == [
        ("employee", "Beschäftigte/r (eigener Antrag)"),
        ("traeger", "Träger (dienstliche Gründe)"),
    ]
    assert set(model.user_tasks) == {"review_request", "record_termination"}
    review = model.user_tasks["review_request"]
    assert review.candidate_groups == "gf"
    assert review.due_date == "${add_working_days(today(), 10, land)}"
    assert model.files == {
        "assignment_termination.bpmn": (WORKFLOWS / "assignment_termination.bpmn").read_bytes()
    }


def test_employee_request_without_objection_terminates(
    driver: Callable[[ProcessModel], Driver], termination_model: ProcessModel, engine: Engine
) -> None:
    run = driver(termination_model)
    snap = run.start(EMPLOYEE_REQUEST, **SEEDED)
    assert snap.status == "running"
    review = run.task("review_request")
    assignment = engine.resolve_assignment(review.meta, review.data, datetime(2025, 6, 2, 8, tzinfo=UTC))
    assert assignment.candidate_groups == ("gf",)
    # 10 working days from Monday 2025-06-02 in NW skip Whit Monday (06-09): Tuesday 2025-06-17.
    assert assignment.due_at == datetime(2025, 6, 17, 21, 59, 59, tzinfo=UTC)
    assert assignment.priority == 50

    snap = run.complete("review_request", {"decision": "no_objection"})
    record = run.task("record_termination")
    assert engine.resolve_assignment(record.meta, record.data, datetime.now(UTC)).candidate_groups == (
        "hr_kommune",
    )
    assert engine.form_defaults(record.meta.form, record.data) == {"end_date": "2025-09-30"}

    snap = run.complete("record_termination", {"end_date": "2025-09-30"})
    assert snap.status == "completed"
    assert snap.outcome == "terminated"
    assert snap.variables["end_date"] == "2025-09-30"
    assert snap.ready_tasks == ()
    assert sorted(snap.all_task_states.values()) == ["COMPLETED", "COMPLETED"]


def test_employee_request_with_objection_notifies_the_employee(
    driver: Callable[[ProcessModel], Driver], termination_model: ProcessModel
) -> None:
    run = driver(termination_model)
    run.start(EMPLOYEE_REQUEST, **SEEDED)
    with pytest.raises(ValidationFailed) as raised:
        run.complete("review_request", {"decision": "objection"})
    assert set(raised.value.fields) == {"objection_reason"}

    with collect_effects() as effects:
        snap = run.complete(
            "review_request", {"decision": "objection", "objection_reason": "Personalengpass"}
        )
    assert snap.status == "completed"
    assert snap.outcome == "objected"
    assert "end_date" not in snap.variables
    assert len(effects) == 1
    assert effects[0]["recipients"] == ["mitarbeiterin"]
    assert "Personalengpass" in effects[0]["text"]


def test_traeger_notice_ends_three_months_later_without_weekend_shift(
    driver: Callable[[ProcessModel], Driver], termination_model: ProcessModel, engine: Engine
) -> None:
    run = driver(termination_model)
    snap = run.start(
        {
            "initiator": "traeger",
            "employee_name": "Max Beispiel",
            "employer": "ba",
            "notice_date": "2025-11-30",
        },
        started_by="personal.ba",
        land="NW",
    )
    record = run.task("record_termination")
    assert [t.bpmn_id for t in snap.ready_tasks] == ["record_termination"]
    assert record.data["end_date"] == "2026-02-28"  # a Saturday: a period, so it does not move
    assert engine.resolve_assignment(record.meta, record.data, datetime.now(UTC)).candidate_groups == (
        "hr_ba",
    )
    assert engine.form_defaults(record.meta.form, record.data) == {"end_date": "2026-02-28"}

    snap = run.complete("record_termination", {"end_date": "2026-02-28"})
    assert (snap.status, snap.outcome, snap.variables["end_date"]) == (
        "completed",
        "terminated",
        "2026-02-28",
    )


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({"initiator": "employee", "employee_name": "E", "employer": "ba"}, {"reason", "requested_end_date"}),
        ({"initiator": "traeger", "employee_name": "E", "employer": "ba"}, {"notice_date"}),
        ({}, {"initiator", "employee_name", "employer"}),
    ],
)
def test_start_form_conditional_requirements(
    termination_model: ProcessModel, engine: Engine, form: dict[str, str], missing: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_form(termination_model.start_form, form, context={**SEEDED, "starter_groups": ["employee", "hr_ba"]}, evaluate=engine.evaluate)
    assert set(raised.value.fields) == missing
