"""Task pages show the case's facts the designer labelled, in German, never internals (issue 13 §1).

The Beirat ballot is the hard case: one multi-instance task per TV member and nominee, whose own
item (``vote_item``) must be the one shown, never another member's or another nominee's.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.processes.conftest import ProcessDriver
from tests.processes.test_beirat_appointment import TV_MEMBERS
from tests.processes.test_beirat_appointment import start as start_beirat

NOMINATIONS = {
    "ihk": {"nominee_name": "Sabine Gewerk", "proposer_type": "kammer", "offers_eingliederungsleistungen": False},
    "handwerk": {"nominee_name": "Dr. Klaus Kammer", "proposer_type": "berufsstand",
                 "offers_eingliederungsleistungen": False},
    "dgb": {"nominee_name": "Gerd Gewerkschaft", "proposer_type": "arbeitnehmer",
            "offers_eingliederungsleistungen": False},
    "caritas": {"nominee_name": "Clara Caritas", "proposer_type": "wohlfahrtspflege",
                "offers_eingliederungsleistungen": True},
}
# internal names the ballot page must never show (issue 13's list)
INTERNALS = ("vote_item", "vote_items", "voter", "nominations", "eligible_nominees", "proposer_names",
             "tv_members", "submitted", "{'", "index")


def section_text(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def to_ballots(cases: ProcessDriver) -> dict[str, Any]:
    case = start_beirat(cases)
    for proposer, data in NOMINATIONS.items():
        cases.complete_as(proposer, case["id"], "submit_nomination", data)
    return case


def test_ballot_titles_name_the_nominee_in_inbox_and_api(cases: ProcessDriver, browser: Any) -> None:
    case = to_ballots(cases)
    ballots = cases.tasks("tv.kom3", case["id"], "tv_vote")
    assert sorted(t["title"] for t in ballots) == [
        "Abstimmung über die Berufung von Dr. Klaus Kammer in den Beirat",
        "Abstimmung über die Berufung von Gerd Gewerkschaft in den Beirat",
        "Abstimmung über die Berufung von Sabine Gewerk in den Beirat",
    ]
    detail = cases.client("tv.kom3").get(f"/api/v1/tasks/{ballots[0]['id']}").json
    assert detail["title"] == ballots[0]["title"] and detail["name"] == "tv_vote"
    inbox = browser("tv.kom3").get("/").text
    assert "Abstimmung über die Berufung von Sabine Gewerk in den Beirat" in unescape(inbox)


def test_the_api_gives_a_ballot_its_own_facts_formatted(cases: ProcessDriver) -> None:
    case = to_ballots(cases)
    (ballot,) = [t for t in cases.tasks("tv.kom3", case["id"], "tv_vote") if "Sabine Gewerk" in t["title"]]
    detail = cases.client("tv.kom3").get(f"/api/v1/tasks/{ballot['id']}").json
    assert detail["facts"] == [
        {"label": "Es beruft", "text": "Trägerversammlung der gemeinsamen Einrichtung"},
        {"label": "Sitze im Beirat", "text": "5"},
        {"label": "Frist für Vorschläge", "text": "31.12.2026"},
        {"label": "Vorgeschlagen von", "text": "IHK Musterstadt"},
        {"label": "Art der vorschlagenden Stelle", "text": "Kammer"},
    ]
    member = cases.client("tv.kom3")
    english = member.client.get(f"/api/v1/tasks/{ballot['id']}", headers={**member.headers, "Accept-Language": "en"}).json
    assert {"label": "Frist für Vorschläge", "text": "31 Dec 2026"} in english["facts"]


def test_ballot_page_shows_its_own_nominee_and_proposer_only(cases: ProcessDriver, browser: Any) -> None:
    case = to_ballots(cases)
    # other members vote first, so the case's last vote_item belongs to someone else
    for member in TV_MEMBERS[:5]:
        for task in cases.tasks(member, case["id"], "tv_vote"):
            assert cases.client(member).post(f"/api/v1/tasks/{task['id']}/complete",
                                             json={"data": {"vote": "yes"}}).status_code == 200
    (ballot,) = [t for t in cases.tasks("tv.kom3", case["id"], "tv_vote") if "Sabine Gewerk" in t["title"]]
    page = browser("tv.kom3").get(f"/tasks/{ballot['id']}")
    assert page.status_code == 200
    facts = section_text(page.text, "case-title")
    assert "Vorgeschlagen von IHK Musterstadt" in facts
    assert "Art der vorschlagenden Stelle Kammer" in facts
    assert "Frist für Vorschläge 31.12.2026" in facts and "Sitze im Beirat 5" in facts
    assert "Es beruft Trägerversammlung der gemeinsamen Einrichtung" in facts
    for other in ("Dr. Klaus Kammer", "Gerd Gewerkschaft", "Handwerkskammer", "tv.kom3", "tv.ba1"):
        assert other not in facts, other
    work = section_text(page.text, "work-title")
    assert "Vorgeschlagene Person Sabine Gewerk" in work
    assert "Dr. Klaus Kammer" not in work
    whole = " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    for internal in INTERNALS:
        assert internal not in whole.replace("Abstimmung", ""), internal
    # the nominee is context, shown as text: no input carries it
    assert 'value="Sabine Gewerk"' not in page.text


def test_case_page_lists_nominations_as_a_table_with_headings(cases: ProcessDriver, browser: Any) -> None:
    case = to_ballots(cases)
    html = browser("tv.buero").get(f"/cases/{case['id']}").text
    data = section_text(html, "data-title")
    assert "Vorgeschlagene Person Vorgeschlagen von Art der vorschlagenden Stelle Berufbar" in data
    assert "Sabine Gewerk IHK Musterstadt Kammer Ja" in data
    assert "Clara Caritas Caritasverband Musterkreis Träger der freien Wohlfahrtspflege Nein" in data
    assert "{'" not in data and "submitted" not in data and "proposer_names" not in data


def test_assignment_termination_task_names_the_employee(cases: ProcessDriver, browser: Any) -> None:
    case = cases.start("mitarbeiterin", "assignment_termination", {
        "initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
        "reason": "Pflege eines Angehörigen", "requested_end_date": "2027-01-31"}, business_key="ZW-FACTS-1")
    (task,) = case["open_tasks"]
    assert task["title"] == "Antrag prüfen (Widerspruch des Geschäftsführers): Beendigung der Zuweisung von Erika Beispiel"
    facts = section_text(browser("gf").get(f"/tasks/{task['id']}").text, "case-title")
    assert facts == ("Der Fall Beschäftigte/r Erika Beispiel Dienstherr/Arbeitgeber Bundesagentur für Arbeit "
                     "Beantragt von Beschäftigte/r (eigener Antrag) Wichtiger Grund Pflege eines Angehörigen "
                     "Gewünschtes Ende der Zuweisung 31.01.2027 Fallseite öffnen")
