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


def test_camunda_feel_input_entries_and_tables_without_ids_run_as_camunda_reads_them(casework, actor) -> None:
    deploy_model(casework, "dinner_feel.bpmn", "dinner_feel.dmn")

    def beverages(season: str, guests: int, children: bool) -> list[str]:
        case = casework.runtime.start("dinnerFeel", actor=actor("mitarbeiterin"), variables={
            "season": season, "guestCount": guests, "guestsWithChildren": children})
        assert case.status == "completed", case.error_message
        assert "desiredDish" not in case.variables  # the required decision's output stays inside
        return list(case.variables["beverages"])

    assert beverages("Winter", 4, False) == ["Wasser"]  # "Fall","Winter" and [1..4]: Roastbeef
    assert beverages("Fall", 5, True) == ["Bier", "Apfelsaft", "Wasser"]  # ]4..8]: Spareribs; true
    assert beverages("Spring", 12, False) == ["Bier", "Wasser"]  # not("Summer") and > 8: Stew
    assert beverages("Summer", 9, False) == ["Wasser"]  # not("Fall","Winter") and (0..9) excludes 9
    assert beverages("Summer", 8, False) == ["Wasser"]  # Salat


def test_feel_unary_tests_translate_to_the_python_cells_they_mean() -> None:
    from casework.engine.feel_tests import python_cell

    assert python_cell('"Fall","Winter"') == '(? == ("Fall")) or (? == ("Winter"))'
    assert python_cell("[5..8]") == "(5 <= ? <= 8)" and python_cell("]5..8[") == "(5 < ? < 8)"
    assert python_cell('not("a, b", >= 3)') == 'not ((? == ("a, b")) or (? >= 3))'
    assert python_cell("true") == "(? == (True))"
    for unchanged in ('"Winter"', "<= 8", "-", "", '? in (None, "")', "not (? > 3)", "x + 1"):
        assert python_cell(unchanged) is None
