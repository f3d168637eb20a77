"""The designer journey (issue 5): open a process in the modeler, rename a task, see the server's
check mark an error at the element, fix it, deploy, and run a new case on the new version.

The modeler is bpmn-js; the page exposes it as ``window.fallwerkModeler``, which the test only
reads to check what the clicks and keystrokes changed. Every request must stay on 127.0.0.1 (the
``context`` fixture fails the test otherwise): the modeler is served from our own static files.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, screenshot, start_assignment_termination
from tests.conftest import PROJECT_ROOT

TASK = "review_request"
NEW_NAME = "Antrag prüfen (Geschäftsführung)"


def element(page: Page, element_id: str, marker: str = ""):
    """The diagram's SVG group of an element (bpmn-js puts markers on it as classes)."""
    return page.locator(f'#designer-canvas g.djs-element[data-element-id="{element_id}"]{marker}')


def set_candidate_groups(page: Page, element_id: str, groups: str) -> None:
    """Select the element and type its candidate groups into the properties panel ("" clears them)."""
    if selected(page) != [element_id]:
        element(page, element_id).click()
    group = page.locator('#designer-properties [data-group-id="group-CamundaPlatform__UserAssignment"]')
    field = group.locator("#bio-properties-panel-candidateGroups")
    if not field.is_visible():
        group.locator(".bio-properties-panel-group-header").click()
    field.fill(groups)
    # the panel writes to the model after a short debounce; the check must see the new value
    page.wait_for_function(
        """([id, groups]) => {
             const bo = window.fallwerkModeler.get('elementRegistry').get(id).businessObject;
             return (bo.get('camunda:candidateGroups') || '') === groups;
           }""",
        arg=[element_id, groups],
    )


def press(page: Page, label: str) -> None:
    """Click a toolbar button and wait for its request to finish (the page marks the button busy meanwhile)."""
    button = page.get_by_role("button", name=label, exact=True)
    button.click()
    expect(button).not_to_have_attribute("aria-busy", "true")


def selected(page: Page) -> list[str]:
    return page.evaluate("() => window.fallwerkModeler.get('selection').get().map(e => e.id)")


def business_name(page: Page, element_id: str) -> str:
    return page.evaluate(
        "(id) => window.fallwerkModeler.get('elementRegistry').get(id).businessObject.name", element_id
    )


def test_designer_renames_checks_fixes_and_deploys_a_new_version(page: Page, traffic, new_page) -> None:
    login(page, "designer")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Prozesse gestalten").click()
    expect(page).to_have_url(re.compile(r"/designer/$"))
    row = page.locator('tr[data-process-key="assignment_termination"]')
    expect(row.locator("td").first).to_have_text("1")
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Beendigung einer Zuweisung")).click()

    expect(page).to_have_url(re.compile(r"/designer/assignment_termination$"))
    expect(page.locator("#designer-ready")).to_have_attribute("data-ready", "true")
    expect(element(page, TASK)).to_be_visible()
    expect(page.locator("#designer-version")).to_have_text("1")
    assert_accessible(page)
    assert page.evaluate("typeof window.fallwerkModeler.saveXML") == "function"

    # rename the task the way a designer does: double-click, type, click elsewhere
    element(page, TASK).dblclick()
    editor = page.locator(".djs-direct-editing-parent")
    expect(editor).to_be_visible()
    page.keyboard.press("Control+A")
    page.keyboard.type(NEW_NAME)
    canvas = page.locator("#designer-canvas svg").first
    box = canvas.bounding_box()
    assert box is not None
    canvas.click(position={"x": box["width"] - 30, "y": 30})  # the empty top-right corner
    expect(editor).to_be_hidden()
    assert business_name(page, TASK) == NEW_NAME
    expect(element(page, TASK)).to_contain_text("Geschäftsführung")

    # a user task whose candidate groups do not compile: the server's check refuses it and marks it
    set_candidate_groups(page, TASK, "${1 +}")
    press(page, "Prüfen")
    problem = page.locator(f'#designer-problems li[data-element-id="{TASK}"]')
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(TASK)
    expect(element(page, TASK, ".fw-lint-error")).to_have_count(1)
    expect(page.locator("#designer-canvas g.djs-element.fw-lint-error")).to_have_count(1)
    expect(page.locator("#designer-status")).to_contain_text("Prüfung nicht bestanden: ein Fehler")
    screenshot(page, "designer-lint-error")
    assert_accessible(page)

    # deploying now is refused and changes nothing
    press(page, "Bereitstellen")
    expect(page.locator("#designer-status")).to_contain_text("Bereitstellung abgelehnt")
    expect(page.locator("#designer-version")).to_have_text("1")

    # the problem list leads to the element, by keyboard too: the properties panel gets the focus
    problem.get_by_role("button").focus()
    page.keyboard.press("Enter")
    assert selected(page) == [TASK]
    assert page.evaluate("document.activeElement.id") == "designer-properties"

    set_candidate_groups(page, TASK, "gf")
    press(page, "Prüfen")
    expect(element(page, TASK, ".fw-lint-error")).to_have_count(0)
    expect(page.locator('#designer-problems li.fw-problem--error')).to_have_count(0)

    press(page, "Bereitstellen")
    expect(page.locator("#designer-status")).to_contain_text("assignment_termination v2")
    expect(page.locator("#designer-version")).to_have_text("2")

    # a new case runs on version 2, with the new task name
    employee = new_page()
    login(employee, "mitarbeiterin")
    start_assignment_termination(employee, "ZW-2026-404")
    expect(employee.locator(".summary-list").first).to_contain_text("Version 2")
    expect(employee.get_by_role("region", name="Offene Aufgaben")).to_contain_text(NEW_NAME)

    gf = new_page()
    login(gf, "gf")
    gf.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    expect(gf.get_by_role("row").filter(has_text="ZW-2026-404")).to_contain_text(NEW_NAME)

    # the versions page compares version 1 and 2 and names the renamed task as changed
    page.goto("/designer/assignment_termination/versions?from=1&to=2")
    expect(page.locator("#diff-new")).to_have_attribute("data-ready", "true")
    expect(page.locator(f'#diff-changed li[data-element-id="{TASK}"]')).to_be_visible()
    expect(page.locator(f'#diff-new g.djs-element[data-element-id="{TASK}"].fw-diff-changed')).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "designer-version-diff")

    assert traffic.requests, "no requests recorded"
    assert any("/static/dist/designer.js" in url for url in traffic.requests)


def test_decision_table_editor_is_accessible(page: Page) -> None:
    login(page, "designer")
    page.goto("/designer/beirat_appointment?file=beirat_eligibility.dmn")
    expect(page.locator("#designer-ready")).to_have_attribute("data-ready", "true")
    expect(page.locator("#designer-canvas")).to_contain_text("Berufbarkeit")
    assert_accessible(page)
    screenshot(page, "designer-decision-table")


def test_an_uploaded_file_with_an_error_is_refused_and_marked_at_the_element(page: Page, tmp_path) -> None:
    """Issue 5, acceptance 2: upload a .bpmn whose user task's candidate groups do not compile (a task
    with nobody named goes to the default group since issue 16); deploying it is refused, the task is
    marked on the diagram, and no version is added."""
    source = (PROJECT_ROOT / "workflows" / "assignment_termination.bpmn").read_text(encoding="utf-8")
    broken = source.replace('camunda:candidateGroups="gf"', 'camunda:candidateGroups="${1 +}"', 1)
    assert broken != source
    upload = tmp_path / "assignment_termination.bpmn"
    upload.write_text(broken, encoding="utf-8")

    login(page, "designer")
    page.goto("/designer/")
    page.get_by_label("BPMN- oder DMN-Datei").set_input_files(str(upload))
    page.get_by_role("button", name=re.compile("Als Entwurf hochladen")).click()
    expect(page).to_have_url(re.compile(r"/designer/assignment_termination\?file=assignment_termination\.bpmn$"))
    expect(page.locator("#designer-ready")).to_have_attribute("data-ready", "true")

    press(page, "Bereitstellen")
    expect(page.locator("#designer-status")).to_contain_text("Bereitstellung abgelehnt")
    expect(page.locator(f'#designer-problems li[data-element-id="{TASK}"]')).to_have_count(1)
    expect(element(page, TASK, ".fw-lint-error")).to_have_count(1)
    expect(page.locator("#designer-version")).to_have_text("1")

    page.goto("/designer/")
    expect(page.locator('tr[data-process-key="assignment_termination"] td').first).to_have_text("1")


def fact_properties(page: Page, element_id: str) -> list[list[str]]:
    """The element's camunda:property entries whose name starts with fact:, in order."""
    return page.evaluate(
        """(id) => {
             const bo = window.fallwerkModeler.get('elementRegistry').get(id).businessObject;
             const ext = (bo.get('extensionElements') || { values: [] }).values
               .find((v) => v.$type === 'camunda:Properties');
             return (ext ? ext.values : []).filter((p) => (p.name || '').startsWith('fact:'))
               .map((p) => [p.name, p.value]);
           }""",
        element_id,
    )


def test_the_fallwerk_group_edits_a_tasks_title_and_case_facts(page: Page) -> None:
    """Issue 13: designers declare what a task page shows in the properties panel, checked on the server."""
    login(page, "designer")
    page.goto("/designer/beirat_appointment")
    expect(page.locator("#designer-ready")).to_have_attribute("data-ready", "true")
    element(page, "tv_vote").click()
    group = page.locator('#designer-properties [data-group-id="group-fallwerk"]')
    if not group.locator("#bio-properties-panel-fallwerk-title").is_visible():
        group.locator(".bio-properties-panel-group-header").click()
    title = group.get_by_label("Titel der Aufgabe")
    expect(title).to_have_value("Abstimmung über die Berufung von {vote_item.nominee} in den Beirat")
    facts = group.get_by_label("Angezeigte Falldaten")
    expect(facts).to_have_value(re.compile(r"^submitted_nominations \| -\n"))
    assert_accessible(page, context="#designer-properties")

    facts.fill("vote_item.nominee | Vorgeschlagene Person\nvote_item.proposer_name | Vorgeschlagen von")
    page.wait_for_function(
        """() => window.fallwerkModeler.get('elementRegistry').get('tv_vote').businessObject
                 .get('extensionElements').values.find((v) => v.$type === 'camunda:Properties')
                 .values.filter((p) => (p.name || '').startsWith('fact:')).length === 2"""
    )
    assert fact_properties(page, "tv_vote") == [
        ["fact:vote_item.nominee", "Vorgeschlagene Person"], ["fact:vote_item.proposer_name", "Vorgeschlagen von"]]

    # an unknown format is refused by the server's check, at the element
    facts.fill("vote_item.nominee | Vorgeschlagene Person | cash")
    page.wait_for_function(
        """() => window.fallwerkModeler.get('elementRegistry').get('tv_vote').businessObject
                 .get('extensionElements').values.find((v) => v.$type === 'camunda:Properties')
                 .values.some((p) => p.value === 'Vorgeschlagene Person | cash')"""
    )
    press(page, "Prüfen")
    problem = page.locator('#designer-problems li[data-element-id="tv_vote"]')
    expect(problem).to_contain_text("unknown format 'cash'")
    expect(element(page, "tv_vote", ".fw-lint-error")).to_have_count(1)
