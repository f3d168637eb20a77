"""Issue 13 §§ 1–2 in a real browser: a TV member's Beirat ballot shows its own nominee and proposer in
German and nothing internal; an option application takes 12.500,50 and its Beschluss prints 12.500,50 €."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, screenshot
from tests.processes.conftest import ProcessDriver
from tests.processes.test_option_application import assessment, council, start_vars
from tests.processes.test_task_facts import NOMINATIONS

# what the issue found on ballots: raw names, dict reprs, other members' and nominees' data
INTERNALS = ("vote_item", "vote_items", "voter", "eligible_nominees", "nominations", "proposer_names",
             "{'", "tv_members", "submitted")
SABINE = "Abstimmung über die Berufung von Sabine Gewerk in den Beirat"


def test_a_tv_member_votes_on_one_nominee_seeing_only_that_nominee(page: Page, api: Any) -> None:
    cases = ProcessDriver(api)
    case = cases.start("tv.buero", "beirat_appointment",
                       {"appointing_body": "tv", "seats": 5, "nomination_deadline": "2026-12-31"},
                       business_key="BEIRAT-2026-7")
    for proposer, data in NOMINATIONS.items():
        cases.complete_as(proposer, case["id"], "submit_nomination", data)

    login(page, "tv.kom3")
    inbox = page.get_by_role("table")
    expect(inbox.get_by_role("link", name=SABINE)).to_be_visible()
    expect(inbox.get_by_role("link", name="Abstimmung über die Berufung von Dr. Klaus Kammer in den Beirat")).to_be_visible()
    inbox.get_by_role("link", name=SABINE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(SABINE)
    facts = page.get_by_role("region", name="Der Fall")
    expect(facts).to_contain_text("Vorgeschlagen von")
    expect(facts).to_contain_text("IHK Musterstadt")
    expect(facts).to_contain_text("Art der vorschlagenden Stelle")
    expect(facts).to_contain_text("Kammer")
    expect(facts).to_contain_text("31.12.2026")
    for other in ("Dr. Klaus Kammer", "Gerd Gewerkschaft", "Handwerkskammer", "Clara Caritas"):
        expect(facts).not_to_contain_text(other)
    work = page.get_by_role("region", name="Ihre Bearbeitung")
    expect(work).to_contain_text("Vorgeschlagene Person")
    expect(work).to_contain_text("Sabine Gewerk")
    expect(work.get_by_role("textbox")).to_have_count(0)  # context is text, not an input
    text = page.locator("main").inner_text()
    for internal in INTERNALS:
        assert internal not in text, internal
    assert "Dr. Klaus Kammer" not in text
    assert_accessible(page)
    screenshot(page, "task-ballot-facts")

    # the case page's step list names the steps, never their ids (gateway_nomination_join, ...)
    page.goto(f"/cases/{case['id']}")
    expect(page.locator("#case-diagram")).to_have_attribute("data-ready", "true")
    steps = page.locator("#case-diagram-elements")
    expect(steps).to_contain_text("Person für den Beirat vorschlagen")
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", steps.inner_text()), steps.inner_text()
    page.go_back()

    work.get_by_role("group", name=re.compile("Stimme")).get_by_label("Ja", exact=True).check()
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("status")).to_contain_text(f"Aufgabe erledigt: {SABINE}")
    expect(page.get_by_role("link", name=SABINE)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Dr. Klaus Kammer"))).to_be_visible()


def fill_dossier(page: Page) -> None:
    for group in ("besondere Einrichtung", "Übernahme von mindestens 90", "Zielvereinbarung", "Datenerhebung"):
        page.get_by_role("group", name=re.compile(group)).get_by_label("Ja", exact=True).check()
    page.get_by_label(re.compile("^Beschäftigte der BA")).fill("1.000")
    page.get_by_label(re.compile("^Davon verpflichtend")).fill("900")
    for concept in ("Organisation", "Einbindung der Beteiligten", "Steuerung und Controlling",
                    "Übergang der Aufgaben", "Vermittlung und Eingliederung"):
        page.get_by_label(re.compile(f"^Konzept: {concept}")).fill(f"Konzept {concept}")
    page.get_by_role("group", name=re.compile("Gemeinden anhören")).get_by_label("Nein", exact=True).check()


def test_an_option_application_takes_a_german_amount_and_its_beschluss_prints_it(page: Page, api: Any) -> None:
    cases = ProcessDriver(api)
    case = cases.start("option.team", "option_application", start_vars(), business_key="OPT-2010-77")
    login(page, "option.team")
    page.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    page.get_by_role("row").filter(has_text="OPT-2010-77").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antragsunterlagen zusammenstellen")
    fill_dossier(page)
    amount = page.get_by_label("Kosten einmalig: Räumlichkeiten (Euro)")
    amount.fill("12.50,0")  # grouping in the wrong place: refused with one clear message
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie eine Zahl ein, z. B. 12.500,50.")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).not_to_contain_text("Zahl erwartet")
    amount.fill("12.500,50")
    page.get_by_label("Kosten laufend, jährlich: Hardware (Euro)").fill("1.000")
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("status")).to_contain_text("Aufgabe erledigt")

    cases.complete_as("kreistag.buero", case["id"], "council_resolution", council())
    cases.complete_as("land.ministerium", case["id"], "land_assessment", assessment())
    cases.complete_as("bmas.referat", case["id"], "bmas_ordinance", {"admitted": True, "effective_date": "2012-01-01"})
    page.goto(f"/cases/{case['id']}")
    record = page.get_by_role("region", name="Entscheidung", exact=True)
    costs = record.get_by_role("table", name=re.compile("Kostenschätzung"))
    expect(costs.get_by_role("row", name=re.compile("Räumlichkeiten"))).to_contain_text("12.500,50 €")
    expect(costs.get_by_role("row", name=re.compile("Summe"))).to_contain_text("12.500,50 €")
    expect(costs.get_by_role("row", name=re.compile("Summe"))).to_contain_text("1.000,00 €")
    data = page.get_by_role("region", name="Falldaten")
    expect(data).to_contain_text("Einmalige Kosten insgesamt")
    expect(data).to_contain_text("12.500,50 €")
    assert_accessible(page)
    screenshot(page, "decision-costs-german", target=record)
