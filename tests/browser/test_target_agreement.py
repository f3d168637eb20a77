"""target_agreement (§ 48b SGB II) in a real browser, as the demo users traeger.ba, traeger.kommune and
gf: the draft typed into the table field (rows added and removed with the keyboard, German numbers),
a draft without the social participation goal refused naming it, a signature before the budget law
refused, then the first quarterly report after its timer fired, and the case page's table and chart.
Every page is axe-checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.support import CASE_PATH, assert_accessible, login, screenshot

KEY = "ZV-2027-JC"
GOALS = [("Verringerung der Hilfebedürftigkeit", "K1", "12.500,5"),
         ("Verbesserung der Integration in Erwerbstätigkeit", "K2", "25,5"),
         ("Vermeidung von langfristigem Leistungsbezug", "K3", "3.000")]
TEILHABE = ("Verbesserung der sozialen Teilhabe", "K4", "40")


def open_group_task(page: Page, title: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    page.get_by_role("row").filter(has_text=KEY).get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def finish(page: Page, title: str) -> None:
    page.get_by_role("button", name="Aufgabe erledigen").click()
    expect(page.get_by_role("status")).to_contain_text(f"Aufgabe erledigt: {title}")


def fill_row(page: Page, row: int, goal: str, indicator: str, value: str) -> None:
    page.get_by_label(f"Zeile {row}: Ziel", exact=True).fill(goal)
    page.get_by_label(f"Zeile {row}: Kennzahl (§ 48a)", exact=True).fill(indicator)
    page.get_by_label(f"Zeile {row}: Zielwert", exact=True).fill(value)


def start_agreement(page: Page) -> str:
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neuer Fall").click()
    page.get_by_role("link", name=re.compile("Zielvereinbarung")).click()
    page.get_by_label("Aktenzeichen").fill(KEY)
    page.get_by_role("group", name=re.compile("Vereinbarungspartner")).get_by_label(
        re.compile("Agentur für Arbeit und kommunaler Träger")).check()
    page.get_by_label("Jahr der Vereinbarung").fill("2027")
    page.get_by_label("Haushaltsgesetz vom Bundestag beschlossen am").fill("2026-11-27")
    page.get_by_role("button", name="Fall starten").click()
    expect(page).to_have_url(CASE_PATH)
    match = CASE_PATH.search(page.url)
    assert match
    return match.group(1)


def draft_with_the_table(page: Page) -> None:
    title = "Entwurf der Zielvereinbarung (2027)"
    open_group_task(page, title)
    table = page.get_by_role("table", name="Ziele und Zielwerte")
    expect(table.get_by_role("columnheader", name=re.compile("Zielwert"))).to_be_visible()
    for row, (goal, indicator, value) in enumerate(GOALS, 1):
        fill_row(page, row, goal, indicator, value)
    finish_button = page.get_by_role("button", name="Aufgabe erledigen")
    finish_button.click()
    # § 48b Abs. 3 Satz 2: the Träger and the GF also agree on social participation
    expect(page.get_by_role("alert")).to_contain_text("vorgeschriebene Ziel „Verbesserung der sozialen Teilhabe“")
    expect(page.get_by_role("alert")).to_contain_text("§ 48b Abs. 3 SGB II")
    expect(page.get_by_label("Zeile 1: Zielwert", exact=True)).to_have_value("12.500,5")
    assert_accessible(page)
    screenshot(page, "target-agreement-goal-missing")
    # rows by keyboard: add two, remove the surplus one; names and labels follow the positions
    add = page.get_by_role("button", name="Zeile hinzufügen")
    rows_before = page.locator("[data-table-field] tbody tr").count()
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-table-field] tbody tr")).to_have_count(rows_before + 1)
    expect(page.get_by_label(f"Zeile {rows_before + 1}: Ziel", exact=True)).to_be_focused()
    page.keyboard.type("Überzählige Zeile")
    page.get_by_role("button", name=f"Zeile {rows_before + 1} entfernen").press("Enter")
    expect(page.locator("[data-table-field] tbody tr")).to_have_count(rows_before)
    expect(page.get_by_role("status").filter(has_text="Zeile entfernt")).to_have_count(1)
    fill_row(page, 4, *TEILHABE)
    page.get_by_label("Zeile 5: Ziel", exact=True).fill("Kennzahl ohne Wert")
    finish_button.click()
    # a cell error names row and column and sits on the cell
    cell = page.get_by_label("Zeile 5: Zielwert", exact=True)
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Zeile 5, Spalte „Zielwert“: Pflichtfeld.")
    page.get_by_label("Zeile 5: Ziel", exact=True).fill("")
    page.get_by_label("Zeile 5: Kennzahl (§ 48a)", exact=True).fill("")
    assert_accessible(page)
    finish(page, title)


def test_target_agreement_walked_with_the_table_and_the_first_quarter(
    app: Flask, clock: Any, page: Page, new_page: Any
) -> None:
    login(page, "traeger.ba")
    case_id = start_agreement(page)
    draft_with_the_table(page)

    gf = new_page()
    login(gf, "gf")
    title = "Entwurf prüfen: Fassung 1 (2027)"
    open_group_task(gf, title)
    expect(gf.get_by_role("table", name="Ziele und Zielwerte")).to_contain_text("12.500,5")
    gf.get_by_role("group", name=re.compile("Ihre Antwort")).get_by_label("Entwurf annehmen").check()
    assert_accessible(gf)
    finish(gf, title)

    kommune = new_page()
    login(kommune, "traeger.kommune")
    for signer, side in ((gf, "Geschäftsführung des Jobcenters"), (page, "Agentur für Arbeit"),
                         (kommune, "Kommunaler Träger")):
        title = f"Zielvereinbarung unterschreiben: {side} (2027)"
        open_group_task(signer, title)
        signer.get_by_label("Name der unterzeichnenden Person").fill(f"Unterschrift {side}")
        signer.get_by_label("Unterschrieben am").fill("2026-11-26")
        signer.get_by_role("button", name="Aufgabe erledigen").click()
        expect(signer.get_by_role("alert")).to_contain_text("§ 48b Abs. 2 SGB II")
        signer.get_by_label("Unterschrieben am").fill("2026-12-01")
        finish(signer, title)

    clock.set(datetime(2027, 4, 20, 6, 0, tzinfo=UTC))
    with app.app_context():
        assert app.extensions["casework"].management.fire_due().fired >= 1
    title = "Quartalsbericht: Ist-Werte melden: 1. Quartal 2027"
    open_group_task(gf, title)
    expect(gf.get_by_label("Zeile 1: Ziel", exact=True)).to_have_value(GOALS[0][0])
    for row, actual in enumerate(["3.100", "6,5", "800", "9"], 1):
        gf.get_by_label(f"Zeile {row}: Ist-Wert", exact=True).fill(actual)
    assert_accessible(gf)
    finish(gf, title)
    title = "Quartalsbericht zur Kenntnis nehmen: 1. Quartal 2027"
    open_group_task(kommune, title)
    expect(kommune.get_by_role("table", name="Gemeldete Ist-Werte")).to_contain_text("3.100")
    finish(kommune, title)

    page.goto(f"/cases/{case_id}")
    expect(page.locator(".summary-list").first).to_contain_text("Vereinbarung abgeschlossen")
    monitoring = page.get_by_role("region", name="Zielwerte und Ist-Werte der Quartale")
    expect(monitoring.get_by_role("row", name=re.compile("Verringerung der Hilfebedürftigkeit"))).to_contain_text(
        "3.100")
    chart = monitoring.get_by_role("img", name="Ist-Werte als Anteil am Zielwert, je Quartal")
    expect(chart).to_be_visible()
    expect(page.locator("#monitoring-chart-desc")).to_contain_text("K1: 24,8 % des Zielwerts")
    assert_accessible(page)
    screenshot(page, "target-agreement-monitoring", target=monitoring)
