"""tv_chair in a real browser as the demo users (DOMAIN.md §4.6): the TV office starts the election (a
six-year term refused with § 44c Abs. 1 Satz 5), a TV member votes, the tie sends the task to the
Agentur's Träger, who names a BA member (a Kommune member refused with § 44c Abs. 1 Satz 6), and the
case page shows the Beschluss and the committee page the new chair."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import CASE_PATH, assert_accessible, login, screenshot
from tests.processes.conftest import ProcessDriver

# the journey writes a chair into the demo TV
pytestmark = pytest.mark.usefixtures("committees_restored")

TITLE = "Wahl von TV-Mitglied Kommune 2 (tv.kom2) zum Vorsitz: Trägerversammlung Jobcenter Musterkreis"
ROTATION = "Vorsitz im Wechsel bestimmen: Trägerversammlung Jobcenter Musterkreis"


def _start_as_office(page: Page) -> str:
    login(page, "tv.buero")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neuer Fall").click()
    page.get_by_role("link", name=re.compile("Vorsitz der Trägerversammlung")).click()
    page.get_by_label("Aktenzeichen").fill("VS-2026-1")
    page.get_by_role("group", name=re.compile("Gremium")).get_by_label("Trägerversammlung des Jobcenters").check()
    page.get_by_label("Beginn der Amtszeit").fill("2026-01-01")
    page.get_by_label(re.compile("Kandidatin / Kandidat")).fill("tv.kom2")
    years = page.get_by_label(re.compile("Amtszeit in Jahren"))
    years.fill("6")
    page.get_by_role("button", name="Fall starten").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(page.locator("main")).to_contain_text("höchstens fünf Jahre gewählt (§ 44c Abs. 1 Satz 5 SGB II)")
    expect(years).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    years.fill("5")
    page.get_by_role("button", name="Fall starten").click()
    expect(page).to_have_url(CASE_PATH)
    match = CASE_PATH.search(page.url)
    assert match
    return match.group(1)


def test_tv_chair_tie_goes_to_the_agentur_which_names_the_chair(page: Page, new_page: Any, api: Any) -> None:
    first_chair = re.compile("ersten Vorsitz der Trägerversammlung bestimmt")
    case_id = _start_as_office(page)
    # gf_appointment's start form takes first_chair_by_ba from the TV's data: not yet
    page.goto("/cases/new/gf_appointment")
    expect(page.get_by_label(first_chair)).not_to_be_checked()
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("region", name="Falldaten")).to_contain_text("Trägerversammlung Jobcenter Musterkreis")

    member = new_page()
    login(member, "tv.kom3")
    member.get_by_role("table").get_by_role("link", name=TITLE).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    work = member.get_by_role("region", name="Ihre Bearbeitung")
    expect(work).to_contain_text("TV-Mitglied Kommune 2 (tv.kom2)")
    assert "voters" not in member.locator("main").inner_text()
    assert_accessible(member)
    work.get_by_role("group", name=re.compile("Stimme")).get_by_label("Nein", exact=True).check()
    member.get_by_role("button", name="Aufgabe erledigen").click()
    expect(member.get_by_role("status")).to_contain_text("Aufgabe erledigt")

    cases = ProcessDriver(api)
    for username, choice in (("tv.ba1", "yes"), ("tv.ba2", "yes"), ("tv.ba3", "yes"), ("tv.kom1", "no"),
                             ("tv.kom2", "no")):
        cases.complete_as(username, case_id, "tv_vote", {"vote": choice})

    traeger = new_page()
    login(traeger, "traeger.ba")
    traeger.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    traeger.get_by_role("row").filter(has_text="VS-2026-1").get_by_role("link", name=ROTATION).click()
    expect(traeger.get_by_role("heading", level=1)).to_have_text(ROTATION)
    work = traeger.get_by_role("region", name="Ihre Bearbeitung")
    expect(work).to_contain_text("TV-Mitglied BA 2 (tv.ba2)")
    expect(work).to_contain_text("31.12.2027")
    chair = traeger.get_by_label(re.compile("Bestimmter Vorsitz"))
    chair.fill("tv.kom1")
    traeger.get_by_role("button", name="Aufgabe erledigen").click()
    expect(traeger.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(traeger.locator("main")).to_contain_text("§ 44c Abs. 1 Satz 6 SGB II")
    expect(chair).to_have_attribute("aria-invalid", "true")
    assert_accessible(traeger)
    screenshot(traeger, "tv-chair-rotation-task")
    chair.fill("tv.ba2")
    traeger.get_by_role("button", name="Aufgabe erledigen").click()
    expect(traeger.get_by_role("status")).to_contain_text("Aufgabe erledigt")

    page.goto(f"/cases/{case_id}")
    record = page.get_by_role("region", name="Entscheidung", exact=True)
    expect(record).to_contain_text("Es wurde niemand gewählt: die Vertreterinnen und Vertreter der Agentur für "
                                   "Arbeit bestimmen im Wechsel TV-Mitglied BA 2 (tv.ba2)")
    expect(record).to_contain_text("31.12.2027")
    expect(record.get_by_role("table", name=re.compile("Wahl"))).to_contain_text("Stimmengleichheit")
    data = page.get_by_role("region", name="Falldaten")
    expect(data).to_contain_text("Im Wechsel bestimmt durch")
    expect(data).to_contain_text("Agentur für Arbeit")
    expect(page.get_by_role("region", name="Verlauf")).to_contain_text("Gremiendaten geändert")
    assert_accessible(page)
    screenshot(page, "tv-chair-case", full_page=False)

    admin = new_page()
    login(admin, "admin")
    admin.goto("/admin/committees")
    row = admin.get_by_role("row").filter(has_text="Trägerversammlung Jobcenter Musterkreis")
    expect(row).to_contain_text("tv.ba2")
    row.get_by_role("link", name="Trägerversammlung Jobcenter Musterkreis").click()
    summary = admin.locator(".summary-list").first
    expect(summary).to_contain_text("Wechsel")
    expect(summary).to_contain_text("seit 01.01.2026")
    expect(summary).to_contain_text("Erster Vorsitz im Wechsel von der Agentur für Arbeit bestimmt")
    expect(summary.locator(".summary-list__row").filter(has_text="Erster Vorsitz")).to_contain_text("Ja")
    assert_accessible(admin)
    admin.goto("/admin/committees")
    admin.get_by_role("link", name="Kooperationsausschuss Nordrhein-Westfalen").click()
    expect(admin.get_by_role("region", name="Wechsel im Vorsitz")).to_contain_text("zuerst das BMAS")
    assert_accessible(admin)

    # the Agentur named the first chair: gf_appointment's start form now says so (the Kommune appoints first)
    page.goto("/cases/new/gf_appointment")
    expect(page.get_by_label(first_chair)).to_be_checked()
