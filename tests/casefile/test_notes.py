"""Notes on a case (issue 14 §1): API and pages, hash-chained history, length and escaping."""

from __future__ import annotations

from typing import Any

from tests.factories import employee_request


def start(client: Any, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": "assignment_termination", "business_key": "ZW-NOTE-1",
              "variables": variables or employee_request()},
    )
    assert response.status_code == 201, response.json
    return response.json


def test_note_over_the_api_is_in_the_chained_history(api: Any, casework: Any) -> None:
    employee, gf = api("mitarbeiterin"), api("gf")
    case = start(employee)
    task_id = case["open_tasks"][0]["id"]
    added = gf.post(f"/api/v1/process-instances/{case['id']}/notes",
                    json={"text": "Rückfrage bei der Personalstelle läuft.", "task_id": task_id})
    assert added.status_code == 201, added.json
    assert added.json["author"] == "gf" and added.json["task_id"] == task_id
    assert added.json["text"] == "Rückfrage bei der Personalstelle läuft."
    employee.post(f"/api/v1/process-instances/{case['id']}/notes", json={"text": "Zweite Notiz"})
    listed = employee.get(f"/api/v1/process-instances/{case['id']}/notes").json["items"]
    assert [n["text"] for n in listed] == ["Rückfrage bei der Personalstelle läuft.", "Zweite Notiz"]
    assert {"id", "at", "author", "text"} <= set(listed[1]) and "task_id" not in listed[1]
    history = employee.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    notes = [h for h in history if h["action"] == "note_added"]
    assert [n["data"]["text"] for n in notes] == ["Rückfrage bei der Personalstelle läuft.", "Zweite Notiz"]
    assert casework.history.verify_chain(case["id"])


def test_note_length_and_bad_input(api: Any) -> None:
    employee = api("mitarbeiterin")
    case = start(employee)
    url = f"/api/v1/process-instances/{case['id']}/notes"
    assert employee.post(url, json={"text": "x" * 10_000}).status_code == 201
    too_long = employee.post(url, json={"text": "x" * 10_001})
    assert too_long.status_code == 422 and "text" in too_long.json["details"]["fields"]
    assert employee.post(url, json={"text": "   "}).status_code == 422
    assert employee.post(url, json={"text": 5}).status_code == 422
    assert employee.post(url, json={"text": "a", "task_id": "nope"}).status_code == 422
    assert employee.client.post(url, data="{", content_type="application/json",
                                headers=employee.headers).status_code == 400
    assert len(employee.get(url).json["items"]) == 1


def test_notes_of_an_invisible_case_are_404(api: Any) -> None:
    case = start(api("mitarbeiterin"))
    outsider = api("ka.land1")
    url = f"/api/v1/process-instances/{case['id']}/notes"
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, json={"text": "hallo"}).status_code == 404
    assert api("mitarbeiterin").get("/api/v1/process-instances/unknown/notes").status_code == 404


def test_note_on_the_case_page_is_escaped_with_line_breaks(api: Any, browser: Any) -> None:
    case = start(api("mitarbeiterin"))
    page = browser("mitarbeiterin")
    url = f"/cases/{case['id']}"
    text = "Erste Zeile <script>alert(1)</script>\nZweite Zeile"
    response = page.submit(f"{url}/notes", {"text": text}, page_url=url, follow_redirects=True)
    assert response.status_code == 200
    assert "Die Notiz wurde gespeichert." in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nZweite Zeile" in response.text
    assert "<script>alert(1)" not in response.text
    assert 'class="note__text"' in response.text


def test_note_on_the_task_page(api: Any, browser: Any) -> None:
    case = start(api("mitarbeiterin"))
    task_id = case["open_tasks"][0]["id"]
    page = browser("gf")
    response = page.submit(f"/cases/{case['id']}/notes", {"text": "Vorab geprüft", "task_id": task_id,
                                                          "back": "task"},
                           page_url=f"/tasks/{task_id}")
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/tasks/{task_id}")
    shown = page.get(f"/tasks/{task_id}").text
    assert "Vorab geprüft" in shown and "Notizen" in shown
