"""beirat_appointment (§ 18d SGB II; DOMAIN.md §4.4) end to end over the JSON API."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from casework.clock import FrozenClock
from tests.processes.conftest import ProcessDriver
from tests.processes.flows_d1 import BAVARIA, involved, sees_neither
from tests.processes.test_option_application import fire_timers_at, stored_state

PROPOSERS = ("caritas", "dgb", "handwerk", "ihk")
TV_MEMBERS = ("tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2", "tv.kom3")
NOMINATIONS = {
    "ihk": {"nominee_name": "Ingrid Kammer", "proposer_type": "kammer", "offers_eingliederungsleistungen": False},
    "dgb": {"nominee_name": "Gerd Gewerkschaft", "proposer_type": "arbeitnehmer",
            "offers_eingliederungsleistungen": False},
    "caritas": {"nominee_name": "Clara Caritas", "proposer_type": "wohlfahrtspflege",
                "offers_eingliederungsleistungen": True},
    "handwerk": {"nominee_name": "Hans Handwerk", "proposer_type": "kammer", "offers_eingliederungsleistungen": False},
}


def start(cases: ProcessDriver, body: str = "tv", seats: int = 5) -> dict[str, Any]:
    starter = "tv.buero" if body == "tv" else "option.team"
    case = cases.start(starter, "beirat_appointment",
                       {"appointing_body": body, "seats": seats, "nomination_deadline": "2026-12-31"},
                       business_key="BEIRAT-2026")
    assert sorted(t["name"] for t in case["open_tasks"]) == ["close_nominations"] + ["submit_nomination"] * 4
    return case


def nominate_all(cases: ProcessDriver, case_id: str, nominations: dict[str, dict[str, Any]] | None = None
                 ) -> dict[str, Any]:
    after: dict[str, Any] = {}
    for proposer, data in (nominations or NOMINATIONS).items():
        after = cases.complete_as(proposer, case_id, "submit_nomination", data)
    return after


def vote_all(cases: ProcessDriver, case_id: str, votes: dict[str, dict[str, str]]) -> dict[str, Any]:
    """votes: nominee name -> {member: vote}; every member votes on every eligible nominee."""
    after: dict[str, Any] = {}
    for member in TV_MEMBERS:
        for task in cases.tasks(member, case_id, "tv_vote"):
            detail = cases.client(member).get(f"/api/v1/tasks/{task['id']}").json
            nominee = detail["values"]["nominee"]
            response = cases.client(member).post(f"/api/v1/tasks/{task['id']}/complete",
                                                 json={"data": {"vote": votes[nominee][member]}})
            assert response.status_code == 200, response.json
            after = response.json["process_instance"]
    return after


def everyone(vote: str) -> dict[str, str]:
    return dict.fromkeys(TV_MEMBERS, vote)


def test_the_proposers_of_the_land_are_involved_and_asked_one_by_one(cases: ProcessDriver, colleague: Any) -> None:
    outsider = colleague("kammer.bayern", "beirat_proposer", *BAVARIA)
    case = start(cases)
    nominations = {t["assignee"]: t for t in case["open_tasks"] if t["name"] == "submit_nomination"}
    # a proposer of another Land is neither asked nor a party
    assert set(nominations) == set(PROPOSERS)
    assert involved(cases.client("admin"), case["id"]) == [("beirat_proposer", [
        "Caritasverband Musterkreis", "DGB Region Musterkreis", "Handwerkskammer Musterstadt", "IHK Musterstadt"])]
    assert sees_neither(cases.client(outsider), case["id"], nominations["ihk"]["id"])
    # each proposer sees its own nomination and the case, not another proposer's task
    ihk = cases.client("ihk")
    assert ihk.get(f"/api/v1/process-instances/{case['id']}").status_code == 200
    assert [t["id"] for t in cases.tasks("ihk", case["id"])] == [nominations["ihk"]["id"]]
    assert ihk.get(f"/api/v1/tasks/{nominations['dgb']['id']}").status_code == 404


def test_tv_appoints_eligible_nominees_by_vote(cases: ProcessDriver) -> None:
    case = start(cases)
    assert {t["assignee"] for t in case["open_tasks"] if t["name"] == "submit_nomination"} == set(PROPOSERS)
    after = nominate_all(cases, case["id"])
    variables = after["variables"]
    assert variables["eligible_names"] == ["Gerd Gewerkschaft", "Hans Handwerk", "Ingrid Kammer"]
    # 3 eligible nominees x 6 members: one vote task per member and nominee
    assert [t["name"] for t in after["open_tasks"]] == ["tv_vote"] * 18
    assert len(cases.tasks("tv.ba1", case["id"], "tv_vote")) == 3
    tie = {**dict.fromkeys(("tv.ba1", "tv.ba2", "tv.ba3"), "yes"), **dict.fromkeys(("tv.kom1", "tv.kom2", "tv.kom3"), "no")}
    final = vote_all(cases, case["id"], {
        "Gerd Gewerkschaft": everyone("yes"),
        "Hans Handwerk": everyone("no"),
        "Ingrid Kammer": tie,
    })
    assert (final["status"], final["outcome"]) == ("completed", "appointed")
    appointed = [m["name"] for m in final["variables"]["appointed_members"]]
    # the 3:3 tie is decided by the chair's yes (tv.ba1): an ordinary matter
    assert appointed == ["Gerd Gewerkschaft", "Ingrid Kammer"]
    results = {r["name"]: r["tally"] for r in final["variables"]["nominee_results"]}
    assert results["Ingrid Kammer"]["casting_vote"] is True and results["Ingrid Kammer"]["tie"] is True
    rejected = {r["name"]: r["reason"] for r in final["variables"]["rejected_nominees"]}
    assert set(rejected) == {"Clara Caritas", "Hans Handwerk"}
    assert "§ 18d Satz 4" in rejected["Clara Caritas"]
    assert "nicht gewählt" in rejected["Hans Handwerk"] and "Nein 6" in rejected["Hans Handwerk"]


def test_zkt_appoints_without_tv_vote(cases: ProcessDriver) -> None:
    case = start(cases, body="zkt")
    close = cases.task("option.team", case["id"], "close_nominations")
    assert close["candidate_groups"] == ["option_team"]
    after = nominate_all(cases, case["id"])
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [("zkt_appointment", ["option_team"])]
    detail = cases.client("option.team").get(f"/api/v1/tasks/{after['open_tasks'][0]['id']}").json
    assert detail["values"]["eligible_list"] == "Gerd Gewerkschaft, Hans Handwerk, Ingrid Kammer"
    refused = cases.submit("option.team", case["id"], "zkt_appointment",
                           {"not_appointed": "Clara Caritas", "appointment_date": "2027-01-15"})
    assert refused.status_code == 422 and set(refused.json["details"]["fields"]) == {"not_appointed"}
    final = cases.complete_as("option.team", case["id"], "zkt_appointment",
                              {"not_appointed": "Hans Handwerk\n", "appointment_date": "2027-01-15"})
    assert (final["status"], final["outcome"]) == ("completed", "appointed")
    assert [m["name"] for m in final["variables"]["appointed_members"]] == ["Gerd Gewerkschaft", "Ingrid Kammer"]
    rejected = {r["name"]: r["reason"] for r in final["variables"]["rejected_nominees"]}
    assert rejected["Hans Handwerk"] == "Vom zugelassenen kommunalen Träger nicht berufen."


def test_provider_nominee_is_rejected_with_the_reason(cases: ProcessDriver) -> None:
    case = start(cases, body="zkt")
    after = nominate_all(cases, case["id"])
    (caritas,) = [r for r in after["variables"]["rejected_nominees"] if r["proposer"] == "caritas"]
    assert caritas["name"] == "Clara Caritas"
    assert caritas["reason"].startswith("Die Organisation erbringt Eingliederungsleistungen")
    assert "Clara Caritas" not in after["variables"]["eligible_names"]


def test_nominee_without_proposer_type_is_rejected(cases: ProcessDriver) -> None:
    case = start(cases, body="zkt")
    nominations = dict(NOMINATIONS)
    nominations["ihk"] = {"nominee_name": "Otto Ohnestelle", "offers_eingliederungsleistungen": False}
    after = nominate_all(cases, case["id"], nominations)
    rejected = {r["name"]: r["reason"] for r in after["variables"]["rejected_nominees"]}
    assert rejected["Otto Ohnestelle"] == "Keine vorschlagsberechtigte Stelle angegeben (§ 18d SGB II)."


def test_no_proposer_and_provider_gives_the_no_proposer_reason_first(cases: ProcessDriver) -> None:
    case = start(cases, body="zkt")
    nominations = {"ihk": {"nominee_name": "Beides Fehlt", "offers_eingliederungsleistungen": True}}
    cases.complete_as("ihk", case["id"], "submit_nomination", nominations["ihk"])
    after = cases.complete_as("option.team", case["id"], "close_nominations", {})
    (rejected,) = after["variables"]["rejected_nominees"]
    assert rejected["reason"].startswith("Keine vorschlagsberechtigte Stelle")


def test_closing_early_records_missing_nominations(app: Flask, cases: ProcessDriver) -> None:
    case = start(cases)
    cases.complete_as("dgb", case["id"], "submit_nomination", NOMINATIONS["dgb"])
    after = cases.complete_as("tv.buero", case["id"], "close_nominations", {"closing_note": "Sitzung vorgezogen"})
    assert sorted(after["variables"]["no_nomination_from"]) == ["caritas", "handwerk", "ihk"]
    assert [t["name"] for t in after["open_tasks"]] == ["tv_vote"] * 6
    assert cases.tasks("ihk", case["id"]) == []
    missing = [n for n in after["variables"]["nominations"] if not n["submitted"]]
    assert {n["ended_by"] for n in missing} == {"closed"}
    assert stored_state(app, case["id"])["bpmn_events"] == []
    final = vote_all(cases, case["id"], {"Gerd Gewerkschaft": everyone("yes")})
    assert [m["name"] for m in final["variables"]["appointed_members"]] == ["Gerd Gewerkschaft"]


def test_no_eligible_nominee_appoints_nobody(cases: ProcessDriver) -> None:
    case = start(cases)
    cases.complete_as("caritas", case["id"], "submit_nomination", NOMINATIONS["caritas"])
    final = cases.complete_as("tv.buero", case["id"], "close_nominations", {})
    assert (final["status"], final["outcome"]) == ("completed", "appointed")
    assert final["variables"]["appointed_members"] == []
    assert [r["name"] for r in final["variables"]["rejected_nominees"]] == ["Clara Caritas"]


def test_more_elected_than_seats(cases: ProcessDriver) -> None:
    case = start(cases, seats=1)
    nominate_all(cases, case["id"])
    five_yes = {**everyone("yes"), "tv.kom3": "no"}
    final = vote_all(cases, case["id"], {
        "Gerd Gewerkschaft": five_yes, "Hans Handwerk": everyone("yes"), "Ingrid Kammer": five_yes})
    assert [m["name"] for m in final["variables"]["appointed_members"]] == ["Hans Handwerk"]
    reasons = {r["name"]: r["reason"] for r in final["variables"]["rejected_nominees"]}
    assert reasons["Gerd Gewerkschaft"] == "Gewählt, aber alle 1 Sitze sind bereits besetzt."


def test_starter_must_match_the_appointing_body(cases: ProcessDriver) -> None:
    response = cases.client("tv.buero").post("/api/v1/process-instances", json={
        "process_key": "beirat_appointment",
        "variables": {"appointing_body": "zkt", "seats": 3, "nomination_deadline": "2026-12-31"}})
    assert response.status_code == 422
    assert set(response.json["details"]["fields"]) == {"appointing_body"}


def test_impossible_and_past_deadlines_are_refused(cases: ProcessDriver) -> None:
    for deadline in ("2026-11-31", "2026-11-24"):
        response = cases.client("tv.buero").post("/api/v1/process-instances", json={
            "process_key": "beirat_appointment",
            "variables": {"appointing_body": "tv", "seats": 3, "nomination_deadline": deadline}})
        assert response.status_code == 422, deadline
        assert set(response.json["details"]["fields"]) == {"nomination_deadline"}


def test_a_vote_task_shows_the_nominee_and_only_the_member_may_vote(cases: ProcessDriver) -> None:
    case = start(cases)
    cases.complete_as("ihk", case["id"], "submit_nomination", NOMINATIONS["ihk"])
    cases.complete_as("tv.buero", case["id"], "close_nominations", {})
    (task,) = cases.tasks("tv.kom2", case["id"], "tv_vote")
    assert task["assignee"] == "tv.kom2"
    detail = cases.client("tv.kom2").get(f"/api/v1/tasks/{task['id']}").json
    assert detail["values"]["nominee"] == "Ingrid Kammer"
    assert cases.client("tv.kom1").post(f"/api/v1/tasks/{task['id']}/complete",
                                        json={"data": {"vote": "yes"}}).status_code in (403, 404, 409)


def test_nomination_deadline_ends_the_round(app: Flask, clock: FrozenClock, cases: ProcessDriver) -> None:
    case = start(cases)
    cases.complete_as("ihk", case["id"], "submit_nomination", NOMINATIONS["ihk"])
    fire_timers_at(app, clock, datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    after = cases.case("tv.buero", case["id"])
    assert sorted(after["variables"]["no_nomination_from"]) == ["caritas", "dgb", "handwerk"]
    assert [t["name"] for t in after["open_tasks"]] == ["tv_vote"] * 6
    assert cases.tasks("tv.buero", case["id"], "close_nominations") == []


def test_without_any_proposer_nobody_is_appointed(cases: ProcessDriver, without_users: Any) -> None:
    with ExitStack() as stack:
        for proposer in PROPOSERS:
            stack.enter_context(without_users(proposer))
        case = cases.start("tv.buero", "beirat_appointment",
                           {"appointing_body": "tv", "seats": 3, "nomination_deadline": "2026-12-31"})
    assert (case["status"], case["outcome"]) == ("completed", "appointed")
    assert case["variables"]["appointed_members"] == [] and case["variables"]["rejected_nominees"] == []


def test_zkt_appointment_needs_no_input_to_appoint_every_eligible_nominee(cases: ProcessDriver) -> None:
    # the appointment date defaults to today and nobody is left out unless named
    case = start(cases, body="zkt")
    nominate_all(cases, case["id"])
    final = cases.complete_as("option.team", case["id"], "zkt_appointment", {})
    assert (final["status"], final["outcome"]) == ("completed", "appointed")
    assert len(final["variables"]["appointed_members"]) == 3
