"""Issue 5's journeys in a real browser: sign-in, the inbox, claiming and completing a task.

Everything is clicked and typed the way a person would, in the German UI; each page is also
checked with axe-core (WCAG 2.1 AA, no serious or critical violation) and photographed for the
README.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, screenshot, start_assignment_termination


def test_login_page_is_accessible_and_rejects_a_wrong_password(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # the inbox needs a signed-in user
    expect(page.get_by_role("heading", level=1)).to_have_text("Bei Fallwerk anmelden")
    assert_accessible(page)
    screenshot(page, "login")

    page.get_by_label("Benutzername").fill("gf")
    page.get_by_label("Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Benutzername oder Passwort ist falsch")
    expect(page).to_have_title(re.compile("^Fehler"))
    expect(page.get_by_role("heading", level=1, name="Posteingang")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "login-error")

    page.get_by_label("Passwort").fill("demo")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1, name="Posteingang")).to_be_visible()
    expect(page.get_by_text("Angemeldet als")).to_be_attached()


def test_inbox_lists_my_tasks_and_group_tasks(page: Page, new_page) -> None:
    login(page, "mitarbeiterin")
    start_assignment_termination(page, "ZW-2026-101")

    gf = new_page()
    login(gf, "gf")
    tabs = gf.get_by_role("navigation", name="Aufgabenlisten")
    expect(tabs.get_by_role("link", name=re.compile("Meine Aufgaben"))).to_have_attribute("aria-current", "page")
    expect(gf.get_by_text("Sie haben zurzeit keine Aufgaben übernommen.")).to_be_visible()
    assert_accessible(gf)

    tabs.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    expect(tabs.get_by_role("link", name=re.compile("Gruppenaufgaben"))).to_have_attribute("aria-current", "page")
    row = gf.get_by_role("row").filter(has_text="ZW-2026-101")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=re.compile("Antrag prüfen"))).to_be_visible()
    expect(row).to_contain_text("niemand")
    assert_accessible(gf)
    screenshot(gf, "inbox-group-tasks")

    # the process filter narrows the list and says so
    gf.get_by_label("Prozess").select_option("assignment_termination")
    gf.get_by_role("button", name="Filtern").click()
    expect(gf.locator("caption")).to_contain_text("Beendigung einer Zuweisung")
    expect(gf.get_by_role("row").filter(has_text="ZW-2026-101")).to_have_count(1)


def test_claim_and_complete_review_request_with_objection(page: Page, new_page) -> None:
    login(page, "mitarbeiterin")
    case_id = start_assignment_termination(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("ZW-2026-017")
    expect(page.locator(".summary-list").first).to_contain_text("läuft")

    gf = new_page()
    login(gf, "gf")
    gf.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    row = gf.get_by_role("row").filter(has_text="ZW-2026-017")
    row.get_by_role("button", name=re.compile("Übernehmen")).click()
    expect(gf.get_by_role("heading", level=1)).to_contain_text("Antrag prüfen")
    gf.get_by_role("link", name="Posteingang").first.click()
    mine = gf.get_by_role("row").filter(has_text="ZW-2026-017")
    expect(mine).to_contain_text("Georg Geschäftsführer")
    mine.get_by_role("link", name=re.compile("Antrag prüfen")).click()

    decision = gf.get_by_role("group", name=re.compile("Entscheidung"))
    assert_accessible(gf)
    decision.get_by_label("Widerspruch", exact=True).check()
    gf.get_by_role("button", name="Aufgabe erledigen").click()

    # refused: the error summary links to the field, which carries its message
    summary = gf.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    reason = gf.get_by_label(re.compile("Zwingender dienstlicher Grund"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    error = gf.locator("#field-objection_reason-error")
    expect(error).to_be_visible()
    expect(reason).to_have_attribute("aria-describedby", re.compile("field-objection_reason-error"))
    expect(decision.get_by_label("Widerspruch", exact=True)).to_be_checked()  # the choice is kept
    assert_accessible(gf)
    screenshot(gf, "task-validation-error")
    summary.get_by_role("link", name=re.compile("Zwingender dienstlicher Grund")).click()
    expect(reason).to_be_focused()

    reason.fill("Personalengpass im Leistungsbereich")
    gf.get_by_role("button", name="Aufgabe erledigen").click()
    expect(gf.get_by_role("status")).to_contain_text("Aufgabe erledigt")
    expect(gf.get_by_role("heading", level=1, name="Posteingang")).to_be_visible()

    page.goto(f"/cases/{case_id}")
    summary_list = page.locator(".summary-list").first
    expect(summary_list).to_contain_text("abgeschlossen")
    expect(summary_list).to_contain_text("Widerspruch: die Zuweisung besteht fort")
    history = page.get_by_role("region", name="Verlauf")
    expect(history).to_contain_text("Personalengpass im Leistungsbereich")
    expect(history).to_contain_text("Aufgabe erledigt")
    assert_accessible(page)
    screenshot(page, "case-completed", full_page=False)
