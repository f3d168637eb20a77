"""The decision record on the case page: readable German, per process, printable (DOMAIN.md §4)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask

from casework import Casework
from tests.factories import deploy_fixture
from tests.processes.conftest import ProcessDriver
from tests.processes.test_beirat_appointment import NOMINATIONS, TV_MEMBERS
from tests.processes.test_beirat_appointment import start as start_beirat
from tests.processes.test_option_application import (
    assessment,
    council,
    dossier,
    run_checks,
    run_to_land,
    start_vars,
)


def record_of(browser: Any, username: str, case_id: str) -> str:
    """The text of the decision record section, tags stripped and whitespace collapsed."""
    page = browser(username).get(f"/cases/{case_id}")
    assert page.status_code == 200
    match = re.search(r'<section aria-labelledby="decision-title".*?</section>', page.text, re.S)
    assert match, "no decision record section"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def test_admitted_record_in_german(cases: ProcessDriver, browser: Any) -> None:
    assessed = run_to_land(cases, assessment())
    cases.complete_as("bmas.referat", assessed["id"], "bmas_ordinance", {"admitted": True, "effective_date": "2012-01-01"})
    text = record_of(browser, "option.team", assessed["id"])
    assert "Entscheidung" in text
    assert "Antrag von Kreis Musterkreis auf Zulassung als zugelassener kommunaler Träger (§ 6a SGB II)" in text
    assert "Durch Rechtsverordnung des BMAS mit Wirkung vom 01.01.2012 zugelassen." in text
    assert "Eingang beim Land am 30.11.2010" in text
    assert "zwei Drittel der gesetzlichen Mitglieder: mindestens 41 Ja-Stimmen" in text
    assert "Erforderlich (90 %, aufgerundet) 900" in text
    # the cost table with its totals, in German number format
    assert "Summe 245.000,50 € 15.500,25 €" in text
    assert "Summe (Mindestwert 30) 40" in text


def test_quorum_failed_record(cases: ProcessDriver, browser: Any) -> None:
    final = run_checks(cases, council_data=council(yes_votes=40, no_votes=15, abstentions=6))
    text = record_of(browser, "option.team", final["id"])
    assert "Unzulässig: Der Beschluss der Vertretungskörperschaft hat die erforderliche Mehrheit nicht erreicht." in text
    assert "Ja / Nein / Enthaltungen 40 / 15 / 6" in text
    assert "Mehrheit erreicht Nein" in text
    # later stages never reached are not part of the record
    assert "Bewertung durch das Land" not in text and "Rechtsverordnung" not in text


def test_simple_majority_record_after_the_rule_change(cases: ProcessDriver, browser: Any) -> None:
    final = run_checks(cases, start=start_vars(received_date="2015-07-01"),
                       council_data=council(resolution_date="2014-10-07", yes_votes=20, no_votes=30, abstentions=5))
    assert final["outcome"] == "quorum_failed"
    text = record_of(browser, "option.team", final["id"])
    assert "Erforderliche Mehrheit Mehrheit der abgegebenen Stimmen" in text and "zwei Drittel" not in text


def test_staff_record_and_missing_statement(cases: ProcessDriver, browser: Any) -> None:
    case = cases.start("option.team", "option_application", start_vars())
    cases.complete_as("option.team", case["id"], "prepare_dossier",
                      dossier(consult_gemeinden=True, statement_deadline="2026-12-23", committed_staff=899))
    cases.complete_as("gemeinde.musterdorf", case["id"], "gemeinde_statement",
                      {"statement": "Zustimmung <b>ohne</b> Vorbehalt"})
    cases.complete_as("option.team", case["id"], "close_consultation", {})
    cases.complete_as("kreistag.buero", case["id"], "council_resolution", council())
    page = browser("option.team").get(f"/cases/{case['id']}")
    assert "<b>ohne</b>" not in page.text  # statements are text, never markup
    text = record_of(browser, "option.team", case["id"])
    assert "Unzulässig: Weniger als 90 % der berechtigten Beschäftigten der BA werden übernommen." in text
    assert "Stadt Beispielstadt: keine Stellungnahme" in text
    assert "Gemeinde Musterdorf: Zustimmung <b>ohne</b> Vorbehalt" in text


def test_land_records(cases: ProcessDriver, browser: Any) -> None:
    refused = run_to_land(cases, assessment(consent=False))
    assert "Das Land hat der Zulassung nicht zugestimmt." in record_of(browser, "option.team", refused["id"])


def test_running_case_is_not_yet_decided(cases: ProcessDriver, browser: Any) -> None:
    case = cases.start("option.team", "option_application", start_vars())
    text = record_of(browser, "option.team", case["id"])
    assert "Noch nicht entschieden" in text


def test_beirat_record(cases: ProcessDriver, browser: Any) -> None:
    case = start_beirat(cases)
    for proposer, data in NOMINATIONS.items():
        cases.complete_as(proposer, case["id"], "submit_nomination", data)
    for member in TV_MEMBERS:
        for task in cases.tasks(member, case["id"], "tv_vote"):
            cases.client(member).post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"vote": "yes"}})
    text = record_of(browser, "tv.buero", case["id"])
    assert "Die Trägerversammlung beruft folgende Personen in den örtlichen Beirat:" in text
    assert "Gerd Gewerkschaft (Vertretung der Arbeitnehmer) – vorgeschlagen von DGB Region Musterkreis" in text
    assert "Ingrid Kammer (Kammer)" in text
    assert "Nicht berufen" in text and "Clara Caritas" in text and "§ 18d Satz 4 SGB II" in text
    assert "Abstimmungen der Trägerversammlung" in text


def test_zkt_beirat_record(cases: ProcessDriver, browser: Any) -> None:
    case = start_beirat(cases, body="zkt")
    cases.complete_as("dgb", case["id"], "submit_nomination", NOMINATIONS["dgb"])
    cases.complete_as("option.team", case["id"], "close_nominations", {})
    cases.complete_as("option.team", case["id"], "zkt_appointment", {"appointment_date": "2027-02-01"})
    text = record_of(browser, "option.team", case["id"])
    assert "Der zugelassene kommunale Träger beruft folgende Personen" in text
    assert "Berufen am 01.02.2027" in text
    assert "Kein Vorschlag von: Caritasverband Musterkreis, Handwerkskammer Musterstadt, IHK Musterstadt" in text


def test_assignment_termination_records(api: Any, browser: Any) -> None:
    employee, gf = api("mitarbeiterin"), api("gf")
    case = employee.post("/api/v1/process-instances", json={
        "process_key": "assignment_termination",
        "variables": {"initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
                      "reason": "Pflege eines Angehörigen", "requested_end_date": "2027-01-31"}}).json
    task = gf.get(f"/api/v1/tasks?scope=candidate&process_instance_id={case['id']}").json["items"][0]
    gf.post(f"/api/v1/tasks/{task['id']}/complete",
            json={"data": {"decision": "objection", "objection_reason": "Personalengpass"}})
    text = record_of(browser, "mitarbeiterin", case["id"])
    assert "Beendigung der Zuweisung von Erika Beispiel (§ 44g Abs. 5 SGB II)" in text
    assert "Die Geschäftsführung hat widersprochen: Die Zuweisung besteht fort." in text
    assert "Zwingender dienstlicher Grund Personalengpass" in text

    hr = api("personal.kommune")
    notice = hr.post("/api/v1/process-instances", json={
        "process_key": "assignment_termination",
        "variables": {"initiator": "traeger", "employee_name": "Max Muster", "employer": "kommune",
                      "reason": "Umorganisation", "notice_date": "2025-11-30"}}).json
    record = hr.get(f"/api/v1/tasks?scope=all&process_instance_id={notice['id']}").json["items"][0]
    hr.post(f"/api/v1/tasks/{record['id']}/complete", json={"data": {}})
    text = record_of(browser, "personal.kommune", notice["id"])
    assert "Die Zuweisung zur gemeinsamen Einrichtung endet am 28.02.2026." in text
    assert "Mitteilung erfolgte am 30.11.2025" in text


def test_generic_record_for_other_processes(app: Flask, api: Any, browser: Any) -> None:
    with app.app_context():  # not the casework fixture: its app context would outlive into the requests
        casework: Casework = app.extensions["casework"]
        deploy_fixture(casework, "api_simple.bpmn")
    employee, member = api("mitarbeiterin"), api("tv.ba2")
    case = employee.post("/api/v1/process-instances",
                         json={"process_key": "api_simple", "business_key": "N-1", "variables": {"note": "x"}}).json
    task = member.get(f"/api/v1/tasks?scope=candidate&process_instance_id={case['id']}").json["items"][0]
    member.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}})
    text = record_of(browser, "mitarbeiterin", case["id"])
    assert "API-Test: Notiz" in text and "Ergebnis: –" in text and "Aktenzeichen N-1" in text
    assert "Die Einzelheiten der Entscheidung stehen in den Falldaten unten." in text


def test_record_in_english_by_browser_setting(cases: ProcessDriver, browser: Any) -> None:
    final = run_checks(cases, start=start_vars(received_date="2011-01-01"))
    page = browser("option.team").get(f"/cases/{final['id']}", headers={"Accept-Language": "en"})
    assert "Decision record" in page.text
    assert "Not admissible: the application was not received within an application period" in page.text


def test_print_styles_show_only_the_record() -> None:
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "webapp/static/fallwerk.css").read_text(encoding="utf-8")
    print_blocks = re.findall(r"@media print \{(.*?)\n\}", css, re.S)
    assert any(".decision-record ~ .section" in block and "display: none" in block for block in print_blocks)


def test_every_decision_record_text_has_a_german_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    translated: dict[str, str] = {}
    for po in sorted((root / "webapp/translations/de/LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            translated.update({m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy})
    mapping = [("webapp/templates/cases/decisions/*.html", "jinja2"), ("webapp/templates/cases/show.html", "jinja2")]
    found = [m for _f, _line, m, _c, _ctx in extract_from_dir(str(root), method_map=mapping, keywords={"_": None})]
    assert len(found) > 100
    from webapp.i18n import VARIABLE_LABELS

    computed = ("once_total", "required_staff", "council_result", "appointed_members", "rejected_nominees")
    found += [VARIABLE_LABELS[name]._args[0] for name in computed]
    assert [m for m in found if not translated.get(m)] == []
