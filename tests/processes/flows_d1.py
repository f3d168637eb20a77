"""Driving ``instruction_conflict`` and ``gf_appointment`` over the JSON API, as their tests do.

Every step goes through the API a client system would use: start, find the caller's open task,
complete it. The demo committees (DOMAIN.md §2) vote: the TV of the Jobcenter (chair ``tv.ba1``)
and the KA of NRW (chair ``ka.bmas1``).
"""

from __future__ import annotations

import html
import re
from typing import Any

KA_MEMBERS = ("ka.land1", "ka.land2", "ka.land3", "ka.bmas1", "ka.bmas2", "ka.bmas3")
KA_CHAIR = "ka.bmas1"
TV_MEMBERS = ("tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2", "tv.kom3")
TV_CHAIR = "tv.ba1"


def conflict_variables(**overrides: Any) -> dict[str, Any]:
    """Start variables of an instruction conflict the GF brings: BA (A) against the Kommune (B)."""
    data: dict[str, Any] = {
        "instruction_a": {"issuer": "ba", "date": "2026-11-02", "subject": "Eingliederungsmittel vorrangig für Weiterbildung"},
        "instruction_b": {"issuer": "kommune", "date": "2026-11-09", "subject": "Eingliederungsmittel vorrangig für Schuldnerberatung"},
        "caller": "gf",
        "fundamental": False,
    }
    data.update(overrides)
    return data


def appointment_variables(**overrides: Any) -> dict[str, Any]:
    """Start variables of a GF appointment the TV office brings."""
    data: dict[str, Any] = {
        "candidate_name": "Dr. Gerda Geschäftig",
        "candidate_employer": "ba",
        "pay_grade": "A16",
        "start_date": "2026-03-01",
        "first_chair_by_ba": False,
    }
    data.update(overrides)
    return data


def start(client: Any, process_key: str, variables: dict[str, Any], business_key: str = "D1-2026-1") -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        json={"process_key": process_key, "business_key": business_key, "variables": variables},
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def tasks_of(client: Any, instance_id: str, name: str | None = None) -> list[dict[str, Any]]:
    """The open tasks of the case that the client holds or is offered."""
    response = client.get(f"/api/v1/tasks?scope=all&process_instance_id={instance_id}&per_page=200")
    assert response.status_code == 200, response.json
    return [t for t in response.json["items"] if name is None or t["name"] == name]


def group_inbox(client: Any, instance_id: str, name: str | None = None) -> list[dict[str, Any]]:
    """The case's tasks in the client's group inbox: offered to one of their groups, unclaimed."""
    response = client.get(f"/api/v1/tasks?scope=candidate&process_instance_id={instance_id}&per_page=200")
    assert response.status_code == 200, response.json
    return [t for t in response.json["items"] if name is None or t["name"] == name]


def sees_neither(client: Any, instance_id: str, task_id: str) -> bool:
    """The client finds neither the case nor the task (404 each) and nothing of it in the inbox."""
    return (
        client.get(f"/api/v1/process-instances/{instance_id}").status_code == 404
        and client.get(f"/api/v1/tasks/{task_id}").status_code == 404
        and tasks_of(client, instance_id) == []
    )


def involved(client: Any, instance_id: str) -> list[tuple[str, list[str]]]:
    """(group, organisation names) of each ``parties_added`` entry of the case's history."""
    return [(e["data"]["group"], e["data"]["organisations"])
            for e in history(client, instance_id) if e["action"] == "parties_added"]


# a Land whose Kooperationsausschuss office has nothing to do with the NRW cases
BAVARIA = ("land-by", ("Freistaat Bayern", "land", "BY"))


def complete(client: Any, task_id: str, data: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == 200, response.json
    return dict(response.json["process_instance"])


def do(client: Any, instance_id: str, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Complete the client's one open task ``name`` of the case; returns the case after the step."""
    (task,) = tasks_of(client, instance_id, name)
    return complete(client, task["id"], data)


def case(client: Any, instance_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/process-instances/{instance_id}")
    assert response.status_code == 200, response.json
    return dict(response.json)


def open_names(instance: dict[str, Any]) -> list[str]:
    return sorted(t["name"] for t in instance["open_tasks"])


def vote(api: Any, instance_id: str, task: str, ballots: dict[str, str]) -> dict[str, Any]:
    """Each member in ``ballots`` casts their vote in their own ``task``; the case after the last."""
    after: dict[str, Any] = {}
    for username, choice in ballots.items():
        after = do(api(username), instance_id, task, {"vote": choice})
    return after


def history(client: Any, instance_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/process-instances/{instance_id}/history?per_page=200")
    assert response.status_code == 200, response.json
    return list(response.json["items"])


# --- instruction_conflict ------------------------------------------------------------------------


def reach_hearing(api: Any, *, ba_maintains: bool = True, kommune_maintains: bool = False,
                  **overrides: Any) -> dict[str, Any]:
    """A GF call up to the hearing: inform the Träger, both review (at least one maintains)."""
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables(**overrides))
    do(gf, started["id"], "inform_traeger", {"informed_on": "2026-11-24"})
    do(api("traeger.ba"), started["id"], "traeger_review",
       {"maintained": ba_maintains, "statement": "Die Weisung der Agentur bleibt bestehen."})
    return do(api("traeger.kommune"), started["id"], "traeger_review",
              {"maintained": kommune_maintains, "statement": "Die Kommune prüft ihre Weisung."})


def hold_hearings(api: Any, instance_id: str, parties: tuple[str, ...] = ("traeger.ba", "traeger.kommune", "gf")) -> dict[str, Any]:
    after: dict[str, Any] = {}
    for username in parties:
        after = do(api(username), instance_id, "hearing", {"statement": f"Stellungnahme von {username}"})
    return after


def reach_ka_vote(api: Any, **overrides: Any) -> dict[str, Any]:
    started = reach_hearing(api, **overrides)
    return hold_hearings(api, started["id"])


def send_decision(api: Any, instance_id: str) -> dict[str, Any]:
    return do(api("ka.buero"), instance_id, "notify_parties", {"sent_on": "2026-11-25"})


def decision_record(page: str) -> str:
    """The decision record section of a case page, as text without tags."""
    section = page.split('id="decision-title"', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(section)).split())
