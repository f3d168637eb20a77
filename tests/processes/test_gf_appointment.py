"""gf_appointment (§ 44d SGB II; DOMAIN.md §4.5) end to end over the JSON API.

Each outcome (appointed by the TV in the first vote or after the KA's proposal; appointed by
rotation, BA first or Kommune first, with and without a proposal), then the edges: ties without a
casting vote, abstentions, the terms by § 187 Abs. 2 / § 188 BGB, and the start-form rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.processes.flows_d1 import (
    BAVARIA,
    TV_CHAIR,
    TV_MEMBERS,
    appointment_variables,
    case,
    decision_record,
    do,
    group_inbox,
    history,
    involved,
    open_names,
    sees_neither,
    start,
    tasks_of,
    vote,
)


def _tv_ballots(yes: int, no: int, abstain: int = 0, *, chair: str | None = None) -> dict[str, str]:
    others = [m for m in TV_MEMBERS if m != TV_CHAIR]
    choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    if chair is not None:
        choices.remove(chair)
        return {TV_CHAIR: chair, **dict(zip(others, choices, strict=True))}
    return dict(zip(TV_MEMBERS, choices, strict=True))


def _start(api: Any, **overrides: Any) -> dict[str, Any]:
    return start(api("tv.buero"), "gf_appointment", appointment_variables(**overrides))


def test_appointed_by_tv_in_the_first_vote(api: Any) -> None:
    started = _start(api)
    votes = [t for t in started["open_tasks"] if t["name"] == "tv_vote"]
    assert sorted(t["assignee"] for t in votes) == sorted(TV_MEMBERS)
    final = vote(api, started["id"], "tv_vote", _tv_ballots(4, 2))
    assert (final["status"], final["outcome"]) == ("completed", "appointed_by_tv")
    result = final["variables"]
    assert result["appointee_name"] == "Dr. Gerda Geschäftig"
    assert result["term_end"] == "2031-02-28"
    assert result["next_appointment_due"] == "2030-08-28"
    assert result["first_vote"]["counts"] == {"yes": 4, "no": 2, "abstain": 0}
    assert not {"tv_result", "tv_votes", "tv_voters", "employer_names", "ka_office"} & set(result)
    # the KA had nothing to do: its office was never brought into the case
    assert involved(api("admin"), started["id"]) == []


def test_appointed_by_tv_after_the_ka_proposal(api: Any) -> None:
    started = _start(api)
    after = vote(api, started["id"], "tv_vote", _tv_ballots(2, 4))
    assert open_names(after) == ["ka_proposal"]
    after = do(api("ka.buero"), started["id"], "ka_proposal",
               {"proposal_made": True, "proposed_candidate": "Karl Kompromiss"})
    assert sorted(t["assignee"] for t in after["open_tasks"]) == sorted(TV_MEMBERS)
    final = vote(api, started["id"], "tv_vote", _tv_ballots(5, 1))
    assert final["outcome"] == "appointed_by_tv"
    assert final["variables"]["appointee_name"] == "Karl Kompromiss"
    # the individual votes are for the TV's office (and each voter's own): issue 14 §5
    office = api("tv.buero").get(f"/api/v1/process-instances/{started['id']}").json["variables"]
    first, second = office["first_vote"], office["second_vote"]
    assert (first["nominee"], first["adopted"], first["counts"]) == (
        "Dr. Gerda Geschäftig", False, {"yes": 2, "no": 4, "abstain": 0})
    assert first["votes"] == _tv_ballots(2, 4)
    last_voter = final["variables"]["second_vote"]["votes"]
    assert len(last_voter) == 1 and final["variables"]["second_vote"]["counts"] == second["counts"]
    assert (second["nominee"], second["adopted"], second["counts"]) == (
        "Karl Kompromiss", True, {"yes": 5, "no": 1, "abstain": 0})
    assert second["votes"] == _tv_ballots(5, 1)


def test_the_ka_proposal_reaches_every_clerk_of_the_ka_office(api: Any, colleague: Any) -> None:
    second = api(colleague("ka.buero2", "ka_office", "land-nw"))
    elsewhere = api(colleague("ka.buero.by", "ka_office", *BAVARIA))
    started = _start(api)
    after = vote(api, started["id"], "tv_vote", _tv_ballots(2, 4))
    (task,) = after["open_tasks"]
    assert (task["name"], task["assignee"], task["candidate_groups"]) == ("ka_proposal", None, ["ka_office"])
    # brought in when the first vote failed, for the Land of the case only
    assert involved(api("admin"), started["id"]) == [("ka_office", ["Land Nordrhein-Westfalen"])]
    for office in (api("ka.buero"), second):
        assert [t["id"] for t in group_inbox(office, started["id"])] == [task["id"]]
    assert sees_neither(elsewhere, started["id"], task["id"])
    after = do(second, started["id"], "ka_proposal", {"proposal_made": True, "proposed_candidate": "Karl Kompromiss"})
    assert group_inbox(api("ka.buero"), started["id"]) == []
    # the second vote fails too: no second proposal, the office is not involved again
    after = vote(api, started["id"], "tv_vote", _tv_ballots(1, 5))
    assert open_names(after) == ["rotation_appointment"]
    assert len(involved(api("admin"), started["id"])) == 1


@pytest.mark.parametrize(("first_chair_by_ba", "side"), [(False, "ba"), (True, "kommune")])
def test_rotation_after_a_failed_second_vote(api: Any, first_chair_by_ba: bool, side: str) -> None:
    started = _start(api, start_date="2026-01-01", first_chair_by_ba=first_chair_by_ba)
    vote(api, started["id"], "tv_vote", _tv_ballots(3, 3, chair="yes"))
    do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": True, "proposed_candidate": "Karl Kompromiss"})
    after = vote(api, started["id"], "tv_vote", _tv_ballots(1, 5))
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [
        ("rotation_appointment", [f"traeger_{side}"])
    ]
    final = do(api(f"traeger.{side}"), started["id"], "rotation_appointment", {"appointee_name": "Rita Rotation"})
    assert final["outcome"] == "appointed_by_rotation"
    assert final["variables"]["appointing_side"] == side
    assert final["variables"]["term_end"] == "2028-06-30"


def test_no_proposal_goes_to_rotation_with_the_ba_first(api: Any) -> None:
    started = _start(api)
    vote(api, started["id"], "tv_vote", _tv_ballots(2, 3, 1))
    after = do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": False})
    assert open_names(after) == ["rotation_appointment"]
    assert after["open_tasks"][0]["candidate_groups"] == ["traeger_ba"]
    assert tasks_of(api("traeger.kommune"), started["id"]) == []
    final = do(api("traeger.ba"), started["id"], "rotation_appointment", {"appointee_name": "Rita Rotation"})
    result = final["variables"]
    assert (final["outcome"], result["appointing_side"], result["next_appointing_side"]) == (
        "appointed_by_rotation", "ba", "kommune")
    assert result["appointee_name"] == "Rita Rotation"
    # 2026-03-01 + 2½ years by § 187 Abs. 2: the day before 2028-09-01
    assert result["term_end"] == "2028-08-31"
    assert result["next_appointment_due"] == "2028-02-29"
    assert "second_vote" not in result


def test_tv_tie_is_not_adopted_even_with_the_chair_voting_yes(api: Any) -> None:
    started = _start(api)
    after = vote(api, started["id"], "tv_vote", _tv_ballots(3, 3, chair="yes"))
    assert open_names(after) == ["ka_proposal"]
    first = case(api("tv.buero"), started["id"])["variables"]["first_vote"]
    assert (first["tie"], first["adopted"], first["casting_vote"]) == (True, False, False)
    assert first["rule"] == "tv_no_casting_vote" and first["chair"] == TV_CHAIR


def test_abstentions_leave_the_majority_of_votes_cast(api: Any) -> None:
    started = _start(api)
    final = vote(api, started["id"], "tv_vote", _tv_ballots(2, 1, 3))
    assert final["outcome"] == "appointed_by_tv"
    assert final["variables"]["first_vote"]["counts"] == {"yes": 2, "no": 1, "abstain": 3}


def test_all_abstaining_appoints_nobody(api: Any) -> None:
    started = _start(api)
    after = vote(api, started["id"], "tv_vote", _tv_ballots(0, 0, 6))
    assert open_names(after) == ["ka_proposal"]


def test_proposal_without_a_name_is_refused(api: Any) -> None:
    started = _start(api)
    vote(api, started["id"], "tv_vote", _tv_ballots(1, 5))
    office = api("ka.buero")
    (task,) = tasks_of(office, started["id"], "ka_proposal")
    values = office.get(f"/api/v1/tasks/{task['id']}").json["values"]
    assert values["tv_counts_summary"] == "Ja: 1, Nein: 5, Enthaltungen: 0"
    assert values["candidate_summary"].startswith("Dr. Gerda Geschäftig (Bundesagentur für Arbeit, A16)")
    refused = office.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"proposal_made": True}})
    assert refused.status_code == 422
    assert refused.json["details"]["fields"] == {"proposed_candidate": "Pflichtfeld."}


@pytest.mark.parametrize(
    ("start_date", "term_end"),
    [("2026-03-01", "2031-02-28"), ("2026-01-01", "2030-12-31"), ("2028-02-29", "2033-02-28"),
     ("2026-08-31", "2031-08-30")],
)
def test_tv_term_is_five_years_by_section_187_2(api: Any, start_date: str, term_end: str) -> None:
    started = _start(api, start_date=start_date)
    final = vote(api, started["id"], "tv_vote", _tv_ballots(6, 0))
    assert final["variables"]["term_end"] == term_end


@pytest.mark.parametrize(
    ("start_date", "term_end"),
    [("2026-01-01", "2028-06-30"), ("2028-02-29", "2030-08-28"), ("2026-08-31", "2029-02-28")],
)
def test_rotation_term_is_two_and_a_half_years(api: Any, start_date: str, term_end: str) -> None:
    started = _start(api, start_date=start_date, first_chair_by_ba=True)
    vote(api, started["id"], "tv_vote", _tv_ballots(0, 6))
    do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": False})
    final = do(api("traeger.kommune"), started["id"], "rotation_appointment", {"appointee_name": "Kurt Kreis"})
    assert (final["variables"]["appointing_side"], final["variables"]["term_end"]) == ("kommune", term_end)


@pytest.mark.parametrize(
    ("pay_grade", "exception", "stored"),
    [("A16", None, "A16"), ("a 13", None, "A13"), ("B3", "Großes Jobcenter mit 900 Beschäftigten", "B3"),
     ("B 1", "Sonderregelung des Landes", "B1")],
)
def test_pay_grades_that_are_accepted(api: Any, pay_grade: str, exception: str | None, stored: str) -> None:
    variables: dict[str, Any] = {"pay_grade": pay_grade}
    if exception:
        variables["pay_grade_exception"] = exception
    started = _start(api, **variables)
    assert case(api("tv.buero"), started["id"])["variables"]["pay_grade"] == stored


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"pay_grade": "A17"}, "pay_grade", "bis A 16"),
        ({"pay_grade": "B4", "pay_grade_exception": "x"}, "pay_grade", "B 3"),
        ({"pay_grade": "E15"}, "pay_grade", "A16 oder B3"),
        ({"pay_grade": "A0"}, "pay_grade", "A 1"),
        ({"pay_grade": "B2"}, "pay_grade_exception", "Pflichtfeld"),
        ({"candidate_employer": "other"}, "candidate_employer", "Bundesagentur"),
        ({"candidate_employer": "land"}, "candidate_employer", "Ungültige Auswahl"),
        ({"start_date": "2026-02-30"}, "start_date", "2026-02-30 gibt es nicht"),
        ({"start_date": "01.03.2026"}, "start_date", "JJJJ-MM-TT"),
        ({"candidate_name": None}, "candidate_name", "Pflichtfeld"),
    ],
)
def test_start_form_refuses(api: Any, overrides: dict[str, Any], field: str, message: str) -> None:
    office = api("tv.buero")
    variables = {k: v for k, v in appointment_variables(**overrides).items() if v is not None}
    response = office.post("/api/v1/process-instances", json={"process_key": "gf_appointment", "variables": variables})
    assert response.status_code == 422, response.json
    fields = response.json["details"]["fields"]
    assert list(fields) == [field] and message in fields[field]
    assert office.get("/api/v1/process-instances?process_key=gf_appointment").json["total"] == 0


def test_first_chair_by_ba_left_out_means_the_agreed_chair(api: Any) -> None:
    # the form shows "no" (the usual case); a client that leaves the field out gets the same
    variables = {k: v for k, v in appointment_variables().items() if k != "first_chair_by_ba"}
    response = api("tv.buero").post("/api/v1/process-instances",
                                    json={"process_key": "gf_appointment", "variables": variables})
    assert response.status_code == 201, response.json
    assert response.json["variables"]["first_chair_by_ba"] is False


def test_only_the_tv_office_starts_an_appointment(api: Any) -> None:
    response = api("gf").post("/api/v1/process-instances",
                              json={"process_key": "gf_appointment", "variables": appointment_variables()})
    assert response.status_code == 403


def test_individual_tv_votes_stay_hidden_until_the_vote_closes(api: Any) -> None:
    started = _start(api)
    vote(api, started["id"], "tv_vote", {"tv.ba2": "no", "tv.kom1": "yes"})
    other = api("tv.kom3")
    during = case(other, started["id"])
    assert not during["variables"].get("tv_votes") and "tv_result" not in during["variables"]
    completed = [e for e in history(other, started["id"]) if e["action"] == "task_completed"]
    assert [e["data"] for e in completed] == [{"confidential": ["vote"]}] * 2
    (task,) = tasks_of(other, started["id"], "tv_vote")
    form = other.get(f"/api/v1/tasks/{task['id']}").json
    assert form["values"]["tv_member_count"] == 6 and form["values"]["nominee"] == "Dr. Gerda Geschäftig"
    assert form["progress"] == {"completed": 2, "total": 6}
    assert next(f for f in form["form"]["fields"] if f["name"] == "vote")["confidential"] is True
    final = vote(api, started["id"], "tv_vote", {"tv.ba1": "yes", "tv.ba3": "yes", "tv.kom2": "no", "tv.kom3": "yes"})
    # after the vote: the tally for all who see the case, each vote for the office and its voter only
    assert final["variables"]["first_vote"]["votes"] == {"tv.kom3": "yes"}
    assert case(api("tv.buero"), started["id"])["variables"]["first_vote"]["votes"] == {
        "tv.ba1": "yes", "tv.ba2": "no", "tv.ba3": "yes", "tv.kom1": "yes", "tv.kom2": "no", "tv.kom3": "yes"}
    member = case(api("tv.ba2"), started["id"])["variables"]["first_vote"]
    assert member["votes"] == {"tv.ba2": "no"} and member["counts"] == {"yes": 4, "no": 2, "abstain": 0}
    # the GF candidate's case is a personnel matter: a TV member of the Kommune's side who did not
    # take part sees nothing, nor does an employee of the Jobcenter
    assert api("mitarbeiterin").get(f"/api/v1/process-instances/{started['id']}").status_code == 404


def test_a_second_tie_after_the_proposal_ends_in_rotation(api: Any) -> None:
    started = _start(api, first_chair_by_ba=True)
    vote(api, started["id"], "tv_vote", _tv_ballots(3, 3, chair="yes"))
    do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": True, "proposed_candidate": "Karl Kompromiss"})
    after = vote(api, started["id"], "tv_vote", _tv_ballots(3, 3, chair="yes"))
    assert open_names(after) == ["rotation_appointment"]
    second = case(api("tv.buero"), started["id"])["variables"]["second_vote"]
    assert (second["nominee"], second["tie"], second["adopted"]) == ("Karl Kompromiss", True, False)


def test_decision_record_of_an_appointment_after_the_proposal(api: Any, browser: Any) -> None:
    started = _start(api, pay_grade="B2", pay_grade_exception="Großes Jobcenter")
    vote(api, started["id"], "tv_vote", _tv_ballots(3, 3, chair="yes"))
    do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": True, "proposed_candidate": "Karl Kompromiss"})
    vote(api, started["id"], "tv_vote", _tv_ballots(4, 1, 1))
    record = decision_record(browser("tv.buero").get(f"/cases/{started['id']}").text)
    assert ("Die Trägerversammlung bestellt Karl Kompromiss zur Geschäftsführerin / zum Geschäftsführer "
            "für die Amtszeit vom 01.03.2026 bis zum 28.02.2031.") in record
    assert "Dokumentierte Ausnahme Großes Jobcenter" in record
    assert "Dr. Gerda Geschäftig 3 3 0 Nein (Stimmengleichheit)" in record
    assert "Karl Kompromiss 4 1 1 Ja" in record
    assert "tv.ba1 Ja Ja" in record
    assert "Ende der Amtszeit 28.02.2031 Nächste Bestellung vorbereiten bis 28.08.2030" in record


def test_decision_record_of_a_rotation(api: Any, browser: Any) -> None:
    started = _start(api, start_date="2026-01-01", first_chair_by_ba=True)
    vote(api, started["id"], "tv_vote", _tv_ballots(1, 5))
    do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": False})
    do(api("traeger.kommune"), started["id"], "rotation_appointment", {"appointee_name": "Kurt Kreis"})
    record = decision_record(browser("tv.buero").get(f"/cases/{started['id']}").text)
    assert ("Im Wechsel bestellt der kommunale Träger Kurt Kreis für die Amtszeit vom 01.01.2026 "
            "bis zum 30.06.2028.") in record
    assert "Nach dieser Amtszeit bestellt die Agentur für Arbeit" in record
    assert "Vorschlag des Kooperationsausschusses keine" in record
