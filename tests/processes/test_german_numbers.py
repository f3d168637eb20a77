"""German numbers in and out (issue 13 §2): the HTML forms read the page's notation with Babel, the
task, the case's facts and the Beschluss print it back; the API keeps JSON numbers."""

from __future__ import annotations

from typing import Any

from tests.processes.conftest import ProcessDriver
from tests.processes.test_option_application import assessment, council, dossier, start_vars
from tests.processes.test_task_facts import section_text

BOOLEANS = ("commit_besondere_einrichtung", "commit_staff", "commit_zielvereinbarung", "commit_data_standard")


def html_dossier(**amounts: str) -> dict[str, Any]:
    """The dossier as the browser posts it: booleans as radio values, amounts as typed."""
    data = {k: v for k, v in dossier().items() if not k.startswith(("once_", "running_"))}
    form = {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in data.items()}
    return {**form, **amounts}


def dossier_task(cases: ProcessDriver, key: str) -> tuple[str, str]:
    case = cases.start("option.team", "option_application", start_vars(), business_key=key)
    return case["id"], cases.task("option.team", case["id"], "prepare_dossier")["id"]


def test_an_amount_typed_the_german_way_is_stored_and_printed_the_german_way(
    cases: ProcessDriver, browser: Any
) -> None:
    case_id, task_id = dossier_task(cases, "OPT-DE-1")
    team = browser("option.team")
    form_page = team.get(f"/tasks/{task_id}").text
    assert 'inputmode="decimal"' in form_page and '<span class="input-unit">€</span>' in form_page
    done = team.submit(f"/tasks/{task_id}", html_dossier(once_property="12.500,50", running_hardware="1.000"))
    assert done.status_code == 302, section_text(done.text, "work-title")[:1500]
    variables = cases.case("option.team", case_id)["variables"]
    assert variables["once_property"] == 12500.5 and variables["running_hardware"] == 1000.0
    assert variables["once_total"] == 12500.5  # the API's data stay JSON numbers

    # the case's facts and the next task print it back
    data = section_text(team.get(f"/cases/{case_id}").text, "data-title")
    assert "Einmalige Kosten insgesamt 12.500,50 €" in data and "Laufende Kosten insgesamt, jährlich 1.000,00 €" in data
    cases.complete_as("kreistag.buero", case_id, "council_resolution", council())
    land_task = cases.task("land.ministerium", case_id, "land_assessment")
    assert land_task["title"] == "Eignung prüfen und Zustimmung des Landes: Antrag von Kreis Musterkreis"
    work = section_text(browser("land.ministerium").get(f"/tasks/{land_task['id']}").text, "work-title")
    assert "Einmalige Kosten insgesamt (Euro) 12.500,50 €" in work

    # and the Beschluss
    cases.complete_as("land.ministerium", case_id, "land_assessment", assessment())
    cases.complete_as("bmas.referat", case_id, "bmas_ordinance", {"admitted": True, "effective_date": "2012-01-01"})
    record = section_text(team.get(f"/cases/{case_id}").text, "decision-title")
    assert "Räumlichkeiten 12.500,50 € –" in record
    assert "Summe 12.500,50 € 1.000,00 €" in record


def test_an_english_page_reads_the_english_notation(cases: ProcessDriver, browser: Any) -> None:
    case_id, task_id = dossier_task(cases, "OPT-EN-1")
    team = browser("option.team")
    english = {"headers": {"Accept-Language": "en"}}
    done = team.submit(f"/tasks/{task_id}", html_dossier(once_property="12,500.50"), **english)
    assert done.status_code == 302
    assert cases.case("option.team", case_id)["variables"]["once_property"] == 12500.5
    data = section_text(team.get(f"/cases/{case_id}", **english).text, "data-title")
    assert "€12,500.50" in data


def test_a_wrongly_grouped_amount_gets_one_clear_message(cases: ProcessDriver, browser: Any) -> None:
    _case_id, task_id = dossier_task(cases, "OPT-DE-2")
    refused = browser("option.team").submit(f"/tasks/{task_id}", html_dossier(once_property="12.50,0"))
    assert refused.status_code == 422
    work = section_text(refused.text, "work-title")
    # one message, in the summary and at the field
    assert work.count("Bitte geben Sie eine Zahl ein, z. B. 12.500,50.") == 2
    assert "Zahl erwartet" not in work  # no second, contradicting message from the service


def test_the_api_keeps_json_numbers_and_refuses_grouped_strings(cases: ProcessDriver) -> None:
    case = cases.start("option.team", "option_application", start_vars(), business_key="OPT-API-1")
    refused = cases.submit("option.team", case["id"], "prepare_dossier", dossier(once_property="12.500,50"))
    assert refused.status_code == 422
    assert refused.json["details"]["fields"]["once_property"] == (
        "Zahl erwartet: eine JSON-Zahl oder Text ohne Tausenderpunkte wie 12500.50.")
    after = cases.complete_as("option.team", case["id"], "prepare_dossier", dossier(once_property="12500.50"))
    assert after["variables"]["once_property"] == 12500.5
