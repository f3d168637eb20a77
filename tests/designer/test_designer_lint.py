"""The lint rules the designer relies on, each with a model that breaks it and one that keeps it."""

from __future__ import annotations

import pytest

from casework.designer import template_xml
from casework.engine import parse_deployment
from casework.engine.lint import designer_hints
from casework.engine.xmlsafe import parse_xml
from casework.errors import DefinitionInvalid, Problem

GOOD = template_xml("lint_probe", "Prüfling")


def problems_of(xml: str) -> list[Problem]:
    try:
        return parse_deployment({"lint_probe.bpmn": xml.encode("utf-8")}).warnings
    except DefinitionInvalid as exc:
        return exc.problems


def at(problems: list[Problem], element_id: str) -> list[tuple[str, str]]:
    return [(p.severity, p.message) for p in problems if p.element_id == element_id]


def test_the_template_is_clean() -> None:
    assert problems_of(GOOD) == []
    assert designer_hints(parse_xml(GOOD.encode()), "lint_probe.bpmn") == []


def test_a_user_task_without_candidates_goes_to_the_default_group_with_a_warning() -> None:
    without = GOOD.replace(' camunda:candidateGroups="employee">', ">", 1)
    [(severity, message)] = at(problems_of(without), "handle_case")
    assert severity == "warning" and "default group" in message
    with_assignee = GOOD.replace('camunda:candidateGroups="employee"', 'camunda:assignee="mitarbeiterin"', 1)
    assert at(problems_of(with_assignee), "handle_case") == []


def test_a_user_task_without_a_form_is_pointed_out_by_the_designer() -> None:
    start, end = GOOD.index("<bpmn:extensionElements>"), GOOD.index("</bpmn:extensionElements>")
    formless = GOOD[:start] + GOOD[end + len("</bpmn:extensionElements>"):]
    [hint] = designer_hints(parse_xml(formless.encode()), "lint_probe.bpmn")
    assert (hint.element_id, hint.severity) == ("handle_case", "warning")
    assert "form" in hint.message
    assert at(problems_of(formless), "handle_case") == []  # a deploy accepts it


def test_form_field_types_must_be_known() -> None:
    unknown = GOOD.replace('type="text"', 'type="colour"', 1)
    [(severity, message)] = at(problems_of(unknown), "handle_case")
    assert severity == "error" and "colour" in message
    assert at(problems_of(GOOD.replace('type="text"', 'type="string"', 1)), "handle_case") == []


@pytest.mark.parametrize(
    ("original", "generated"),
    [("handle_case", "Activity_0x1y2z3"), ("flow_to_end", "Flow_0k2j3h4"), ("end", "Event_1q2w3e4"),
     ("start", "StartEvent_1"), ("lint_probe", "Process_0abc123")],
)
def test_ids_generated_by_the_modeler_are_warned_about(original: str, generated: str) -> None:
    xml = GOOD.replace(f'"{original}"', f'"{generated}"').replace(f">{original}<", f">{generated}<")
    found = at(problems_of(xml), generated)
    assert [s for s, _ in found] == ["warning"], found
    assert "meaningful" in found[0][1]


def test_a_generated_gateway_id_is_warned_about() -> None:
    xml = _xsi(_with_gateway(default=' default="flow_no"', yes=CONDITION.format("note == 'ja'")))
    xml = xml.replace('"decide"', '"Gateway_1abc9de"')
    assert [s for s, _ in at(problems_of(xml), "Gateway_1abc9de")] == ["warning"]


def test_meaningful_ids_are_fine() -> None:
    assert not [p for p in problems_of(GOOD) if "meaningful" in p.message]
    camel_but_chosen = GOOD.replace('"handle_case"', '"Activity_review"').replace(">handle_case<", ">Activity_review<")
    assert not [p for p in problems_of(camel_but_chosen) if "meaningful" in p.message]


GATEWAY = """    <bpmn:exclusiveGateway id="decide" name="Weiter?"{default}>
      <bpmn:incoming>flow_to_decide</bpmn:incoming>
      <bpmn:outgoing>flow_yes</bpmn:outgoing>
      <bpmn:outgoing>flow_no</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="flow_to_decide" sourceRef="handle_case" targetRef="decide" />
    <bpmn:sequenceFlow id="flow_yes" sourceRef="decide" targetRef="end">{yes}</bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_no" sourceRef="decide" targetRef="end">{no}</bpmn:sequenceFlow>
"""


def _with_gateway(default: str = "", yes: str = "", no: str = "") -> str:
    xml = GOOD.replace('    <bpmn:sequenceFlow id="flow_to_end" sourceRef="handle_case" targetRef="end" />\n',
                       GATEWAY.format(default=default, yes=yes, no=no))
    xml = xml.replace("<bpmn:outgoing>flow_to_end</bpmn:outgoing>", "<bpmn:outgoing>flow_to_decide</bpmn:outgoing>")
    xml = xml.replace("<bpmn:incoming>flow_to_end</bpmn:incoming>",
                      "<bpmn:incoming>flow_yes</bpmn:incoming>\n      <bpmn:incoming>flow_no</bpmn:incoming>")
    return xml.replace('bpmnElement="flow_to_end"', 'bpmnElement="flow_yes"')


CONDITION = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{}</bpmn:conditionExpression>'


def _xsi(xml: str) -> str:
    return xml.replace('xmlns:camunda=', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n  xmlns:camunda=', 1)


def test_a_gateway_flow_without_condition_is_always_true_as_in_camunda() -> None:
    problems = problems_of(_xsi(_with_gateway(yes=CONDITION.format("note == 'ja'"))))
    assert [s for s, _ in at(problems, "flow_no")] == ["info"]
    assert [s for s, _ in at(problems, "decide")] == ["warning"]  # and no default flow


def test_a_gateway_with_a_default_flow_is_fine() -> None:
    problems = problems_of(_xsi(_with_gateway(default=' default="flow_no"', yes=CONDITION.format("note == 'ja'"))))
    assert at(problems, "flow_no") == [] and at(problems, "decide") == []
    assert [p for p in problems if p.severity == "error"] == []


def test_a_condition_that_does_not_compile_is_an_error() -> None:
    problems = problems_of(_xsi(_with_gateway(default=' default="flow_no"', yes=CONDITION.format("note ==== 'ja'"))))
    assert [s for s, _ in at(problems, "flow_yes")] == ["error"]


def test_a_timer_expression_must_compile() -> None:
    boundary = """    <bpmn:boundaryEvent id="handle_case_deadline" attachedToRef="handle_case">
      <bpmn:outgoing>flow_late</bpmn:outgoing>
      <bpmn:timerEventDefinition id="handle_case_deadline_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{}</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="late" name="Zu spät"><bpmn:incoming>flow_late</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_late" sourceRef="handle_case_deadline" targetRef="late" />
"""
    def model(expression: str) -> str:
        return _xsi(GOOD.replace("  </bpmn:process>", boundary.format(expression) + "  </bpmn:process>", 1))

    bad = problems_of(model('"P14D'))
    assert [s for s, _ in at(bad, "handle_case_deadline")] == ["error"]
    good = problems_of(model('"P14D"'))
    assert [p for p in good if p.severity == "error"] == []


def test_a_juel_condition_shows_the_python_that_will_run() -> None:
    juel = CONDITION.format("${note eq 'ja' &amp;&amp; !empty note}")
    problems = problems_of(_xsi(_with_gateway(default=' default="flow_no"', yes=juel)))
    assert at(problems, "flow_yes") == [
        ("info", "Bedingung: '${note eq 'ja' && !empty note}' läuft als Python "
                 "'(note == 'ja') and (not (note in (None, '', [], {})))'")]
