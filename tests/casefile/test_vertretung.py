"""Vertretung (issue 14 §3): a substitute does the absent user's tasks, the history names both; personal
ballots pass only to a committee's named deputy and count for the member's seat."""

from __future__ import annotations

from typing import Any

from tests.casefile.test_visibility import start
from tests.factories import employee_request

LEAVE = {"from": "2026-11-23", "until": "2026-12-11", "substitute": "gf.vertretung"}


def inbox(client: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/tasks")
    assert response.status_code == 200
    return list(response.json["items"])


def test_the_deputy_gf_completes_the_gf_review_while_she_is_away(api: Any, casework: Any) -> None:
    gf, deputy, employee = api("gf"), api("gf.vertretung"), api("mitarbeiterin")
    assert deputy.get("/api/v1/me").json["stands_in_for"] == []
    recorded = gf.client.put("/api/v1/me/absence", json=LEAVE, headers=gf.headers)
    assert recorded.status_code == 200, recorded.json
    assert recorded.json == {**LEAVE, "active": True}
    assert gf.get("/api/v1/me").json["absence"]["substitute"] == "gf.vertretung"
    case = start(employee, employee_request())
    (task,) = [t for t in inbox(deputy) if t["process_instance_id"] == case["id"]]
    assert task["name"] == "review_request" and task["on_behalf_of"] == "Georg Geschäftsführer"
    assert deputy.get(f"/api/v1/process-instances/{case['id']}").status_code == 200
    done = deputy.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"decision": "no_objection"}})
    assert done.status_code == 200, done.json
    history = gf.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    completed = next(h for h in history if h["action"] == "task_completed")
    assert completed["actor"] == "gf.vertretung" and completed["data"]["on_behalf_of"] == "gf"
    assert casework.history.verify_chain(case["id"])
    # the absence ends: nothing of the GF's reaches the deputy any more
    assert gf.client.delete("/api/v1/me/absence", headers=gf.headers).status_code == 204
    assert gf.get("/api/v1/me").json["absence"] is None
    later = start(employee, employee_request(employee_name="Max Später"))
    assert inbox(deputy) == []
    assert deputy.get(f"/api/v1/process-instances/{later['id']}").status_code == 404
    (review,) = [t for t in inbox(gf) if t["process_instance_id"] == later["id"]]
    assert deputy.post(f"/api/v1/tasks/{review['id']}/complete",
                       json={"data": {"decision": "no_objection"}}).status_code == 404


def test_the_task_page_marks_the_stand_in(api: Any, browser: Any) -> None:
    api("gf").client.put("/api/v1/me/absence", json=LEAVE, headers=api("gf").headers)
    case = start(api("mitarbeiterin"), employee_request())
    page = browser("gf.vertretung")
    listing = page.get("/?scope=candidate").text
    assert "in Vertretung für Georg Geschäftsführer" in listing
    task_id = case["open_tasks"][0]["id"]
    shown = page.get(f"/tasks/{task_id}").text
    assert "in Vertretung für Georg Geschäftsführer" in shown and "Aufgabe erledigen" in shown


def test_an_absence_is_checked(api: Any) -> None:
    gf = api("gf")

    def put(**changes: str) -> Any:
        return gf.client.put("/api/v1/me/absence", json={**LEAVE, **changes}, headers=gf.headers)

    assert put(substitute="personal.ba").status_code == 422  # another organisation
    assert put(substitute="gf").status_code == 422
    assert put(substitute="niemand").status_code == 422
    assert put(until="2026-11-01").status_code == 422
    assert put(until="2026-02-30").json["details"]["fields"] == {"until": "Datum im Format JJJJ-MM-TT erwartet."}
    assert gf.get("/api/v1/me/absence").status_code == 404


def test_a_ballot_passes_only_to_the_committee_deputy(api: Any, casework: Any, actor: Any) -> None:
    from tests.processes.test_gf_appointment import _start

    body = casework.committees.find_body("tv", actor("tv.buero").primary_organisation_id)
    casework.committees.set_deputy(body.id, "tv.kom3", "traeger.kommune", actor=actor("admin"))
    member = api("tv.kom3")
    member.client.put("/api/v1/me/absence", headers=member.headers, json={
        "from": "2026-11-20", "until": "2026-12-31", "substitute": "personal.kommune"})
    case = _start(api)
    # the general substitute gets no ballot; the named deputy does, for the member's seat
    assert all(t["name"] != "tv_vote" for t in inbox(api("personal.kommune")))
    (ballot,) = [t for t in inbox(api("traeger.kommune")) if t["process_instance_id"] == case["id"]]
    assert ballot["assignee"] == "tv.kom3" and ballot["on_behalf_of"] == "TV-Mitglied Kommune 3"
    assert api("personal.kommune").post(f"/api/v1/tasks/{ballot['id']}/complete",
                                        json={"data": {"vote": "yes"}}).status_code == 404
    assert api("traeger.kommune").post(f"/api/v1/tasks/{ballot['id']}/complete",
                                       json={"data": {"vote": "yes"}}).status_code == 200
    for voter in ("tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2"):
        (task,) = [t for t in inbox(api(voter)) if t["process_instance_id"] == case["id"]]
        assert api(voter).post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"vote": "yes"}}).status_code == 200
    result = api("tv.buero").get(f"/api/v1/process-instances/{case['id']}").json["variables"]["first_vote"]
    assert result["counts"] == {"yes": 6, "no": 0, "abstain": 0}  # six seats, each once
    assert result["votes"]["tv.kom3"] == "yes" and "traeger.kommune" not in result["votes"]
    history = api("tv.buero").get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    assert any(h["actor"] == "traeger.kommune" and (h.get("data") or {}).get("on_behalf_of") == "tv.kom3"
               for h in history if h["action"] == "task_completed")
    casework.committees.set_deputy(body.id, "tv.kom3", None, actor=actor("admin"))


def test_absence_on_the_account_page(browser: Any) -> None:
    page = browser("gf")
    answer = page.submit("/account/absence", {"from": "25.11.2026", "until": "11.12.2026",
                                              "substitute": "gf.vertretung"}, page_url="/account",
                         follow_redirects=True)
    assert "Ihre Abwesenheit wurde gespeichert." in answer.text
    assert "Sie sind vom 25.11.2026 bis zum 11.12.2026 abwesend; Gabriele Stellvertreterin (stv. GF)" in answer.text
    refused = page.submit("/account/absence", {"from": "25.11.2026", "until": "11.12.2026",
                                               "substitute": "personal.ba"}, page_url="/account",
                          follow_redirects=True)
    assert "Die Abwesenheit wurde nicht gespeichert" in refused.text
    ended = page.submit("/account/absence", {"end": "1"}, page_url="/account", follow_redirects=True)
    assert "Ihre Abwesenheit ist beendet." in ended.text and "Sie sind vom" not in ended.text


def test_admins_name_a_committee_deputy_on_the_committee_page(browser: Any) -> None:
    import re

    admin = browser("admin")
    index = admin.get("/admin/committees").text
    url = re.search(r'href="(/admin/committees/\d+)"[^>]*>[^<]*Trägerversammlung', index).group(1)
    saved = admin.submit(f"{url}/deputy", {"member": "tv.ba2", "deputy": "traeger.ba"}, page_url=url,
                         follow_redirects=True)
    assert "Die Stellvertretung wurde gespeichert." in saved.text
    assert re.search(r"<td>tv.ba2</td>.*?<td>traeger.ba</td>", saved.text, re.S)
    refused = admin.submit(f"{url}/deputy", {"member": "tv.ba2", "deputy": "tv.ba2"}, page_url=url,
                           follow_redirects=True)
    assert "Ein Mitglied kann sich nicht selbst vertreten." in refused.text
    admin.submit(f"{url}/deputy", {"member": "tv.ba2", "deputy": ""}, page_url=url)
    member = browser("tv.ba1")
    assert member.submit(f"{url}/deputy", {"member": "tv.ba2"}, page_url="/").status_code == 403
