"""DMN decision requirements (issue 16): a business rule task naming the top decision of a
requirements graph gets the required decisions evaluated first; what cannot be ordered is refused."""

from __future__ import annotations

from tests.camunda.conftest import deploy_model, model_bytes, refused


def test_required_decisions_are_evaluated_first_and_only_the_top_result_is_kept(casework, actor) -> None:
    deploy_model(casework, "menu.bpmn", "menu_requirements.dmn")
    winter = casework.runtime.start("menu", actor=actor("mitarbeiterin"), variables={"season": "Winter"})
    assert (winter.status, winter.variables["menu"]) == ("completed", "Eintopf mit Bier")
    # as in Camunda, the task's result is the top decision's; the required ones stay inside
    assert "dish" not in winter.variables and "beverage" not in winter.variables
    summer = casework.runtime.start("menu", actor=actor("mitarbeiterin"), variables={"season": "Sommer"})
    assert summer.variables["menu"] == "Salat mit Wasser"


def test_a_required_decision_of_the_graph_can_be_used_on_its_own(casework, actor) -> None:
    own = model_bytes("menu.bpmn").replace(b'decisionRef="menu"', b'decisionRef="menuBeverage"')
    casework.repository.deploy({"menu.bpmn": own, "menu_requirements.dmn": model_bytes("menu_requirements.dmn")},
                               actor=None)
    case = casework.runtime.start("menu", actor=actor("mitarbeiterin"), variables={"season": "Winter"})
    assert (case.status, case.variables["beverage"]) == ("completed", "Bier")


def test_a_cycle_or_a_missing_required_decision_is_refused_naming_the_decision(casework) -> None:
    problems = refused(casework, "menu.bpmn", "menu_requirements_broken.dmn")
    messages = [(p.element_id, p.message) for p in problems]
    assert ("menu", "decision 'menu' requires decision 'drinks', which is not in this file") in messages
    assert ("menuDish", "decision 'menuDish' requires itself (menuDish -> menu -> menuDish): the decisions "
            "cannot be evaluated in any order") in messages
