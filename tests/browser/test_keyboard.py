"""Keyboard only: sign in, open the group tasks, claim, fail and then pass the task form.

No mouse: Tab and Shift+Tab move, Enter follows links and submits, Space presses buttons, and the
arrow keys choose within a radio group (the standard keyboard pattern for radios). Every stop
must show a visible focus ring.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import focus_by_tab, focus_ring, has_visible_focus, login, start_assignment_termination


def assert_focus_visible(page: Page, what: str) -> None:
    assert has_visible_focus(page), f"{what}: focus is not visible ({focus_ring(page)})"


def test_keyboard_only_from_login_to_completed_task(page: Page, new_page) -> None:
    employee = new_page()
    login(employee, "mitarbeiterin")
    start_assignment_termination(employee, "ZW-2026-202")

    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link stays off-screen when focused"
    assert_focus_visible(page, "skip link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")

    page.keyboard.press("Tab")
    username = page.get_by_label("Benutzername")
    expect(username).to_be_focused()  # the skip link brought us straight to the form
    assert_focus_visible(page, "user name field")
    page.keyboard.type("gf")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passwort")).to_be_focused()
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Posteingang")).to_be_visible()

    focus_by_tab(page, 'nav.tabs a[href*="scope=candidate"]')
    assert_focus_visible(page, "group tasks tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("row").filter(has_text="ZW-2026-202")).to_have_count(1)

    focus_by_tab(page, 'form[action$="/claim"] button')
    assert_focus_visible(page, "claim button")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Antrag prüfen")

    focus_by_tab(page, 'input[name="decision"]')
    assert_focus_visible(page, "first decision radio")
    page.keyboard.press("ArrowDown")  # moves to and checks "Widerspruch"
    objection = page.locator('input[name="decision"][value="objection"]')
    expect(objection).to_be_focused()
    expect(objection).to_be_checked()
    focus_by_tab(page, 'form.form button[type="submit"]')
    assert_focus_visible(page, "submit button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    focus_by_tab(page, '.error-summary a[href="#field-objection_reason"]')
    assert_focus_visible(page, "error summary link")
    page.keyboard.press("Enter")
    reason = page.locator("#field-objection_reason")
    expect(reason).to_be_focused()
    assert_focus_visible(page, "objection reason field")
    page.keyboard.type("Personalengpass im Leistungsbereich")
    focus_by_tab(page, 'form.form button[type="submit"]')
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Aufgabe erledigt")
    expect(page.get_by_role("heading", level=1, name="Posteingang")).to_be_visible()


def test_designer_toolbar_works_from_the_keyboard(page: Page) -> None:
    login(page, "designer")
    page.goto("/designer/assignment_termination")
    expect(page.locator("#designer-ready")).to_have_attribute("data-ready", "true")
    focus_by_tab(page, "#designer-check")
    assert_focus_visible(page, "check button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Prüfung")).to_contain_text("Prüfung bestanden")
    focus_by_tab(page, "#designer-deploy")
    assert_focus_visible(page, "deploy button")
