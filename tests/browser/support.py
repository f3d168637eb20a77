"""Helpers for the browser tests: sign-in, screenshots, axe-core, keyboard focus."""

from __future__ import annotations

import os
import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PROJECT_ROOT

CASE_PATH = re.compile(r"/cases/([0-9a-f-]{36})$")
# Every run saves its screenshots as CI artifacts; the README's copies in docs/ are refreshed only
# on request (FALLWERK_UPDATE_SCREENSHOTS=1), so a test run leaves the working tree clean.
SCREENSHOT_DIRS = (
    (PROJECT_ROOT / "test-artifacts" / "screenshots",)
    + ((PROJECT_ROOT / "docs" / "screenshots",) if os.environ.get("FALLWERK_UPDATE_SCREENSHOTS") else ())
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "demo"


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the inbox."""
    page.goto("/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1, name="Posteingang")).to_be_visible()


def start_assignment_termination(page: Page, business_key: str = "ZW-2026-017") -> str:
    """As a signed-in employee: "Neuer Fall" → "Beendigung einer Zuweisung" → fill → start; returns the case id."""
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neuer Fall").click()
    page.get_by_role("link", name=re.compile("Beendigung einer Zuweisung")).click()
    page.get_by_label("Aktenzeichen").fill(business_key)
    page.get_by_role("group", name=re.compile("Wer beantragt")).get_by_label(re.compile("Beschäftigte/r")).check()
    page.get_by_label("Name der/des Beschäftigten").fill("Erika Beispiel")
    page.get_by_role("group", name=re.compile("Dienstherr")).get_by_label("Bundesagentur für Arbeit").check()
    page.get_by_label("Wichtiger Grund").fill("Pflege eines Angehörigen")
    page.get_by_label("Gewünschtes Ende der Zuweisung").fill("2027-01-31")
    page.get_by_role("button", name="Fall starten").click()
    expect(page).to_have_url(CASE_PATH)
    match = CASE_PATH.search(page.url)
    assert match
    return match.group(1)


def screenshot(page: Page, name: str, *, target: Locator | None = None, full_page: bool = True) -> None:
    """Save a screenshot for the README (docs/screenshots) and for CI's artifacts.

    ``target``: only that part of the page (long case pages would be unreadable as a whole).
    """
    for folder in SCREENSHOT_DIRS:
        folder.mkdir(parents=True, exist_ok=True)
        path = str(folder / f"{name}.png")
        if target is not None:
            target.screenshot(path=path, animations="disabled")
        else:
            page.screenshot(path=path, full_page=full_page, animations="disabled")


_AXE = Axe()


def assert_accessible(page: Page, *, context: str | dict[str, Any] | None = None) -> None:
    """axe-core on the current page: no serious or critical WCAG 2.1 AA violation."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = _AXE.run(page, context=context, options=options)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                    for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe found serious/critical violations on {page.url}:\n{report}"
    ragged = page.evaluate(_RAGGED_VALUE_COLUMNS)
    assert not ragged, f"a long label pushes its value out of the column on {page.url}: {ragged}"


# a long German word ("Kooperationsausschusses") must wrap inside the label column, not widen it for its row
_RAGGED_VALUE_COLUMNS = """() => [...document.querySelectorAll('.summary-list, .data-list')].flatMap(list => {
    const rows = [...list.children].map(row => [row.querySelector('dt'), row.querySelector('dd')])
        .filter(([dt, dd]) => dt && dd && Math.abs(dt.getBoundingClientRect().top - dd.getBoundingClientRect().top) < 2);
    const lefts = rows.map(([, dd]) => Math.round(dd.getBoundingClientRect().left));
    return rows.filter((_, i) => Math.abs(lefts[i] - Math.min(...lefts)) > 1).map(([dt]) => dt.textContent.trim());
})"""


def focus_by_tab(page: Page, selector: str, *, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab until the focused element matches ``selector`` (fails after ``limit`` presses)."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector!r} on {page.url}")


def focus_ring(page: Page) -> dict[str, Any]:
    """The focused element's computed outline, and whether the browser counts its focus as visible."""
    return page.evaluate(
        """() => { const el = document.activeElement, s = getComputedStyle(el);
                   return {tag: el.tagName, focusVisible: el.matches(':focus-visible'),
                           outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
                           outlineColor: s.outlineColor}; }"""
    )


def has_visible_focus(page: Page) -> bool:
    """A keyboard focus ring at least 2px wide (WCAG 2.4.7); our stylesheet sets outlines only for focus."""
    ring = focus_ring(page)
    width = float(re.sub(r"[^0-9.]", "", ring["outlineWidth"]) or 0)
    return bool(ring["focusVisible"]) and ring["outlineStyle"] != "none" and width >= 2
