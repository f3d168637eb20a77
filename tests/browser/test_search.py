"""Finding work in a real browser (issue 13 §3): the header's search box and the inbox's sort headings."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, start_assignment_termination


def test_the_search_box_finds_a_case_by_part_of_a_name_without_umlauts(page: Page, new_page) -> None:
    login(page, "mitarbeiterin")
    start_assignment_termination(page, "ZW-2026-301")  # for Erika Beispiel

    gf = new_page()
    login(gf, "gf")
    search = gf.get_by_role("search")
    search.get_by_label("Fälle durchsuchen").fill("beispi")
    search.get_by_role("button", name="Suchen").click()
    expect(gf).to_have_url(re.compile(r"/cases\?q=beispi"))
    expect(gf.get_by_role("row").filter(has_text="ZW-2026-301")).to_have_count(1)
    assert_accessible(gf)

    # a personnel matter stays out of sight of those who do not take part (issue 14: parties only)
    tv = new_page()
    login(tv, "tv.ba1")
    tv.get_by_role("search").get_by_label("Fälle durchsuchen").fill("Beispiel")
    tv.get_by_role("search").get_by_role("button", name="Suchen").click()
    expect(tv.get_by_role("row").filter(has_text="ZW-2026-301")).to_have_count(0)


def test_the_inbox_sorts_by_a_column_heading(page: Page, new_page) -> None:
    login(page, "mitarbeiterin")
    start_assignment_termination(page, "ZW-2026-302")
    gf = new_page()
    login(gf, "gf")
    gf.get_by_role("navigation", name="Aufgabenlisten").get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    heading = gf.get_by_role("columnheader", name="Priorität")
    heading.get_by_role("link").click()
    expect(gf).to_have_url(re.compile(r"sort=priority"))
    expect(gf.get_by_role("columnheader", name="Priorität")).to_have_attribute("aria-sort", "ascending")
    gf.get_by_role("columnheader", name="Priorität").get_by_role("link").click()
    expect(gf.get_by_role("columnheader", name="Priorität")).to_have_attribute("aria-sort", "descending")
    expect(gf.get_by_role("row").filter(has_text="ZW-2026-302")).to_have_count(1)
    assert_accessible(gf)
