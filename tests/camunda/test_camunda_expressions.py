"""Camunda 7 expressions and gateways: JUEL translated at deploy and evaluated in the sandbox."""

from __future__ import annotations

import pytest

from casework.engine.juel import JuelError, translate_value
from tests.camunda.conftest import deploy_model, refused
from tests.factories import only_task


@pytest.mark.parametrize(
    ("juel", "python"),
    [
        ("${approved}", "approved"),
        ("#{approved}", "approved"),
        ("${!approved}", "not approved"),
        ("${not approved}", "not approved"),
        ("${a && b}", "a and b"),
        ("${a || b}", "a or b"),
        ("${a and b or c}", "(a and b) or c"),
        ("${x == true}", "x == True"),
        ("${x eq 'ja'}", "x == 'ja'"),
        ("${x ne null}", "x != None"),
        ("${n lt 1 or n gt 9}", "(n < 1) or (n > 9)"),
        ("${n le 1.5 && n ge -2}", "(n <= 1.5) and (n >= (-2))"),
        ("${empty comment}", "comment in (None, '', [], {})"),
        ("${order.customer.name}", "order['customer']['name']"),
        ('${x == "say \\"hi\\""}', "x == 'say \"hi\"'"),
        ("${a ? 'x' : 'y'}", "'x' if a else 'y'"),
        ("${items.size() > 0}", "len(items) > 0"),
        ("hr_${side}", "'hr_' + str(side)"),
        # Fallwerk's own Python inside ${...} stays Python
        ("${'hr_ba' if employer == 'ba' else 'hr_kommune'}", "'hr_ba' if employer == 'ba' else 'hr_kommune'"),
        ("${', '.join(names)}", "', '.join(names)"),
        ("${add_working_days(today(), 10, land)}", "add_working_days(today(), 10, land)"),
    ],
)
def test_juel_is_translated_into_python(juel: str, python: str) -> None:
    assert translate_value(juel) == python


@pytest.mark.parametrize(
    ("juel", "reason"),
    [
        ("${orderService.isValid(order)}", "Java-Bean"),
        ("${execution.getVariable('x')}", "Java"),
        ("${a &&}", "unerwartet"),
        ("${x instanceof y}", "Java"),
    ],
)
def test_untranslatable_expressions_are_refused_with_the_reason(juel: str, reason: str) -> None:
    with pytest.raises(JuelError, match=reason):
        translate_value(juel)


def test_juel_conditions_run_on_an_inclusive_gateway(casework, actor) -> None:
    (info, _), = deploy_model(casework, "juel_conditions.bpmn")
    notes = {w["element_id"]: w["message"] for w in info.warnings if w["severity"] == "info"}
    assert notes["f_property"] == "Bedingung: '${order.customer.country eq 'DE'}' läuft als Python " \
                                  "'order['customer']['country'] == 'DE''"
    variables = {"approved": True, "amount": 250, "rejected": False, "comment": "", "items": [1],
                 "order": {"customer": {"country": "DE"}}}
    case = casework.runtime.start("juelConditions", actor=actor("mitarbeiterin"), variables=variables)
    assert case.status == "completed", case.error_message
    hits = {k for k, v in case.variables.items() if k.startswith("hit_") and v}
    assert hits == {"hit_eq_true", "hit_words", "hit_empty", "hit_not_empty", "hit_property"}


def test_juel_conditions_that_do_not_hold_are_not_taken(casework, actor) -> None:
    deploy_model(casework, "juel_conditions.bpmn")
    variables = {"approved": False, "amount": 5, "rejected": False, "comment": "x", "items": [],
                 "order": {"customer": {"country": "DE"}}}
    variables["order"]["customer"]["country"] = "AT"
    case = casework.runtime.start("juelConditions", actor=actor("mitarbeiterin"), variables=variables)
    hits = {k for k, v in case.variables.items() if k.startswith("hit_") and v}
    assert (case.status, hits) == ("completed", {"hit_ne"})


def test_loan_approval_runs_with_initiator_and_a_flow_without_condition(casework, actor) -> None:
    deploy_model(casework, "loan_approval.bpmn")
    clerk, gf = actor("mitarbeiterin"), actor("gf")
    # large and approved: the confirmation goes to the starter (camunda:initiator, ${initiator})
    case = casework.runtime.start("loanApproval", actor=clerk, variables={"amount": 5000, "customer": "Muster"})
    assert case.variables["initiator"] == "mitarbeiterin"
    review = only_task(case, "reviewLoan")
    after = casework.tasks.complete(review.id, actor=gf, data={"approved": True})
    confirm = only_task(after, "confirmLarge")
    assert confirm.assignee == "mitarbeiterin"
    # rejected: #{!approved}
    case = casework.runtime.start("loanApproval", actor=clerk, variables={"amount": 10, "customer": "Muster"})
    review = only_task(case, "reviewLoan")
    assert casework.tasks.complete(review.id, actor=gf, data={"approved": False}).outcome == "rejected"
    # small and approved: the flow without condition, always true, comes last
    case = casework.runtime.start("loanApproval", actor=clerk, variables={"amount": 10, "customer": "Muster"})
    review = only_task(case, "reviewLoan")
    done = casework.tasks.complete(review.id, actor=gf, data={"approved": True})
    assert (done.status, done.outcome) == ("completed", "approved")


def test_what_cannot_run_is_refused_at_deploy_naming_each_element(casework) -> None:
    problems = {p.element_id: p.message for p in refused(casework, "java_delegates.bpmn")}
    assert "org.camunda.bpm.example.LoggerDelegate" in problems["callClass"]
    assert "Java-Code" in problems["callDelegate"] and "Java-Code" in problems["callExpression"]
    assert "ohne Implementierung" in problems["callNothing"]
    assert "camunda:inputOutput" in problems["mapped"]
    assert "orderService.isValid(...)" in problems["toBean"]
    assert "ist Text, kein Ausdruck" in problems["toText"]
    assert "Kompensation wird nicht unterstützt" in problems["undo"]
    for message in problems.values():  # no Python reprs or bare exception texts
        assert "Error:" not in message and "<" not in message


def test_every_decision_of_a_dmn_file_with_several_is_registered(casework, actor) -> None:
    deploy_model(casework, "dinner.bpmn", "two_decisions.dmn")
    case = casework.runtime.start("dinner", actor=actor("mitarbeiterin"), variables={"season": "Winter"})
    assert (case.status, case.variables["dish"], case.variables["beverage"]) == ("completed", "Eintopf", "Bier")
