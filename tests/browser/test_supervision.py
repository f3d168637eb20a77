"""supervision (§ 47 Abs. 3 SGB II) in a real browser, as the demo users bmas.referat, land.ministerium
and ka.buero: Fachaufsicht refused at the start, the Land withholds its Einvernehmen, the KA advises
against, the BMAS deviates only once it gives a wichtiger Grund, and the case is completed at that decision:
the KA's office, informed by mail, reads the decision record with the path taken. Every page is axe-checked."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.support import CASE_PATH, assert_accessible, login, screenshot

SUBJECT = "Kosten der Unterkunft: Angemessenheitsgrenzen"
TITLE_END = f"{SUBJECT} (Jobcenter Musterkreis)"


def open_group_task(page: Page, title: str) -> None:
    page.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    page.get_by_role("row").filter(has_text="RA-2026-42").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def finish(page: Page, title: str) -> None:
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("status")).to_contain_text(f"Aufgabe erledigt: {title}")


def start_supervision(page: Page) -> str:
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neuer Fall").click()
    page.get_by_role("link", name=re.compile("Rechtsaufsicht über eine gemeinsame Einrichtung")).click()
    page.get_by_label("Aktenzeichen").fill("RA-2026-42")
    page.get_by_label("Gemeinsame Einrichtung (Jobcenter)").fill("Jobcenter Musterkreis")
    page.get_by_label("Land der gemeinsamen Einrichtung").select_option(label="Nordrhein-Westfalen")
    page.get_by_label(re.compile("^Gegenstand")).fill(SUBJECT)
    page.get_by_label("Beabsichtigte Aufsichtsmaßnahme").fill("Beanstandung der Bewilligungspraxis.")
    page.get_by_label("Verletzte Vorschrift und Rechtsgrundlage").fill("§ 22 Abs. 1 SGB II")
    kind = page.get_by_role("group", name=re.compile("Art der Aufsicht"))
    kind.get_by_label("Fachaufsicht (Zweckmäßigkeit)").check()
    page.get_by_role("button", name="Fall starten").click()
    # refused, citing the law; the entries are kept
    expect(page.get_by_role("alert")).to_contain_text("§ 47 Abs. 3 Satz 1 SGB II")
    expect(page.locator("#field-kind-error")).to_contain_text("nur die Rechtsaufsicht")
    expect(page.get_by_label(re.compile("^Gegenstand"))).to_have_value(SUBJECT)
    assert_accessible(page)
    screenshot(page, "supervision-fachaufsicht-refused")
    kind.get_by_label("Rechtsaufsicht (Rechtmäßigkeit)").check()
    page.get_by_role("button", name="Fall starten").click()
    expect(page).to_have_url(CASE_PATH)
    match = CASE_PATH.search(page.url)
    assert match
    return match.group(1)


def test_supervision_walked_by_bmas_land_and_ka(page: Page, new_page: Any) -> None:
    login(page, "bmas.referat")
    case_id = start_supervision(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("RA-2026-42")

    land = new_page()
    login(land, "land.ministerium")
    title = f"Einvernehmen zur Aufsichtsmaßnahme: {TITLE_END}"
    open_group_task(land, title)
    facts = land.get_by_role("region", name="Der Fall")
    expect(facts).to_contain_text("Rechtsaufsicht (Rechtmäßigkeit)")
    expect(facts).to_contain_text("Nordrhein-Westfalen")
    expect(facts).not_to_contain_text("jobcenter_land")
    land.get_by_role("group", name=re.compile("Einvernehmen")).get_by_label("Nein", exact=True).check()
    land.get_by_label("Stellungnahme des Landes").fill("Die Praxis ist rechtmäßig.")
    assert_accessible(land)
    screenshot(land, "supervision-land-consent")
    finish(land, title)

    ka = new_page()
    login(ka, "ka.buero")
    title = f"Empfehlung des Kooperationsausschusses zur Aufsichtsmaßnahme: {TITLE_END}"
    open_group_task(ka, title)
    expect(ka.get_by_role("region", name="Der Fall")).to_contain_text("Die Praxis ist rechtmäßig.")
    ka.get_by_role("group", name=re.compile("Empfiehlt der Kooperationsausschuss")).get_by_label("Nein", exact=True).check()
    ka.get_by_label(re.compile("Empfehlung \\(Wortlaut")).fill("Von der Beanstandung absehen.")
    assert_accessible(ka)
    finish(ka, title)

    title = f"Entscheidung des BMAS über die Aufsichtsmaßnahme: {TITLE_END}"
    page.goto("/")
    open_group_task(page, title)
    page.get_by_role("group", name=re.compile("Ergreift das BMAS")).get_by_label("Ja", exact=True).check()
    page.get_by_role("button", name="Aufgabe erledigen").click()
    # deviating from the recommendation without a wichtiger Grund: refused, citing § 47 Abs. 3 Satz 3
    expect(page.get_by_role("alert")).to_contain_text("§ 47 Abs. 3 Satz 3 SGB II")
    reason = page.get_by_label(re.compile("Wichtiger Grund für die Abweichung"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    screenshot(page, "supervision-wichtiger-grund-refused")
    reason.fill("Die Praxis verletzt das Existenzminimum der Leistungsberechtigten.")
    finish(page, title)

    page.goto(f"/cases/{case_id}")
    expect(page.locator(".summary-list").first).to_contain_text("Aufsichtsmaßnahme erlassen")
    record = page.get_by_role("region", name="Entscheidung", exact=True)
    expect(record).to_contain_text("Rechtsaufsicht über Jobcenter Musterkreis (§ 47 Abs. 3 SGB II)")
    expect(record).to_contain_text("von der Maßnahme abzusehen")
    expect(record).to_contain_text("Das BMAS weicht aus wichtigem Grund von der Empfehlung ab (§ 47 Abs. 3 Satz 3 SGB II)")
    # completed at the BMAS's decision: the KA was informed by mail, nothing is left to acknowledge
    expect(record).to_contain_text("seiner Geschäftsstelle wurde die Entscheidung am")
    expect(record).to_contain_text("per E-Mail übersandt")
    data = page.get_by_role("region", name="Falldaten")
    expect(data).to_contain_text("Kein Einvernehmen: das BMAS weicht aus wichtigem Grund von der Empfehlung ab")
    assert_accessible(page)
    screenshot(page, "supervision-decision-record", target=record)

    # the Land and the KA's office read the case and its decision afterwards; the Jobcenter does not
    land.goto(f"/cases/{case_id}")
    expect(land.get_by_role("region", name="Entscheidung", exact=True)).to_contain_text("Aufsichtsmaßnahme")
    ka.goto(f"/cases/{case_id}")
    expect(ka.get_by_role("region", name="Entscheidung", exact=True)).to_contain_text("unterrichtet worden (§ 47 Abs. 3 Satz 4 SGB II)")
    assert_accessible(ka)
    gf = new_page()
    login(gf, "gf")
    response = gf.goto(f"/cases/{case_id}")
    assert response is not None and response.status == 404
