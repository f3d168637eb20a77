"""Engine: completing tasks safely, nested human tasks, stalls, assignment expressions, state round trips."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from casework.engine import Engine, ProcessModel, UserTaskMeta, load_model, parse_deployment
from casework.errors import Conflict, ScriptFailed
from casework.helpers import collect_effects
from casework.records import FormField, FormSpec

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
READY = 16  # SpiffWorkflow's TaskState.READY; tests stay free of SpiffWorkflow imports


@pytest.fixture
def nested(data_file: Callable[[str], bytes]) -> ProcessModel:
    files = {name: data_file(name) for name in ("nested_tasks.bpmn", "child_process.bpmn")}
    return parse_deployment(files).processes["nested_tasks"]


def _meta(**kw: Any) -> UserTaskMeta:
    base: dict[str, Any] = {
        "bpmn_id": "task",
        "title": "Aufgabe",
        "documentation": None,
        "candidate_groups": "gf",
        "assignee": None,
        "due_date": None,
        "priority": None,
        "form": FormSpec(),
    }
    return UserTaskMeta(**{**base, **kw})


def test_complete_refuses_unknown_finished_and_engine_tasks(
    engine: Engine, termination_model: ProcessModel
) -> None:
    wf = engine.start(termination_model, {"initiator": "employee", "employer": "ba", "land": "NW"})
    [review] = engine.snapshot(wf, termination_model).ready_tasks
    for bad_id in ("not-a-uuid", str(uuid.uuid4())):
        with pytest.raises(Conflict, match="does not exist"):
            engine.complete(wf, bad_id, {})
    future = next(t for t in wf.get_tasks() if t.task_spec.name == "record_termination")
    with pytest.raises(Conflict, match="not READY"):
        engine.complete(wf, str(future.id), {})
    engine.complete(wf, review.id, {"decision": "no_objection"})
    with pytest.raises(Conflict, match="COMPLETED, not READY"):
        engine.complete(wf, review.id, {"decision": "objection"})
    assert engine.snapshot(wf, termination_model).all_task_states == {review.id: "COMPLETED"}


def test_human_tasks_in_subprocesses_multi_instance_and_called_processes(
    engine: Engine, nested: ProcessModel
) -> None:
    def roundtrip(wf: Any) -> Any:
        return engine.restore(nested, engine.dump(wf))

    wf = roundtrip(engine.start(nested, {"voters": ["tv.ba1", "tv.kom1", "tv.ba2"]}))
    [sub] = engine.snapshot(wf, nested).ready_tasks
    assert (sub.bpmn_id, sub.meta.form.fields[0].name) == ("sub_review", "checked")
    engine.complete(wf, sub.id, {"checked": True})
    wf = roundtrip(wf)

    votes = engine.snapshot(wf, nested).ready_tasks
    assert [(t.bpmn_id, t.data["voter"]) for t in votes] == [
        ("cast_vote", v) for v in ("tv.ba1", "tv.kom1", "tv.ba2")
    ]
    assignees = [engine.resolve_assignment(t.meta, t.data, NOW).assignee for t in votes]
    assert assignees == ["tv.ba1", "tv.kom1", "tv.ba2"]
    for task, vote in zip(votes, ("yes", "no", "yes"), strict=True):
        engine.complete(wf, task.id, {"vote": vote})
        wf = roundtrip(wf)

    snap = engine.snapshot(wf, nested)
    assert [t.bpmn_id for t in snap.ready_tasks] == ["child_task"]
    assert snap.variables["yes_votes"] == 2
    engine.complete(wf, snap.ready_tasks[0].id, {})
    snap = engine.snapshot(roundtrip(wf), nested)
    assert snap.status == "completed"
    assert len(snap.all_task_states) == 5 and set(snap.all_task_states.values()) == {"COMPLETED"}


def test_gateway_loop_runs_when_short(engine: Engine, data_file: Callable[[str], bytes]) -> None:
    model = load_model("gateway_loop", {"gateway_loop.bpmn": data_file("gateway_loop.bpmn")})
    snap = engine.snapshot(engine.start(model, {"i": 0, "n": 3}), model)
    assert (snap.status, snap.variables["i"], [t.bpmn_id for t in snap.ready_tasks]) == (
        "running",
        3,
        ["done"],
    )


def test_gateway_loop_stall_is_reported_not_hidden(engine: Engine, data_file: Callable[[str], bytes]) -> None:
    model = load_model("gateway_loop", {"gateway_loop.bpmn": data_file("gateway_loop.bpmn")})
    wf = engine.start(model, {"i": 0, "n": 505})  # SpiffWorkflow loses the READY gateway at depth 1000
    snap = engine.snapshot(engine.restore(model, engine.dump(wf)), model)
    assert snap.status == "error"
    assert snap.error_element == "gateway_again"
    assert "stuck" in snap.error_message and "standardLoopCharacteristics" in snap.error_message
    assert snap.variables["i"] == 500
    # The stuck gateway is READY but not a human task: complete() must not run it.
    stuck = next(t for t in wf.tasks.values() if t.task_spec.name == "gateway_again" and t.state == READY)
    with pytest.raises(Conflict, match="not a human task"):
        engine.complete(wf, str(stuck.id), {})


def test_resolve_assignment_literals_and_expressions(engine: Engine) -> None:
    data = {"employer": "ba", "chair": "tv.ba1", "land": "NW", "urgent": True}
    meta = _meta(
        candidate_groups="${['hr_' + employer, 'gf']}",
        assignee="${chair}",
        due_date="${add_working_days('2025-06-18', 1, land)}",
        priority="${90 if urgent else 50}",
    )
    assignment = engine.resolve_assignment(meta, data, NOW)
    assert assignment.candidate_groups == ("hr_ba", "gf")
    assert assignment.assignee == "tv.ba1"
    assert assignment.due_at == datetime(2025, 6, 20, 23, 59, 59, tzinfo=timezone(timedelta(hours=2)))
    assert assignment.priority == 90
    plain = engine.resolve_assignment(
        _meta(candidate_groups=" hr_ba , hr_kommune,hr_ba", priority="10"), {}, NOW
    )
    assert (plain.candidate_groups, plain.assignee, plain.due_at, plain.priority) == (
        ("hr_ba", "hr_kommune"),
        None,
        None,
        10,
    )


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2025-12-31", datetime(2025, 12, 31, 22, 59, 59, tzinfo=UTC)),  # end of day, winter time
        ("2025-06-30T12:00:00+00:00", datetime(2025, 6, 30, 12, 0, tzinfo=UTC)),
        ("2025-06-30T12:00:00", datetime(2025, 6, 30, 10, 0, tzinfo=UTC)),  # naive = German time
        ("P3D", NOW + timedelta(days=3)),
        ("PT12H", NOW + timedelta(hours=12)),
        ("P1M", datetime(2025, 7, 2, 8, 0, tzinfo=UTC)),
        ("${date(2025, 7, 1)}", datetime(2025, 7, 1, 21, 59, 59, tzinfo=UTC)),
    ],
)
def test_due_date_forms(engine: Engine, due: str, expected: datetime) -> None:
    data = {"date": date}  # lets the expression build a date object; real scripts get strings
    assert engine.resolve_assignment(_meta(due_date=due), data, NOW).due_at == expected


@pytest.mark.parametrize(
    ("meta", "fragment"),
    [
        (_meta(candidate_groups="${missing_var}"), "candidateGroups of 'task'"),
        (_meta(candidate_groups="${42}"), "must give group names"),
        (_meta(due_date="${'soon'}"), "dueDate of 'task'"),
        (_meta(priority="${'high'}"), "priority of 'task'"),
    ],
)
def test_resolve_assignment_failures_name_the_task(engine: Engine, meta: UserTaskMeta, fragment: str) -> None:
    with pytest.raises(ScriptFailed, match=fragment) as raised:
        engine.resolve_assignment(meta, {}, NOW)
    assert raised.value.element_id == "task"


def test_form_defaults(engine: Engine) -> None:
    form = FormSpec(
        (
            FormField("end_date", "date", "Ende", default="${requested_end_date}"),
            FormField("count", "integer", "Anzahl", default="5"),
            FormField("note", "text", "Notiz", default="${undefined_name}"),
            FormField("flag", "boolean", "Flag", default="true"),
        )
    )
    assert engine.form_defaults(form, {"requested_end_date": "2025-09-30"}) == {
        "end_date": "2025-09-30",
        "count": 5,
        "flag": True,
    }
    assert (
        engine.form_defaults(
            form, {"requested_end_date": "2025-09-30", "end_date": "2026-02-28", "count": 7}
        )["end_date"]
        == "2026-02-28"
    )


def test_dump_holds_state_without_spec_and_restore_checks_the_version(
    engine: Engine, termination_model: ProcessModel
) -> None:
    wf = engine.start(
        termination_model, {"initiator": "traeger", "employer": "ba", "notice_date": "2025-11-30"}
    )
    state = json.loads(engine.dump(wf))
    assert "spec" not in state and "subprocess_specs" not in state
    state["serializer_version"] = "0.9"
    with pytest.raises(Conflict):
        engine.restore(termination_model, json.dumps(state))


def test_one_engine_serves_many_threads_with_separate_effects(
    engine: Engine, termination_model: ProcessModel
) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    errors: list[BaseException] = []

    def run(user: str) -> None:
        try:
            with collect_effects() as effects:
                wf = engine.start(
                    termination_model,
                    {
                        "initiator": "employee",
                        "employer": "ba",
                        "employee_name": user,
                        "reason": "r",
                        "requested_end_date": "2025-09-30",
                        "started_by": user,
                        "land": "NW",
                    },
                )
                wf = engine.restore(termination_model, engine.dump(wf))
                [task] = engine.snapshot(wf, termination_model).ready_tasks
                engine.complete(wf, task.id, {"decision": "objection", "objection_reason": f"Grund {user}"})
                assert engine.snapshot(wf, termination_model).outcome == "objected"
            results[user] = effects
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"user{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for user, effects in results.items():
        assert [e["recipients"] for e in effects] == [[user]]
        assert f"Grund {user}" in effects[0]["text"]
