"""The case page's diagram (issue 5, acceptance 3): the right elements are highlighted.

The viewer (bpmn-js) puts the classes fw-completed / fw-active / fw-waiting on the SVG groups of
the elements; the tests read the highlighted element ids off the page, the way a person reads
the colours, and check them against where the case really stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from playwright.sync_api import Page, expect

from casework import Casework
from tests.browser.support import (
    CASE_PATH,
    assert_accessible,
    focus_by_tab,
    has_visible_focus,
    login,
    screenshot,
    start_assignment_termination,
)


def highlighted(page: Page, marker: str) -> set[str]:
    """Ids of the diagram elements carrying ``marker`` (e.g. fw-active)."""
    expect(page.locator("#case-diagram")).to_have_attribute("data-ready", "true")
    return set(
        page.eval_on_selector_all(
            f"#case-diagram g.djs-element.{marker}", "els => els.map(e => e.getAttribute('data-element-id'))"
        )
    )


@contextmanager
def services(app: Flask) -> Iterator[Casework]:
    with app.app_context():
        yield app.extensions["casework"]


def test_case_page_highlights_done_and_open_steps(page: Page) -> None:
    login(page, "mitarbeiterin")
    start_assignment_termination(page, "ZW-2026-505")

    assert highlighted(page, "fw-active") == {"review_request"}
    done = highlighted(page, "fw-completed")
    assert {"start_event", "gateway_initiator", "flow_start", "flow_initiator_employee"} <= done
    assert not done & {"review_request", "record_termination", "end_terminated", "flow_initiator_traeger"}
    assert highlighted(page, "fw-waiting") == {"remind_review_due"}  # the review deadline timer

    # the same state as a list of buttons, for keyboard and screen-reader users
    step = page.locator('#case-diagram-elements li[data-element-id="review_request"]').get_by_role("button")
    expect(step).to_contain_text("Antrag prüfen")
    focus_by_tab(page, '#case-diagram-elements li[data-element-id="review_request"] button', limit=80)
    page.keyboard.press("Enter")
    assert has_visible_focus(page)
    expect(page.locator("#case-diagram-details")).to_contain_text("Antrag prüfen")
    expect(page.locator('#case-diagram g.djs-element[data-element-id="review_request"].fw-selected-element')).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "case-diagram", target=page.get_by_role("region", name="Wo der Fall steht"))


def start_instruction_conflict(page: Page) -> str:
    """As traeger.ba: the Agentur calls the Kooperationsausschuss about two conflicting instructions."""
    page.goto("/cases/new/instruction_conflict")
    page.get_by_label("Aktenzeichen").fill("WK-2026-003")
    page.get_by_role("group", name="Weisung A: erteilt von").get_by_label("Agentur für Arbeit (Bundesagentur)").check()
    page.get_by_label("Weisung A: Datum").fill("2026-11-02")
    page.get_by_label("Weisung A: Inhalt").fill("Beratungsgespräche nur noch in Präsenz")
    page.get_by_role("group", name="Weisung B: erteilt von").get_by_label("Kommunaler Träger").check()
    page.get_by_label("Weisung B: Datum").fill("2026-11-09")
    page.get_by_label("Weisung B: Inhalt").fill("Beratungsgespräche vorrangig per Video")
    page.get_by_role("group", name=re.compile("Wer ruft")).get_by_label("Agentur für Arbeit", exact=True).check()
    page.get_by_role("button", name="Fall starten").click()
    expect(page).to_have_url(CASE_PATH)
    match = CASE_PATH.search(page.url)
    assert match
    return match.group(1)


def test_instruction_conflict_diagram_follows_hearings_to_the_vote(page: Page, app: Flask) -> None:
    login(page, "traeger.ba")
    case_id = start_instruction_conflict(page)

    # called by a Träger: no preliminary review, the hearing of both Träger and the GF runs
    assert "hearing" in highlighted(page, "fw-active")
    done = highlighted(page, "fw-completed")
    assert {"start_event", "prepare_case"} <= done
    assert "ka_vote" not in highlighted(page, "fw-active") | done
    expect(page.get_by_role("region", name="Offene Aufgaben")).to_contain_text("Anhörung")

    # the three parties give their statements (through the services: the hearing forms are not
    # what this test is about)
    with services(app) as casework:
        for username in ("traeger.ba", "traeger.kommune", "gf"):
            actor = casework.directory.authenticate(username, "demo")
            assert actor is not None
            mine = casework.tasks.list(actor=actor, scope="candidate", process_instance_id=case_id)
            hearings = [t for t in mine.items if t.name == "hearing"]
            assert len(hearings) == 1, (username, [t.name for t in mine.items])
            casework.tasks.complete(hearings[0].id, actor=actor, data={"statement": f"Stellungnahme von {username}"})

    page.reload()
    active = highlighted(page, "fw-active")
    assert "ka_vote" in active
    assert "hearing" not in active
    assert {"hearing", "prepare_ka_vote"} <= highlighted(page, "fw-completed")
    assert_accessible(page)
    screenshot(page, "case-diagram-instruction-conflict", target=page.locator("#case-diagram"))
