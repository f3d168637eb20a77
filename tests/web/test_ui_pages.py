"""The browser UI around the journey: sign-in, CSRF, 404-not-403, language, inbox filter and paging."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from casework.records import InstanceInfo
from tests.conftest import Browser, csrf_token
from tests.factories import deploy_fixture, only_task, start_termination
from tests.web.test_ui_journey import Backstage

TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')


@pytest.fixture
def backstage(app: Flask) -> Backstage:
    return Backstage(app)


def start_case(backstage: Backstage, **overrides: Any) -> InstanceInfo:
    employee = backstage.actor("mitarbeiterin")
    with backstage.services() as casework:
        return start_termination(casework, employee, **overrides)


# --- signing in and out ----------------------------------------------------------------------


def test_login_page_is_german_and_labelled(client: Any) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert '<a class="skip-link" href="#main">Zum Inhalt springen</a>' in page.text
    assert '<main id="main"' in page.text
    assert '<label for="field-username">Benutzername' in page.text
    assert '<label for="field-password">Passwort' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert 'name="csrf_token"' in page.text


@pytest.mark.parametrize("username, password", [("gf", "wrong"), ("nobody.here", "demo")])
def test_wrong_credentials_give_one_message_and_401(client: Any, username: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in response.text
    assert "Posteingang" not in response.text.split("<main", 1)[0]  # still signed out: no navigation


def test_empty_login_names_the_missing_fields(client: Any) -> None:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": " ", "password": "", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 422
    assert 'href="#field-username"' in response.text and 'href="#field-password"' in response.text


def test_login_redirects_to_the_inbox_and_shows_the_name(app: Flask) -> None:
    browser = Browser(app.test_client())
    page = browser.client.get("/login")
    response = browser.client.post(
        "/login", data={"username": "gf", "password": "demo", "csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    inbox = browser.get("/")
    assert "Posteingang" in inbox.text and "Meine Aufgaben" in inbox.text
    assert 'action="/logout"' in inbox.text


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/cases", "/cases"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_next_only_goes_to_local_paths(app: Flask, target: str, expected: str) -> None:
    client = app.test_client()
    page = client.get("/login", query_string={"next": target})
    response = client.post(
        "/login",
        data={"username": "gf", "password": "demo", "next": target, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_pages_need_a_login(client: Any) -> None:
    for url in ("/", "/cases", "/cases/new", "/tasks/00000000-0000-0000-0000-000000000000"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=")


def test_logout_is_a_post_with_csrf(browser: Any) -> None:
    gf = browser("gf")
    assert gf.client.get("/logout").status_code == 405
    assert gf.client.post("/logout").status_code == 400  # no token: still signed in
    assert gf.get("/").status_code == 200
    response = gf.submit("/logout", {}, page_url="/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert gf.get("/").status_code == 302


# --- CSRF and visibility ---------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_changes_nothing(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    task = only_task(case, "review_request")
    gf, gf_actor = browser("gf"), backstage.actor("gf")
    with backstage.services() as casework:
        history = casework.runtime.list_history(case.id, actor=gf_actor)
    for url, data in (
        (f"/tasks/{task.id}/claim", {}),
        (f"/tasks/{task.id}", {"decision": "no_objection"}),
        ("/cases/new/assignment_termination", {"initiator": "employee"}),
    ):
        response = gf.client.post(url, data=data)
        assert response.status_code == 400
        assert "Das Formular konnte nicht gesendet werden" in response.text
    with backstage.services() as casework:
        after = casework.tasks.get(task.id, actor=gf_actor)
        assert after.state == "open" and after.assignee is None
        assert casework.runtime.list_history(case.id, actor=gf_actor) == history
        assert casework.runtime.list(actor=gf_actor).total == 1


def test_outsiders_get_404_for_task_and_case(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    task = only_task(case, "review_request")
    land = browser("land.ministerium")
    assert land.get(f"/tasks/{task.id}").status_code == 404
    assert land.get(f"/cases/{case.id}").status_code == 404
    refused = land.submit(f"/tasks/{task.id}/claim", {}, page_url="/")
    assert refused.status_code == 404
    assert land.submit(f"/tasks/{task.id}", {"decision": "no_objection"}, page_url="/").status_code == 404
    with backstage.services() as casework:
        assert casework.tasks.get(task.id, actor=backstage.actor("gf")).assignee is None
    assert land.get("/cases/not-a-case").status_code == 404
    assert case.id not in land.get("/cases").text


def test_claim_conflict_is_reported_not_crashed(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    task = only_task(case, "review_request")
    gf, gf_actor = browser("gf"), backstage.actor("gf")
    with backstage.services() as casework:
        casework.tasks.complete(
            task.id, actor=gf_actor, data={"decision": "objection", "objection_reason": "x"}
        )
    response = gf.submit(f"/tasks/{task.id}/claim", {}, page_url="/")
    assert response.status_code == 302
    assert "bereits erledigt" in gf.get(response.headers["Location"]).text


def test_pages_name_the_person_not_the_username(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    task = only_task(case, "review_request")
    gf = browser("gf")
    gf.submit(f"/tasks/{task.id}/claim", {}, page_url="/?scope=candidate")
    name = backstage.display_name("gf")
    for url in (f"/tasks/{task.id}", f"/cases/{case.id}", "/?scope=mine"):
        cells = re.findall(r"<(?:dd|td)>([^<]*)", gf.get(url).text)
        assert name in cells, url
        assert "gf" not in cells, url
    history = re.findall(r"<td>([^<]*)</td>", gf.get(f"/cases/{case.id}").text)
    assert backstage.display_name("mitarbeiterin") in history


def test_unclaim_returns_the_task_to_the_group(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    task = only_task(case, "review_request")
    gf = browser("gf")
    gf.submit(f"/tasks/{task.id}/claim", {}, page_url="/?scope=candidate")
    page = gf.get(f"/tasks/{task.id}")
    assert f'action="/tasks/{task.id}/unclaim"' in page.text
    response = gf.submit(f"/tasks/{task.id}/unclaim", {}, page_url="/")
    assert response.status_code == 302
    with backstage.services() as casework:
        assert casework.tasks.get(task.id, actor=backstage.actor("gf")).assignee is None
    assert "liegt wieder bei der Gruppe" in gf.get("/").text


# --- language --------------------------------------------------------------------------------


def test_english_ui_by_accept_language(browser: Any, backstage: Backstage) -> None:
    case = start_case(backstage)
    gf = browser("gf")
    headers = {"Accept-Language": "en-GB,en;q=0.9"}
    inbox = gf.get("/?scope=candidate", headers=headers)
    assert '<html lang="en">' in inbox.text
    assert "My tasks" in inbox.text and "Group tasks" in inbox.text and "Inbox" in inbox.text
    assert "Posteingang" not in inbox.text
    page = gf.get(f"/cases/{case.id}", headers=headers)
    assert "History" in page.text and "running" in page.text
    german = gf.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in german.text and "Posteingang" in german.text


def test_english_pages_do_not_show_the_services_german_messages(browser: Any, backstage: Backstage) -> None:
    """Regression: the English 404/409 pages and flashes showed "Fall nicht gefunden." and the like."""
    case = start_case(backstage)
    task = only_task(case, "review_request")
    gf = browser("gf")
    english = {"Accept-Language": "en"}
    missing_case = gf.get("/cases/not-a-case", headers=english)
    assert missing_case.status_code == 404
    assert "not visible to you" in missing_case.text and "nicht gefunden" not in missing_case.text
    missing_task = gf.get("/tasks/not-a-task", headers=english)
    assert missing_task.status_code == 404 and "nicht gefunden" not in missing_task.text
    assert "Fall nicht gefunden." in gf.get("/cases/not-a-case").text  # German pages keep the precise text

    with backstage.services() as casework:
        casework.tasks.complete(
            task.id, actor=backstage.actor("gf"), data={"decision": "objection", "objection_reason": "x"}
        )
    token = csrf_token(gf.get("/", headers=english).text)
    refused = gf.client.post(f"/tasks/{task.id}/claim", data={"csrf_token": token}, headers=english)
    assert refused.status_code == 302
    flashed = gf.get(refused.headers["Location"], headers=english).text
    assert "in the meantime" in flashed and "bereits erledigt" not in flashed


# --- inbox: tabs, filter, paging, dates --------------------------------------------------------


def test_inbox_tabs_counts_dates_and_empty_state(browser: Any, backstage: Backstage) -> None:
    gf = browser("gf")
    empty = gf.get("/")
    assert "Sie haben zurzeit keine Aufgaben übernommen." in empty.text
    start_case(backstage)
    inbox = gf.get("/?scope=candidate")
    assert re.search(
        r'aria-current="page">\s*Gruppenaufgaben <span class="tabs__count">\(1\)</span>', inbox.text
    )
    assert 'Meine Aufgaben <span class="tabs__count">(0)</span>' in inbox.text
    # the due column heading sorts (issue 13): the list is in due order by default
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="[^"]*sort=-due_at[^"]*">Fällig</a></th>', inbox.text)
    # due in 10 working days from 25.11.2026 (NW), shown in Berlin time as dd.mm.yyyy HH:MM
    assert re.search(r"<time datetime=\"[^\"]+\">\d{2}\.\d{2}\.2026 \d{2}:\d{2}</time>", inbox.text)


def test_overdue_tasks_are_marked_in_words(browser: Any, backstage: Backstage, clock: Any) -> None:
    from datetime import timedelta

    start_case(backstage)
    clock.set(clock.now() + timedelta(days=60))
    inbox = browser("gf").get("/?scope=candidate")
    assert "überfällig" in inbox.text


def test_inbox_filter_and_paging(
    browser: Any, backstage: Backstage, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        start_case(backstage, business_key=f"ZW-2026-10{n}")
    monkeypatch.setitem(app.config, "INBOX_PAGE_SIZE", 2)
    gf = browser("gf")

    first = gf.get("/?scope=candidate")
    assert len(TASK_LINK.findall(first.text)) == 2
    assert "Seite 1 von 2" in first.text
    assert 'href="/?scope=candidate&amp;page=2"' in first.text
    second = gf.get("/?scope=candidate&page=2")
    assert len(TASK_LINK.findall(second.text)) == 1
    assert "Seite 2 von 2" in second.text and 'rel="prev"' in second.text

    filtered = gf.get("/?scope=candidate&process=assignment_termination")
    assert '<option value="assignment_termination" selected>' in filtered.text
    assert 'href="/?scope=candidate&amp;process=assignment_termination&amp;page=2"' in filtered.text
    other = gf.get("/?scope=candidate&process=gf_appointment")
    assert TASK_LINK.findall(other.text) == []
    assert "Filter zurücksetzen" in other.text
    assert gf.get("/?scope=bogus&page=x").status_code == 200


def test_case_list_filters_by_status(browser: Any, backstage: Backstage) -> None:
    start_case(backstage, business_key="ZW-LIST-1")
    employee = browser("mitarbeiterin")
    listing = employee.get("/cases")
    assert "ZW-LIST-1" in listing.text and "läuft" in listing.text
    assert "ZW-LIST-1" not in employee.get("/cases?status=completed").text
    assert "ZW-LIST-1" in employee.get("/cases?status=running&process=assignment_termination").text
    assert "ZW-LIST-1" in employee.get("/cases?business_key=ZW-LIST-1").text


def test_case_in_error_shows_the_failed_step(browser: Any, backstage: Backstage) -> None:
    gf_actor = backstage.actor("gf")
    with backstage.services() as casework:
        deploy_fixture(casework, "svc_evil_script.bpmn", SCRIPT="x = 1 / 0")
        case = casework.runtime.start("svc_evil_script", actor=gf_actor, business_key="ERR-1")
    assert case.status == "error"
    page = browser("gf").get(f"/cases/{case.id}")
    assert page.status_code == 200
    alert = page.text[page.text.index('role="alert"') :]
    assert "Der Ablauf wurde wegen eines Fehlers angehalten" in alert
    assert "Geheimnisse lesen" in alert  # the step's name; its id only for admins
    assert "read_secrets" not in alert[: alert.index("</div>")]
    assert case.error_message and case.error_message.split(":")[0] in alert
    assert "Fehler im Ablauf" in page.text  # the history names the failure


def test_case_page_names_groups_by_their_labels(browser: Any) -> None:
    employee = browser("mitarbeiterin")
    started = employee.submit(
        "/cases/new/assignment_termination",
        {"initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
         "reason": "Pflege", "requested_end_date": "2027-01-31"},
    )
    assert started.status_code == 302
    page = employee.get(started.headers["Location"]).text
    assert "Gruppe: Geschäftsführung" in page
