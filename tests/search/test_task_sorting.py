"""Sorting and filtering the task list (issue 13 §3): GET /api/v1/tasks?sort=…&due=…"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from models import db
from tests.factories import employee_request


def gf_tasks(client: Any, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/tasks", query_string={"per_page": 200, **params})
    assert response.status_code == 200, response.json
    return response.json["items"]


@pytest.fixture
def three_reviews(api: Any, app: Any, clock: Any) -> list[str]:
    """Three GF reviews with due dates today+1, +3 and +20 days and priorities 1, 5, 3."""
    employee = api("mitarbeiterin")
    keys = []
    for n, (days, priority, name) in enumerate(((20, 3, "Zora Zeh"), (1, 1, "Anton Ast"), (3, 5, "Berta Bach"))):
        key = f"SORT-{n}"
        response = employee.post("/api/v1/process-instances", json={
            "process_key": "assignment_termination", "business_key": key,
            "variables": employee_request(employee_name=name)})
        assert response.status_code == 201, response.json
        with app.app_context():
            db.session.execute(sa.text(
                "UPDATE human_tasks SET due_at = :due, priority = :p, created_at = :c WHERE instance_id = :i"),
                {"due": clock.now() + timedelta(days=days), "p": priority,
                 "c": clock.now() + timedelta(minutes=n), "i": response.json["id"]})
            db.session.commit()
            db.session.remove()
        keys.append(key)
    return keys


def test_tasks_sort_by_each_key_both_ways(api: Any, three_reviews: list[str]) -> None:
    gf = api("gf")
    by = lambda **p: [t["business_key"] for t in gf_tasks(gf, process_key="assignment_termination", **p)]  # noqa: E731
    assert by() == ["SORT-1", "SORT-2", "SORT-0"]  # the default: due first
    assert by(sort="due_at") == ["SORT-1", "SORT-2", "SORT-0"]
    assert by(sort="-due_at") == ["SORT-0", "SORT-2", "SORT-1"]
    assert by(sort="-priority") == ["SORT-2", "SORT-0", "SORT-1"]
    assert by(sort="priority") == ["SORT-1", "SORT-0", "SORT-2"]
    assert by(sort="created_at") == ["SORT-0", "SORT-1", "SORT-2"]
    assert by(sort="-created_at") == ["SORT-2", "SORT-1", "SORT-0"]
    titles = [t["title"] for t in gf_tasks(gf, sort="title")]
    assert titles == sorted(titles)


def test_an_unknown_sort_key_is_a_422_naming_the_keys(api: Any) -> None:
    response = api("gf").get("/api/v1/tasks?sort=state")
    assert response.status_code == 422
    assert "due_at" in response.json["details"]["fields"]["sort"]


def test_the_due_filter(api: Any, app: Any, clock: Any, three_reviews: list[str]) -> None:
    gf = api("gf")
    keys = lambda **p: sorted(t["business_key"] for t in gf_tasks(gf, **p))  # noqa: E731
    # the test clock stands on Wednesday 2026-11-25: +1 and +3 days fall in this week, +20 does not
    assert keys(due="this_week") == ["SORT-1", "SORT-2"]
    assert keys(due="overdue") == []
    clock.set(clock.now() + timedelta(days=2))
    assert keys(due="overdue") == ["SORT-1"]
    with app.app_context():
        db.session.execute(sa.text(
            "UPDATE human_tasks SET due_at = NULL WHERE instance_id IN "
            "(SELECT id FROM process_instances WHERE business_key = 'SORT-0')"))
        db.session.commit()
        db.session.remove()
    assert keys(due="none") == ["SORT-0"]
    assert api("gf").get("/api/v1/tasks?due=tomorrow").status_code == 422


def test_the_inbox_sorts_by_its_column_headings_and_filters_by_due_state(browser: Any,
                                                                       three_reviews: list[str]) -> None:
    page = browser("gf")
    default = page.get("/?scope=candidate").text
    assert 'aria-sort="ascending"' in default  # due order by default
    assert default.index("SORT-1") < default.index("SORT-2") < default.index("SORT-0")
    by_priority = page.get("/?scope=candidate&sort=-priority").text
    assert by_priority.index("SORT-2") < by_priority.index("SORT-0") < by_priority.index("SORT-1")
    assert 'aria-sort="descending"' in by_priority
    assert "Eingegangen" in by_priority
    this_week = page.get("/?scope=candidate&due=this_week").text
    assert "SORT-1" in this_week and "SORT-2" in this_week and "SORT-0" not in this_week
    assert "Diese Woche fällig" in this_week
    # odd values fall back to the defaults, never an error
    assert page.get("/?scope=candidate&sort=state&due=gestern").status_code == 200


def test_a_filter_saved_under_a_name_shows_as_a_tab_and_can_be_deleted(browser: Any,
                                                                      three_reviews: list[str]) -> None:
    page = browser("gf")
    saved = page.submit("/filters", {"name": "Diese Woche", "scope": "candidate", "due": "this_week",
                                     "sort": "-priority"}, page_url="/", follow_redirects=True)
    assert saved.status_code == 200
    assert "Der Filter „Diese Woche“ ist gespeichert." in saved.text
    assert 'aria-label="Gespeicherte Filter"' in saved.text
    assert "SORT-2" in saved.text and "SORT-0" not in saved.text  # the filter is applied
    inbox = page.get("/").text
    assert "Diese Woche" in inbox
    assert page.submit("/filters", {"name": "  ", "scope": "mine"}, page_url="/",
                       follow_redirects=True).status_code == 200  # refused with a message, nothing saved
    filter_id = inbox.split("/filters/")[1].split("/delete")[0]
    gone = page.submit(f"/filters/{filter_id}/delete", {}, page_url="/", follow_redirects=True)
    assert "Der Filter ist gelöscht." in gone.text and 'aria-label="Gespeicherte Filter"' not in gone.text
    # another user cannot delete someone's filter
    assert browser("mitarbeiterin").submit(f"/filters/{filter_id}/delete", {}, page_url="/").status_code == 404
