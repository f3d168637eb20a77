"""parse_deployment: every problem of an upload at once, each pointing at an element; safe XML."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from casework.engine import Engine, load_model, parse_deployment
from casework.errors import DefinitionInvalid, Problem

Make = Callable[..., bytes]

USER_TASK = '<bpmn:userTask id="{id}" name="Aufgabe" {attrs}>{inner}</bpmn:userTask>'
FORM = "<bpmn:extensionElements><camunda:formData>{}</camunda:formData></bpmn:extensionElements>"


def _user_task(ident: str = "review", attrs: str = 'camunda:candidateGroups="gf"', fields: str = "") -> str:
    return USER_TASK.format(id=ident, attrs=attrs, inner=FORM.format(fields) if fields else "")


def _problems(files: dict[str, bytes], **kw: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(DefinitionInvalid) as raised:
        parse_deployment(files, **kw)
    return raised.value.problems


def _errors(files: dict[str, bytes]) -> list[tuple[str | None, str]]:
    return [(p.element_id, p.message) for p in _problems(files) if p.severity == "error"]


def test_unknown_field_type_names_element_and_field(make_process: Make) -> None:
    bpmn = make_process(_user_task(fields='<camunda:formField id="amount" label="Betrag" type="money"/>'))
    [(element, message)] = _errors({"probe.bpmn": bpmn})
    assert element == "review"
    assert "amount" in message and "unknown field type 'money'" in message


def test_type_aliases_are_accepted(make_process: Make) -> None:
    fields = '<camunda:formField id="n" type="long"/><camunda:formField id="x" type="double"/>'
    model = parse_deployment({"probe.bpmn": make_process(_user_task(fields=fields))}).processes["probe"]
    assert [f.type for f in model.user_tasks["review"].form.fields] == ["integer", "number"]


def test_unknown_constraint_and_bad_required_if(make_process: Make) -> None:
    fields = (
        '<camunda:formField id="a" type="string"><camunda:validation>'
        '<camunda:constraint name="mandatory"/></camunda:validation></camunda:formField>'
        '<camunda:formField id="b" type="string"><camunda:validation>'
        '<camunda:constraint name="required_if" config="a =="/></camunda:validation></camunda:formField>'
    )
    errors = _errors({"probe.bpmn": make_process(_user_task(fields=fields))})
    assert [e for e, _ in errors] == ["review", "review"]
    assert "unknown constraint 'mandatory'" in errors[0][1]
    assert "required_if expression" in errors[1][1]


def test_user_task_without_groups_or_assignee_goes_to_the_default_group(make_process: Make) -> None:
    deployment = parse_deployment({"probe.bpmn": make_process(_user_task(attrs=""))})
    warnings = [(p.element_id, p.message) for p in deployment.warnings if p.severity == "warning"]
    assert ("review", "no camunda:candidateGroups, candidateUsers or assignee: the task goes to the process's "
                      "default group 'admin' (process property default_group)") in warnings
    assert deployment.processes["probe"].user_tasks["review"].candidate_groups == "admin"


@pytest.mark.parametrize(
    ("attrs", "fragment"),
    [
        ('camunda:candidateGroups="gf" camunda:dueDate="next week"', "camunda:dueDate"),
        ('camunda:candidateGroups="gf" camunda:dueDate="2025-02-30"', "does not exist"),
        ('camunda:candidateGroups="gf" camunda:priority="high"', "camunda:priority"),
        ('camunda:candidateGroups="${1 +}"', "camunda:candidateGroups"),
    ],
)
def test_assignment_attributes_are_checked(make_process: Make, attrs: str, fragment: str) -> None:
    [(element, message)] = _errors({"probe.bpmn": make_process(_user_task(attrs=attrs))})
    assert element == "review" and fragment in message


def test_script_syntax_errors_block_the_deploy(make_process: Make) -> None:
    task = '<bpmn:scriptTask id="compute" scriptFormat="python"><bpmn:script>x = = 1</bpmn:script></bpmn:scriptTask>'
    [(element, message)] = _errors({"probe.bpmn": make_process(task)})
    assert element == "compute" and "SyntaxError" in message


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ("__import__('os')", "__import__"),
        ("x = ().__class__.__bases__[0].__subclasses__()", "__class__"),
    ],
)
def test_scripts_the_sandbox_refuses_are_warned_about_at_deploy(
    make_process: Make, script: str, fragment: str
) -> None:
    """They deploy with a warning and fail when run, so the refusal shows in the case history."""
    task = f'<bpmn:scriptTask id="compute" scriptFormat="python"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    parsed = parse_deployment({"probe.bpmn": make_process(task)})
    warnings = [p for p in parsed.warnings if p.element_id == "compute"]
    assert len(warnings) == 1 and fragment in warnings[0].message and "sandbox" in warnings[0].message


def test_non_python_scripts_are_refused(make_process: Make) -> None:
    task = '<bpmn:scriptTask id="compute" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    assert _errors({"probe.bpmn": make_process(task)}) == [
        ("compute", "scriptFormat 'groovy' wird nicht unterstützt; Skripte sind Python (sie laufen in der Sandbox)")
    ]


def test_gateway_conditions_are_checked(data_file: Callable[[str], bytes]) -> None:
    broken = data_file("gateway_loop.bpmn").replace(b"i &lt; n", b"i &lt;")
    broken = broken.replace(b' default="flow_done"', b"")
    problems = _problems({"gateway_loop.bpmn": broken})
    errors = {(p.element_id, p.severity) for p in problems}
    assert ("flow_again", "error") in errors  # the condition does not compile
    # a second flow without condition is always true, as in Camunda (tests/camunda/ runs it)
    assert ("flow_done", "info") in errors
    assert ("gateway_again", "warning") in errors  # no default flow (and the loop)


def test_every_problem_of_an_upload_is_reported_at_once(make_process: Make) -> None:
    broken_xml = b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><unclosed>"
    script = '<bpmn:scriptTask id="compute"><bpmn:script>1 +</bpmn:script></bpmn:scriptTask>'
    problems = _problems(
        {
            "a.bpmn": make_process(_user_task(attrs='camunda:priority="high"'), script, pid="a"),
            "b.bpmn": broken_xml,
        }
    )
    assert {(p.file, p.element_id) for p in problems if p.severity == "error"} == {
        ("a.bpmn", "review"),
        ("a.bpmn", "compute"),
        ("b.bpmn", None),
    }
    assert any("not well-formed" in p.message for p in problems if p.file == "b.bpmn")


def test_schema_errors_point_at_the_element(make_process: Make) -> None:
    bpmn = make_process(_user_task()).replace(
        b'<bpmn:endEvent id="end_event"/>', b'<bpmn:endEvent id="end_event"><bpmn:bogus/></bpmn:endEvent>'
    )
    [(element, message)] = _errors({"probe.bpmn": bpmn})
    assert element == "end_event" and "bogus" in message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol4;</bpmn:definitions>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:documentation>&xxe;</bpmn:documentation></bpmn:definitions>"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_an_error_not_a_hang(content: bytes) -> None:
    started = time.monotonic()
    [problem] = _problems({"evil.bpmn": content})
    assert time.monotonic() - started < 1
    assert problem.severity == "error" and "DOCTYPE" in problem.message


def test_loop_is_a_warning_and_the_deploy_succeeds(data_file: Callable[[str], bytes]) -> None:
    deployment = parse_deployment({"gateway_loop.bpmn": data_file("gateway_loop.bpmn")})
    [warning] = deployment.warnings
    assert warning.element_id == "gateway_again" and warning.severity == "warning"
    assert warning.message.startswith("loop via gateway back-edge")


def test_file_without_executable_process_is_a_warning(
    make_process: Make, data_file: Callable[[str], bytes]
) -> None:
    not_executable = make_process(_user_task(), pid="sketch").replace(
        b'isExecutable="true"', b'isExecutable="false"'
    )
    deployment = parse_deployment(
        {"sketch.bpmn": not_executable, "script_probe.bpmn": data_file("script_probe.bpmn")}
    )
    assert set(deployment.processes) == {"script_probe"}
    assert [(w.file, w.severity) for w in deployment.warnings] == [("sketch.bpmn", "warning")]


def test_called_process_must_exist(data_file: Callable[[str], bytes]) -> None:
    problems = _problems({"nested_tasks.bpmn": data_file("nested_tasks.bpmn")})
    assert [(p.element_id, p.message) for p in problems] == [
        ("call_child", "der aufgerufene Prozess 'child_process' ist weder in dieser Bereitstellung noch bereitgestellt "
                      "(Dateien, die einander aufrufen, zusammen hochladen)")
    ]


def test_existing_files_resolve_references_and_travel_with_the_model(
    data_file: Callable[[str], bytes],
) -> None:
    existing = {
        "child_process.bpmn": data_file("child_process.bpmn"),
        "routing.dmn": data_file("routing.dmn"),
    }
    deployment = parse_deployment({"nested_tasks.bpmn": data_file("nested_tasks.bpmn")}, existing=existing)
    assert set(deployment.processes) == {"nested_tasks"}  # existing files are not redeployed
    model = deployment.processes["nested_tasks"]
    assert sorted(model.files) == ["child_process.bpmn", "nested_tasks.bpmn", "routing.dmn"]
    assert set(model.user_tasks) == {"sub_review", "cast_vote", "child_task"}
    reloaded = load_model("nested_tasks", model.files)
    assert reloaded.user_tasks == model.user_tasks and reloaded.start_form == model.start_form


def test_redeploying_a_process_supersedes_the_existing_file(data_file: Callable[[str], bytes]) -> None:
    old = data_file("script_probe.bpmn")
    new = old.replace(b'name="Skripttest"', b'name="Skripttest v2"')
    deployment = parse_deployment({"script_probe_v2.bpmn": new}, existing={"script_probe.bpmn": old})
    assert deployment.processes["script_probe"].name == "Skripttest v2"


def test_duplicate_process_ids_in_one_upload(data_file: Callable[[str], bytes]) -> None:
    content = data_file("script_probe.bpmn")
    problems = _problems({"one.bpmn": content, "two.bpmn": content})
    assert any("Duplicate process ID" in p.message for p in problems)


def test_camunda_collection_multi_instance_is_translated(make_process: Make) -> None:
    task = _user_task().replace(
        "</bpmn:userTask>",
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="voters" camunda:elementVariable="voter"/></bpmn:userTask>',
    )
    deployment = parse_deployment({"probe.bpmn": make_process(task)})
    notes = [(p.element_id, p.message) for p in deployment.warnings if p.severity == "info"]
    assert ("review", "camunda:collection 'voters' läuft als loopDataInputRef 'voters' mit inputDataItem 'voter'") in notes


def test_missing_decision_is_reported(data_file: Callable[[str], bytes]) -> None:
    problems = _problems({"decision_routing.bpmn": data_file("decision_routing.bpmn")})
    assert [p.element_id for p in problems] == ["decide_group"]
    assert "routing" in problems[0].message


def test_dmn_business_rule_task_runs_in_the_sandbox(
    data_file: Callable[[str], bytes], engine: Engine
) -> None:
    deployment = parse_deployment(
        {"decision_routing.bpmn": data_file("decision_routing.bpmn"), "routing.dmn": data_file("routing.dmn")}
    )
    model = deployment.processes["decision_routing"]
    assert sorted(model.files) == ["decision_routing.bpmn", "routing.dmn"]
    for employer, group in (("ba", "hr_ba"), ("gemeinde", "hr_kommune")):
        snap = engine.snapshot(engine.start(model, {"employer": employer}), model)
        assert snap.variables["hr_group"] == group
