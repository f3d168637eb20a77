"""Withdrawal by the starter and termination from the case page (issue 14 §4)."""

from __future__ import annotations

from typing import Any

from tests.casefile.test_visibility import TRAEGER_NOTICE, start
from tests.factories import employee_request


def test_an_employee_withdraws_before_the_gf_decided(api: Any, casework: Any) -> None:
    employee = api("mitarbeiterin")
    case = start(employee, employee_request())
    url = f"/api/v1/process-instances/{case['id']}/withdraw"
    assert employee.post(url, json={}).status_code == 422
    assert api("gf").post(url, json={"reason": "x"}).status_code == 403  # only the starter
    assert api("tv.ba1").post(url, json={"reason": "x"}).status_code == 404
    answer = employee.post(url, json={"reason": "Die Pflege ist anders geregelt."})
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "terminated" and answer.json["open_tasks"] == []
    history = employee.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    (event,) = [h for h in history if h["action"] == "instance_withdrawn"]
    assert event["actor"] == "mitarbeiterin" and event["data"] == {"reason": "Die Pflege ist anders geregelt."}
    # the GF's review is gone from her inbox
    assert all(t["process_instance_id"] != case["id"] for t in api("gf").get("/api/v1/tasks").json["items"])
    assert employee.post(url, json={"reason": "nochmal"}).status_code == 409
    assert casework.history.verify_chain(case["id"])


def test_no_withdrawal_after_the_gf_decided(api: Any) -> None:
    employee, gf = api("mitarbeiterin"), api("gf")
    case = start(employee, employee_request())
    task = case["open_tasks"][0]["id"]
    assert gf.post(f"/api/v1/tasks/{task}/complete", json={"data": {"decision": "no_objection"}}).status_code == 200
    answer = employee.post(f"/api/v1/process-instances/{case['id']}/withdraw", json={"reason": "zu spät"})
    assert answer.status_code == 409 and answer.json["error"] == "conflict"
    assert employee.get(f"/api/v1/process-instances/{case['id']}").json["status"] == "running"


def test_withdraw_button_and_the_case_page_say_who_when_and_why(api: Any, browser: Any) -> None:
    case = start(api("mitarbeiterin"), employee_request())
    page = browser("mitarbeiterin")
    url = f"/cases/{case['id']}"
    assert "Fall zurückziehen" in page.get(url).text
    assert "Fall zurückziehen" not in browser("gf").get(url).text
    done = page.submit(f"{url}/withdraw", {"reason": "Hat sich erledigt."}, page_url=url, follow_redirects=True)
    assert done.status_code == 200 and "Sie haben den Fall zurückgezogen." in done.text
    assert "Der Fall wurde ohne Entscheidung zurückgezogen." in done.text
    assert "Zurückgezogen von" in done.text and "mitarbeiterin" in done.text and "Hat sich erledigt." in done.text
    assert "Fall zurückziehen</button>" not in done.text


def test_admin_terminates_from_the_case_page(api: Any, browser: Any) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    url = f"/cases/{case['id']}"
    assert "Fall beenden" not in browser("personal.ba").get(url).text
    admin = browser("admin")
    refused = admin.submit(f"{url}/terminate", {"reason": " "}, page_url=url, follow_redirects=True)
    assert "Der Fall wurde nicht beendet" in refused.text
    done = admin.submit(f"{url}/terminate", {"reason": "Doppelt angelegt."}, page_url=url, follow_redirects=True)
    assert "Der Fall wurde beendet." in done.text and "Beendet von" in done.text and "Doppelt angelegt." in done.text
    # the history labels the reason as such, not as the employee's "Wichtiger Grund"
    assert api("admin").get(f"/api/v1/process-instances/{case['id']}").json["status"] == "terminated"
    assert browser("personal.ba").client.post(f"{url}/terminate", data={"reason": "x"}).status_code in (400, 403)
