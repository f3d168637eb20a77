"""'Neu zuweisen' in the UI (issue 14 §3): supervisors and admins, offering only candidates."""

from __future__ import annotations

from typing import Any

from tests.casefile.test_visibility import TRAEGER_NOTICE, start


def test_a_supervisor_reassigns_to_a_candidate(api: Any, browser: Any) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    (task,) = case["open_tasks"]
    gf = browser("gf")  # supervises hr_ba
    assert "Neu zuweisen" in gf.get(f"/cases/{case['id']}").text
    page = gf.get(f"/tasks/{task['id']}/reassign")
    assert page.status_code == 200
    assert 'value="personal.ba"' in page.text and 'value="tv.ba1"' not in page.text
    done = gf.submit(f"/tasks/{task['id']}/reassign", {"username": "personal.ba"}, follow_redirects=True)
    assert done.status_code == 200 and "wurde Petra Personal (BA) zugewiesen" in done.text
    assert api("personal.ba").get(f"/api/v1/tasks/{task['id']}").json["assignee"] == "personal.ba"
    refused = gf.submit(f"/tasks/{task['id']}/reassign", {"username": "tv.ba1"}, follow_redirects=True)
    assert "Die Person kann diese Aufgabe nicht übernehmen" in refused.text
    assert browser("tv.ba1").get(f"/tasks/{task['id']}/reassign").status_code == 404
    assert browser("personal.ba").get(f"/tasks/{task['id']}/reassign").status_code == 404
    assert "Neu zuweisen" in browser("admin").get(f"/tasks/{task['id']}").text
