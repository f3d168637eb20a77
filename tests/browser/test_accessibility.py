"""axe-core (WCAG 2.1 A/AA rules) on the pages the journeys pass only in passing.

The journeys check the login, inbox, task and completed-case pages and the designer checks its
own; here the case list, the process choice, the start form with its errors, the running case
page, the error page and the administration and tool pages.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, screenshot, start_assignment_termination


def test_case_pages_are_accessible(page: Page) -> None:
    login(page, "mitarbeiterin")
    page.goto("/cases/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuen Fall starten")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Beendigung einer Zuweisung")).click()
    page.get_by_role("button", name="Fall starten").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(page.locator('[aria-invalid="true"]').first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "start-form-errors")

    start_assignment_termination(page, "ZW-2026-303")
    expect(page.get_by_role("region", name="Offene Aufgaben")).to_contain_text("Antrag prüfen")
    assert_accessible(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fälle").click()
    expect(page.get_by_role("row").filter(has_text="ZW-2026-303")).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "case-list")


def test_error_page_is_accessible(page: Page) -> None:
    login(page, "gf")
    response = page.goto("/cases/00000000-0000-0000-0000-000000000000")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


ADMIN_PAGES = (
    ("/account", "mail settings"),
    ("/deadlines", "deadline calculator"),
    ("/admin/committees", "committees"),
    ("/admin/holidays", "municipal holidays"),
    ("/admin/legal-parameters", "legal parameters"),
    ("/admin/outbox", "mail outbox"),
    ("/api/docs", "API documentation"),
)


def test_admin_and_tool_pages_are_accessible(page: Page) -> None:
    login(page, "admin")
    for url, what in ADMIN_PAGES:
        response = page.goto(url)
        assert response is not None and response.status == 200, (what, response and response.status)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_accessible(page)


def overflowing(page: Page) -> list[str]:
    """Elements reaching past the viewport's right edge, except inside tables (which scroll themselves)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table'))
             .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)"""
    )


def test_pages_reflow_to_320_css_pixels(page: Page) -> None:
    """WCAG 1.4.10: at 320 px wide (400 % zoom) nothing but data tables scrolls sideways."""
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/login")
    assert overflowing(page) == []
    login(page, "mitarbeiterin")
    case_id = start_assignment_termination(page, "ZW-2026-320")
    for url in ("/", "/?scope=candidate", "/cases", "/cases/new", "/cases/new/assignment_termination"):
        page.goto(url)
        assert overflowing(page) == [], url
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#case-diagram")).to_have_attribute("data-ready", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
