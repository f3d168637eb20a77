"""instruction_conflict (§ 44e SGB II; DOMAIN.md §4.2) end to end over the JSON API.

Each outcome once (resolved_by_traeger; decided for the BA, for the Kommune and by the chair's
casting vote), then the edges: who calls, the hearings as a gate before the vote, ties, secrecy of
the ballots until the vote closes, date validation, and the § 44b Abs. 3 window a designer edits.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from models import Timer, db
from tests.conftest import PROJECT_ROOT
from tests.processes.flows_d1 import (
    BAVARIA,
    KA_CHAIR,
    KA_MEMBERS,
    case,
    conflict_variables,
    decision_record,
    do,
    group_inbox,
    history,
    hold_hearings,
    involved,
    open_names,
    reach_hearing,
    reach_ka_vote,
    sees_neither,
    send_decision,
    start,
    tasks_of,
    vote,
)


def _ballots(a: int, b: int, abstain: int = 0, *, chair: str | None = None) -> dict[str, str]:
    """Ballots for the six KA members: ``chair`` (if given) is the chair's own choice."""
    others = [m for m in KA_MEMBERS if m != KA_CHAIR]
    choices = ["a"] * a + ["b"] * b + ["abstain"] * abstain
    if chair is not None:
        choices.remove(chair)
        return {KA_CHAIR: chair, **dict(zip(others, choices, strict=True))}
    return dict(zip(KA_MEMBERS, choices, strict=True))


def test_gf_call_decided_for_the_ba_by_majority(api: Any) -> None:
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables())
    assert started["status"] == "running"
    assert open_names(started) == ["inform_traeger"]
    variables = case(gf, started["id"])["variables"]
    assert variables["instruction_a"] == {"issuer": "ba", "date": "2026-11-02",
                                          "subject": "Eingliederungsmittel vorrangig für Weiterbildung"}
    assert variables["land"] == "NW" and variables["caller"] == "gf"

    after = do(gf, started["id"], "inform_traeger", {"informed_on": "2026-11-24"})
    reviews = {(t["name"], tuple(t["candidate_groups"])) for t in after["open_tasks"]}
    assert reviews == {("traeger_review", ("traeger_ba",)), ("traeger_review", ("traeger_kommune",))}

    do(api("traeger.ba"), started["id"], "traeger_review", {"maintained": True, "statement": "Bleibt."})
    after = do(api("traeger.kommune"), started["id"], "traeger_review",
               {"maintained": True, "statement": "Bleibt ebenfalls."})
    hearing_groups = sorted(tuple(t["candidate_groups"]) for t in after["open_tasks"])
    assert hearing_groups == [("gf",), ("traeger_ba",), ("traeger_kommune",)]

    after = hold_hearings(api, started["id"])
    votes = [t for t in after["open_tasks"] if t["name"] == "ka_vote"]
    assert sorted(t["assignee"] for t in votes) == sorted(KA_MEMBERS)

    after = vote(api, started["id"], "ka_vote", _ballots(4, 2))
    assert open_names(after) == ["notify_parties"]
    # a group task of the KA's office (the office was brought into the case), not one clerk's
    assert (after["open_tasks"][0]["assignee"], after["open_tasks"][0]["candidate_groups"]) == (
        None, ["ka_office"])

    final = send_decision(api, started["id"])
    assert (final["status"], final["outcome"]) == ("completed", "decided")
    result = final["variables"]
    assert result["competent_issuer"] == "ba" and result["binding"] is True
    assert result["ka_result"]["counts"] == {"a": 4, "b": 2, "abstain": 0}
    assert result["ka_result"]["casting_vote"] is False
    assert result["ka_votes"] == _ballots(4, 2)


    notified = [e for e in history(api("admin"), started["id"]) if e["action"] == "notification"]
    assert len(notified) == 1
    recipients = set(notified[0]["data"]["recipients"])
    assert {"traeger.ba", "traeger.kommune", "gf", "tv.buero", "tv.ba1", "tv.kom3"} <= recipients
    assert "Weisung A" in notified[0]["data"]["text"] and "bindend" in notified[0]["data"]["text"]
    assert result["notified"] == sorted(recipients)
    assert not {"issuer_names", "ka_voters", "hearing_summary", "winner"} & set(result)


def test_gf_call_resolved_when_neither_traeger_maintains(api: Any) -> None:
    after = reach_hearing(api, ba_maintains=False, kommune_maintains=False)
    assert (after["status"], after["outcome"]) == ("completed", "resolved_by_traeger")
    assert after["open_tasks"] == []
    assert after["variables"]["maintained_by"] == []
    assert after["variables"]["traeger_reviews"]["kommune"] == {
        "side": "kommune", "maintained": False, "statement": "Die Kommune prüft ihre Weisung."}
    assert "competent_issuer" not in after["variables"]
    # the forms' working data is not left in the case
    assert not {"issuer_names", "traeger_statements", "ka_office"} & set(after["variables"])


def test_kommune_call_decided_for_the_kommune(api: Any) -> None:
    kommune = api("traeger.kommune")
    started = start(kommune, "instruction_conflict", conflict_variables(caller="kommune"))
    # a Träger's call skips the GF's duty to inform and the Träger review
    assert sorted(tuple(t["candidate_groups"]) for t in started["open_tasks"]) == [
        ("gf",), ("traeger_ba",), ("traeger_kommune",)]
    assert open_names(started) == ["hearing"] * 3
    hold_hearings(api, started["id"])
    vote(api, started["id"], "ka_vote", _ballots(1, 4, 1))
    final = send_decision(api, started["id"])
    assert final["outcome"] == "decided"
    assert final["variables"]["competent_issuer"] == "kommune"
    assert final["variables"]["binding"] is True


def test_tv_call_goes_straight_to_the_hearing_and_tv_can_win(api: Any) -> None:
    office = api("tv.buero")
    variables = conflict_variables(
        caller="tv", instruction_a={"issuer": "tv", "date": "2026-10-01", "subject": "Öffnungszeiten bis 18 Uhr"})
    started = start(office, "instruction_conflict", variables)
    assert "inform_traeger" not in open_names(started)
    hold_hearings(api, started["id"])
    vote(api, started["id"], "ka_vote", _ballots(5, 1))
    final = send_decision(api, started["id"])
    assert final["variables"]["competent_issuer"] == "tv"


def test_ka_tie_is_decided_by_the_chairs_casting_vote(api: Any) -> None:
    started = reach_ka_vote(api)
    vote(api, started["id"], "ka_vote", _ballots(3, 3, chair="b"))
    final = send_decision(api, started["id"])
    result = final["variables"]["ka_result"]
    assert result["tie"] is True and result["casting_vote"] is True and result["result"] == "b"
    assert final["variables"]["competent_issuer"] == "kommune"
    assert "Stimmengleichheit" in final["variables"]["decision_text"]


def test_ka_tie_with_the_chair_abstaining_goes_to_the_chairs_decision(api: Any) -> None:
    started = reach_ka_vote(api)
    after = vote(api, started["id"], "ka_vote", _ballots(2, 2, 2, chair="abstain"))
    assert [(t["name"], t["assignee"]) for t in after["open_tasks"]] == [("ka_chair_decision", KA_CHAIR)]
    chair = api(KA_CHAIR)
    (task,) = tasks_of(chair, started["id"], "ka_chair_decision")
    detail = chair.get(f"/api/v1/tasks/{task['id']}").json
    assert detail["values"]["ka_counts_summary"] == "Weisung A: 2, Weisung B: 2, Enthaltungen: 2"
    refused = chair.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"chair_choice": "abstain"}})
    assert refused.status_code == 422 and "chair_choice" in refused.json["details"]["fields"]
    do(chair, started["id"], "ka_chair_decision", {"chair_choice": "a"})
    final = send_decision(api, started["id"])
    assert final["outcome"] == "decided" and final["variables"]["competent_issuer"] == "ba"
    assert final["variables"]["ka_result"]["chair_decision"] is True


def test_all_members_abstaining_leaves_the_decision_to_the_chair(api: Any) -> None:
    started = reach_ka_vote(api)
    after = vote(api, started["id"], "ka_vote", _ballots(0, 0, 6))
    assert open_names(after) == ["ka_chair_decision"]
    do(api(KA_CHAIR), started["id"], "ka_chair_decision", {"chair_choice": "b"})
    final = send_decision(api, started["id"])
    assert final["variables"]["competent_issuer"] == "kommune"
    assert final["variables"]["ka_result"]["counts"] == {"a": 0, "b": 0, "abstain": 6}


def test_abstentions_do_not_count_against_the_majority(api: Any) -> None:
    started = reach_ka_vote(api)
    vote(api, started["id"], "ka_vote", _ballots(2, 1, 3))
    final = send_decision(api, started["id"])
    assert final["variables"]["competent_issuer"] == "ba"
    assert final["variables"]["ka_result"]["tie"] is False


def test_one_traeger_maintaining_leads_to_the_hearing_with_the_statements(api: Any) -> None:
    after = reach_hearing(api, ba_maintains=False, kommune_maintains=True)
    assert after["status"] == "running" and open_names(after) == ["hearing"] * 3
    assert after["variables"]["maintained_by"] == ["kommune"]
    gf = api("gf")
    (task,) = tasks_of(gf, after["id"], "hearing")
    values = gf.get(f"/api/v1/tasks/{task['id']}").json["values"]
    assert "Kommunaler Träger hält die Weisung aufrecht" in values["traeger_statements"]
    assert "Agentur für Arbeit hält die Weisung nicht aufrecht" in values["traeger_statements"]
    assert values["instruction_b_summary"].startswith("Kommunaler Träger, Weisung vom 09.11.2026")


def test_a_missing_hearing_blocks_the_ka_vote(api: Any) -> None:
    started = reach_hearing(api)
    after = hold_hearings(api, started["id"], ("traeger.ba", "traeger.kommune"))
    assert open_names(after) == ["hearing"]
    assert [t["candidate_groups"] for t in after["open_tasks"]] == [["gf"]]
    (pending,) = tasks_of(api("gf"), started["id"], "hearing")
    assert api("gf").get(f"/api/v1/tasks/{pending['id']}").json["progress"] == {"completed": 2, "total": 3}
    for member in KA_MEMBERS:
        assert tasks_of(api(member), started["id"]) == []
    after = hold_hearings(api, started["id"], ("gf",))
    assert open_names(after) == ["ka_vote"] * 6
    ka_form = api("ka.land1")
    (task,) = tasks_of(ka_form, started["id"], "ka_vote")
    values = ka_form.get(f"/api/v1/tasks/{task['id']}").json["values"]
    assert values["ka_member_count"] == 6
    assert "Geschäftsführung: Stellungnahme von gf" in values["hearing_summary"]


def test_individual_ka_votes_stay_hidden_until_the_vote_closes(api: Any, browser: Any) -> None:
    started = reach_ka_vote(api)
    vote(api, started["id"], "ka_vote", {"ka.land1": "a", "ka.land2": "b", "ka.bmas2": "a"})
    other = api("ka.land3")  # has not voted yet
    during = case(other, started["id"])
    assert not during["variables"].get("ka_votes")
    assert "vote" not in during["variables"] and "ka_result" not in during["variables"]
    # how many have voted is visible, what they voted is not
    assert sum(t["name"] == "ka_vote" for t in during["open_tasks"]) == 3
    (own,) = tasks_of(other, started["id"], "ka_vote")
    assert other.get(f"/api/v1/tasks/{own['id']}").json["progress"] == {"completed": 3, "total": 6}
    page = browser("ka.land3").get(f"/tasks/{own['id']}")
    assert "3 von 6 erledigt" in page.text
    assert "Vertraulich bis zum Abschluss der Abstimmung" in page.text
    entries = history(other, started["id"])
    completed = [e for e in entries if e["action"] == "task_completed" and e["task_name"] == "ka_vote"]
    assert len(completed) == 3
    assert all("vote" not in e["data"] and e["data"]["confidential"] == ["vote"] for e in completed)
    assert not any(v in str(e.get("data")) for e in entries for v in ("'a'", "'b'"))
    vote(api, started["id"], "ka_vote", {"ka.land3": "b", "ka.bmas1": "a", "ka.bmas3": "abstain"})
    closed = case(other, started["id"])
    assert closed["variables"]["ka_votes"]["ka.land2"] == "b"
    assert closed["variables"]["ka_result"]["counts"] == {"a": 3, "b": 2, "abstain": 1}


def test_impossible_date_is_refused_naming_the_field(api: Any) -> None:
    gf = api("gf")
    variables = conflict_variables(
        instruction_a={"issuer": "ba", "date": "2011-11-31", "subject": "Übergangsregelung"})
    response = gf.post("/api/v1/process-instances",
                       json={"process_key": "instruction_conflict", "variables": variables})
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert response.json["details"]["fields"] == {"instruction_a.date": "Ungültiges Datum: 2011-11-31 gibt es nicht"}
    assert gf.get("/api/v1/process-instances?process_key=instruction_conflict").json["total"] == 0


def test_start_form_checks_the_instruction_objects(api: Any) -> None:
    gf = api("gf")

    def refused(variables: dict[str, Any]) -> dict[str, str]:
        response = gf.post("/api/v1/process-instances",
                           json={"process_key": "instruction_conflict", "variables": variables})
        assert response.status_code == 422, response.json
        return dict(response.json["details"]["fields"])

    bad_issuer = refused(conflict_variables(
        instruction_a={"issuer": "land", "date": "2026-11-02", "subject": "x"}))
    assert set(bad_issuer) == {"instruction_a.issuer"} and "ba, kommune, tv" in bad_issuer["instruction_a.issuer"]
    same = refused(conflict_variables(
        instruction_b={"issuer": "ba", "date": "2026-11-02", "subject": "y"}))
    assert "anderen Stelle" in same["instruction_b.issuer"]
    missing = refused(conflict_variables(instruction_b={"issuer": "kommune", "date": "2026-11-02"}))
    assert missing == {"instruction_b.subject": "Pflichtfeld."}
    future = refused(conflict_variables(
        instruction_b={"issuer": "kommune", "date": "2026-11-26", "subject": "y"}))
    assert "Zukunft" in future["instruction_b.date"]
    not_object = refused(conflict_variables(instruction_a="BA-Weisung vom 2. November"))
    assert not_object == {"instruction_a": "Objekt erwartet."}
    unknown = refused(conflict_variables(
        instruction_a={"issuer": "ba", "date": "2026-11-02", "subject": "x", "page": 3}))
    assert unknown == {"instruction_a.page": "Unbekanntes Feld."}
    no_b = refused({k: v for k, v in conflict_variables().items() if k != "instruction_b"})
    assert set(no_b) == {"instruction_b.issuer", "instruction_b.date", "instruction_b.subject"}
    # the GF calls as the GF: claiming to be the Agentur is refused
    assert "caller" in refused(conflict_variables(caller="ba"))


def test_html_forms_may_post_the_flat_fields(api: Any) -> None:
    flat = {"instruction_a__issuer": "ba", "instruction_a__date": "2026-11-02", "instruction_a__subject": "x",
            "instruction_b__issuer": "tv", "instruction_b__date": "2026-11-03", "instruction_b__subject": "y",
            "caller": "gf", "fundamental": "false"}
    gf = api("gf")
    started = start(gf, "instruction_conflict", flat)
    variables = case(gf, started["id"])["variables"]
    assert variables["instruction_b"] == {"issuer": "tv", "date": "2026-11-03", "subject": "y"}
    assert not any("__" in name for name in variables)
    broken = gf.post("/api/v1/process-instances", json={"process_key": "instruction_conflict",
                                                         "variables": {**flat, "instruction_a__date": "2026-02-30"}})
    assert broken.status_code == 422
    assert set(broken.json["details"]["fields"]) == {"instruction_a__date"}


def test_only_the_four_starter_groups_may_call_the_ka(api: Any) -> None:
    response = api("mitarbeiterin").post(
        "/api/v1/process-instances",
        json={"process_key": "instruction_conflict", "variables": conflict_variables()})
    assert response.status_code == 403


def test_inform_traeger_refuses_future_and_impossible_dates(api: Any) -> None:
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables())
    (task,) = tasks_of(gf, started["id"], "inform_traeger")
    detail = gf.get(f"/api/v1/tasks/{task['id']}").json
    assert detail["values"]["informed_on"] == "2026-11-25" and "progress" not in detail
    for bad, message in (("2026-11-26", "Zukunft"), ("2026-02-30", "gibt es nicht")):
        response = gf.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"informed_on": bad}})
        assert response.status_code == 422
        assert message in response.json["details"]["fields"]["informed_on"]
    assert open_names(case(gf, started["id"])) == ["inform_traeger"]


def test_fundamental_instruction_is_referred_with_a_two_week_window(api: Any) -> None:
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables(fundamental=True))
    assert [(t["name"], t["assignee"], t["candidate_groups"]) for t in started["open_tasks"]] == [
        ("ka_recommendation", None, ["ka_office"])]
    variables = case(gf, started["id"])["variables"]
    # referred on Wednesday 2026-11-25: two weeks end on Wednesday 2026-12-09 (§§ 187 Abs. 1, 188 Abs. 2 BGB)
    assert (variables["referred_on"], variables["recommendation_due"]) == ("2026-11-25", "2026-12-09")
    assert started["open_tasks"][0]["due_at"].startswith("2026-12-09T23:59")
    office = api("ka.buero")
    (task,) = tasks_of(office, started["id"], "ka_recommendation")
    late = office.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "recommendation_made": True, "recommended_on": "2026-12-10", "recommendation": "Weisung B folgen"}})
    assert late.status_code == 422 and "Empfehlungsfrist" in late.json["details"]["fields"]["recommended_on"]
    after = complete_recommendation(office, task["id"], "2026-12-09")
    assert open_names(after) == ["inform_traeger"]
    assert after["variables"]["recommendation"] == "Weisung B folgen"


def test_the_ka_office_is_involved_and_every_clerk_gets_its_tasks(api: Any, colleague: Any) -> None:
    second = api(colleague("ka.buero2", "ka_office", "land-nw"))
    elsewhere = api(colleague("ka.buero.by", "ka_office", *BAVARIA))
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables(fundamental=True))
    # the office of the KA of the case's Land only, brought in once (by prepare_case, at the start)
    assert involved(api("admin"), started["id"]) == [("ka_office", ["Land Nordrhein-Westfalen"])]
    (task,) = started["open_tasks"]
    for office in (api("ka.buero"), second):
        assert [t["id"] for t in group_inbox(office, started["id"])] == [task["id"]]
        assert office.get(f"/api/v1/process-instances/{started['id']}").status_code == 200
    # the KA office of another Land, and users of the Land's other groups, see nothing of it
    for outsider in (elsewhere, api("land.ministerium"), api("bmas.referat")):
        assert sees_neither(outsider, started["id"], task["id"])
    # the second clerk takes the task (completing claims it); it leaves the others' inboxes
    after = complete_recommendation(second, task["id"], "2026-12-01")
    assert open_names(after) == ["inform_traeger"]
    assert group_inbox(api("ka.buero"), started["id"]) == []
    claimed = [e["actor"] for e in history(gf, started["id"]) if e["action"] == "task_claimed"]
    assert claimed == ["ka.buero2"]

    # the decision goes out through the same group: every clerk has notify_parties in the inbox
    after = do(gf, started["id"], "inform_traeger", {"informed_on": "2026-11-25"})
    do(api("traeger.ba"), started["id"], "traeger_review", {"maintained": True, "statement": "Bleibt."})
    do(api("traeger.kommune"), started["id"], "traeger_review", {"maintained": False, "statement": "Nein."})
    hold_hearings(api, started["id"])
    after = vote(api, started["id"], "ka_vote", _ballots(4, 2))
    (notify,) = after["open_tasks"]
    for office in (api("ka.buero"), second):
        assert [t["name"] for t in group_inbox(office, started["id"])] == ["notify_parties"]
    assert sees_neither(elsewhere, started["id"], notify["id"])
    final = send_decision(api, started["id"])
    assert (final["status"], final["outcome"]) == ("completed", "decided")
    assert len(involved(api("admin"), started["id"])) == 1


def _window_timer(instance_id: str) -> datetime:
    due = db.session.scalar(sa.select(Timer.due_at).where(
        Timer.instance_id == instance_id, Timer.element_id == "recommendation_window_closed"))
    db.session.commit()
    assert due is not None
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def complete_recommendation(client: Any, task_id: str, on: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {
        "recommendation_made": True, "recommended_on": on, "recommendation": "Weisung B folgen"}})
    assert response.status_code == 200, response.json
    return dict(response.json["process_instance"])


def test_no_recommendation_continues_the_procedure(api: Any) -> None:
    started = start(api("traeger.ba"), "instruction_conflict", conflict_variables(caller="ba", fundamental=True))
    after = do(api("ka.buero"), started["id"], "ka_recommendation", {"recommendation_made": False})
    assert open_names(after) == ["hearing"] * 3


def test_redeployed_window_applies_to_new_cases_only(api: Any, casework: Any) -> None:
    """Acceptance 4: a designer edits the recommendation window in the BPMN file and redeploys."""
    office = api("ka.buero")
    before = start(api("gf"), "instruction_conflict", conflict_variables(fundamental=True), "D1-ALT")
    source = (PROJECT_ROOT / "workflows" / "instruction_conflict.bpmn").read_text(encoding="utf-8")
    assert source.count("recommendation_period = 'P2W'") == 1
    designer = api("designer")
    upload = designer.post(
        "/api/v1/process-definitions",
        data={"files": (io.BytesIO(source.replace("'P2W'", "'P3W'").encode()), "instruction_conflict.bpmn")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    assert (upload.json["key"], upload.json["version"]) == ("instruction_conflict", before["version"] + 1)
    assert upload.json["deployed"][0]["warnings"] == []

    after = start(api("gf"), "instruction_conflict", conflict_variables(fundamental=True), "D1-NEU")
    assert after["version"] == before["version"] + 1
    assert case(office, after["id"])["variables"]["recommendation_due"] == "2026-12-16"
    old = case(office, before["id"])
    assert old["version"] == before["version"]
    assert old["variables"]["recommendation_due"] == "2026-12-09"
    assert _window_timer(old["id"]) == datetime(2026, 12, 9, 23, 0, tzinfo=UTC)  # end of the day in Germany
    assert _window_timer(after["id"]) == datetime(2026, 12, 16, 23, 0, tzinfo=UTC)
    # the running case goes on under its own version: 2026-12-10 is late there, in time in the new one
    (old_task,) = tasks_of(office, before["id"], "ka_recommendation")
    late = office.post(f"/api/v1/tasks/{old_task['id']}/complete", json={"data": {
        "recommendation_made": True, "recommended_on": "2026-12-10", "recommendation": "Weisung B folgen"}})
    assert late.status_code == 422
    (new_task,) = tasks_of(office, after["id"], "ka_recommendation")
    assert open_names(complete_recommendation(office, new_task["id"], "2026-12-10")) == ["inform_traeger"]
    assert open_names(complete_recommendation(office, old_task["id"], "2026-12-09")) == ["inform_traeger"]


def test_decision_record_on_the_case_page(api: Any, browser: Any) -> None:
    started = reach_ka_vote(api)
    vote(api, started["id"], "ka_vote", _ballots(2, 2, 2, chair="abstain"))
    do(api(KA_CHAIR), started["id"], "ka_chair_decision", {"chair_choice": "b"})
    send_decision(api, started["id"])
    page = browser("traeger.ba").get(f"/cases/{started['id']}")
    assert page.status_code == 200
    record = decision_record(page.text)
    assert "Widersprüchliche Weisungen an die gemeinsame Einrichtung (§ 44e SGB II)" in record
    assert "Maßgeblich ist die Weisung der Stelle „Kommunaler Träger“ (Weisung B)" in record
    assert "für die Träger bindend" in record
    assert "Eingliederungsmittel vorrangig für Schuldnerberatung" in record
    assert "Weisung B – maßgeblich" in record
    assert "daraufhin hat die/der Vorsitzende entschieden" in record
    assert "Stellungnahme von traeger.kommune" in record
    assert "ka.land1 Weisung A" in record and "ka.bmas1 Enthaltung" in record
    assert "Versandt am 25.11.2026" in record


def test_resolved_record_names_no_decision(api: Any, browser: Any) -> None:
    after = reach_hearing(api, ba_maintains=False, kommune_maintains=False)
    record = decision_record(browser("gf").get(f"/cases/{after['id']}").text)
    assert "Durch die Träger erledigt" in record
    assert "Hält die Weisung aufrecht" in record and "Abstimmung des Kooperationsausschusses" not in record


def test_the_html_start_form_offers_the_flat_fields(api: Any, browser: Any) -> None:
    gf = browser("gf")
    form = gf.get("/cases/new/instruction_conflict")
    assert form.status_code == 200
    assert '<label for="field-instruction_a__subject">' in form.text and "Weisung A: Inhalt" in form.text
    response = gf.submit("/cases/new/instruction_conflict", {
        "business_key": "WK-2026-3", "instruction_a__issuer": "kommune", "instruction_a__date": "2026-11-02",
        "instruction_a__subject": "Sprechzeiten", "instruction_b__issuer": "tv", "instruction_b__date": "2026-11-03",
        "instruction_b__subject": "Sprechzeiten (TV)", "caller": "gf", "fundamental": "false"})
    assert response.status_code == 302, response.text
    (started,) = api("gf").get("/api/v1/process-instances?business_key=WK-2026-3").json["items"]
    assert case(api("gf"), started["id"])["variables"]["instruction_a"]["issuer"] == "kommune"
    refused = gf.submit("/cases/new/instruction_conflict", {
        "instruction_a__issuer": "kommune", "instruction_a__date": "2011-11-31", "instruction_a__subject": "x",
        "instruction_b__issuer": "tv", "instruction_b__date": "2026-11-03", "instruction_b__subject": "y",
        "caller": "gf", "fundamental": "false"})
    assert refused.status_code == 422
    assert "2011-11-31" in refused.text


def test_the_recommendation_window_closing_continues_without_one(api: Any, casework: Any, clock: Any) -> None:
    started = start(api("gf"), "instruction_conflict", conflict_variables(fundamental=True))
    def window_closed() -> list[dict[str, Any]]:
        return [e for e in history(api("gf"), started["id"])
                if e["action"] == "timer_fired" and e["task_name"] == "recommendation_window_closed"]

    clock.set(datetime(2026, 12, 9, 22, 59, tzinfo=UTC))  # 23:59 in Germany on the last day
    casework.management.fire_due()  # reminders of the due date may fire; the window does not
    assert window_closed() == []
    assert open_names(case(api("gf"), started["id"])) == ["ka_recommendation"]
    clock.set(datetime(2026, 12, 9, 23, 0, tzinfo=UTC))
    assert casework.management.fire_due().fired >= 1
    assert len(window_closed()) == 1
    after = case(api("gf"), started["id"])
    assert open_names(after) == ["inform_traeger"]
    assert after["variables"]["recommendation_made"] is False
    assert tasks_of(api("ka.buero"), started["id"]) == []
    cancelled = [e for e in history(api("gf"), started["id"]) if e["action"] == "task_cancelled"]
    assert [e["task_name"] for e in cancelled] == ["ka_recommendation"]


def test_the_domain_start_variables_alone_start_a_case(api: Any) -> None:
    # `fundamental` is Fallwerk's switch for the § 44b Abs. 3 variant; clients written against
    # DOMAIN.md leave it out and get the ordinary conflict (the form shows "no")
    variables = {k: v for k, v in conflict_variables(caller="ba", land="NW").items() if k != "fundamental"}
    case = start(api("traeger.ba"), "instruction_conflict", variables)
    assert case["variables"]["fundamental"] is False
    assert sorted(t["name"] for t in case["open_tasks"]) == ["hearing", "hearing", "hearing"]


def test_an_unknown_land_is_refused_naming_the_field(api: Any) -> None:
    client = api("traeger.ba")
    response = client.post("/api/v1/process-instances", json={
        "process_key": "instruction_conflict", "variables": conflict_variables(caller="ba", land="XX")})
    assert response.status_code == 422
    assert list(response.json["details"]["fields"]) == ["land"]
    assert client.get("/api/v1/process-instances?process_key=instruction_conflict").json["total"] == 0


def test_traeger_review_needs_only_the_decision(api: Any) -> None:
    # DOMAIN.md lists `statement` for the review without requiring it (unlike the hearing's)
    gf = api("gf")
    started = start(gf, "instruction_conflict", conflict_variables())
    do(gf, started["id"], "inform_traeger", {})  # informed_on defaults to today
    do(api("traeger.ba"), started["id"], "traeger_review", {"maintained": False})
    after = do(api("traeger.kommune"), started["id"], "traeger_review", {"maintained": False})
    assert after["status"] == "completed", after.get("error")
    assert after["outcome"] == "resolved_by_traeger"
