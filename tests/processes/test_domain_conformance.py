"""Conformance of tv_chair, target_agreement and supervision with DOMAIN.md §§ 4.6–4.8 and API.md.

Written as a client who knows only DOMAIN.md and API.md would write it: cases are started over the
public API with exactly DOMAIN's variable names (nothing the product adds on top), tasks are found by
DOMAIN's names as DOMAIN's demo users, completed with DOMAIN's field names, and the outcomes, result
variables, refusals (422 citing the paragraph) and visibility (404) are checked as DOMAIN states them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.processes.conftest import ProcessDriver

TV = ("tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2", "tv.kom3")
KA = ("ka.land1", "ka.land2", "ka.land3", "ka.bmas1", "ka.bmas2", "ka.bmas3")
GOALS = ["Verringerung der Hilfebedürftigkeit", "Verbesserung der Integration in Erwerbstätigkeit",
         "Vermeidung von langfristigem Leistungsbezug"]
TEILHABE = "Verbesserung der sozialen Teilhabe"


pytestmark = pytest.mark.usefixtures("committees_restored")


def refused_start(cases: ProcessDriver, user: str, key: str, variables: dict[str, Any]) -> dict[str, str]:
    response = cases.client(user).post("/api/v1/process-instances",
                                       json={"process_key": key, "variables": variables})
    assert response.status_code == 422, response.json
    assert response.json["error"] == "validation_failed"
    return dict(response.json["details"]["fields"])


def refused_task(cases: ProcessDriver, user: str, case_id: str, name: str, data: dict[str, Any]) -> dict[str, str]:
    response = cases.submit(user, case_id, name, data)
    assert response.status_code == 422, response.json
    return dict(response.json["details"]["fields"])


def vote_all(cases: ProcessDriver, case_id: str, ballots: dict[str, str]) -> dict[str, Any]:
    after: dict[str, Any] = {}
    for user, choice in ballots.items():
        after = cases.complete_as(user, case_id, "tv_vote", {"vote": choice})
    return after


def names(case: dict[str, Any]) -> list[str]:
    return sorted(t["name"] for t in case["open_tasks"])


def hidden_from(cases: ProcessDriver, case_id: str, *users: str) -> None:
    for user in users:
        response = cases.client(user).get(f"/api/v1/process-instances/{case_id}")
        assert response.status_code == 404, (user, response.status_code)
        assert response.json["error"] == "not_found"


# ---------------------------------------------------------------- § 4.6 tv_chair

def chair_start(cases: ProcessDriver, user: str = "tv.buero", **variables: Any) -> dict[str, Any]:
    data = {"committee": "tv", "start_date": "2026-01-01", "candidate_name": "tv.kom1", "term_years": 5}
    data.update(variables)
    return cases.start(user, "tv_chair", {k: v for k, v in data.items() if v is not None})


def test_tv_chair_elected_for_exactly_five_years(cases: ProcessDriver) -> None:
    case = chair_start(cases)
    assert case["process_key"] == "tv_chair" and case["status"] == "running"
    assert names(case) == ["tv_vote"] * 6
    final = vote_all(cases, case["id"], dict(zip(TV, ["yes"] * 4 + ["no", "abstain"], strict=True)))
    assert final["outcome"] == "elected"
    assert final["variables"]["term_end"] == "2030-12-31"
    assert final["variables"]["chair_name"] == "tv.kom1"
    seen = cases.case("tv.buero", case["id"])
    assert seen["outcome"] == "elected"


def test_tv_chair_start_without_the_optional_fields(cases: ProcessDriver) -> None:
    case = cases.start("tv.buero", "tv_chair", {"start_date": "2026-01-01", "candidate_name": "tv.ba2"})
    final = vote_all(cases, case["id"], dict.fromkeys(TV, "yes"))
    assert (final["outcome"], final["variables"]["term_end"]) == ("elected", "2030-12-31")


def test_tv_chair_longer_term_refused_citing_the_law(cases: ProcessDriver) -> None:
    fields = refused_start(cases, "tv.buero", "tv_chair",
                           {"committee": "tv", "start_date": "2026-01-01", "candidate_name": "tv.kom1",
                            "term_years": 6})
    assert "§ 44c Abs. 1 Satz 5" in fields["term_years"]


def test_tv_chair_tie_then_ba_appoints_for_two_years(cases: ProcessDriver) -> None:
    """DOMAIN § 5: no agreement on 2026-01-01: the BA-appointed chair serves 2026-01-01 to 2027-12-31."""
    case = chair_start(cases)
    after = vote_all(cases, case["id"], dict(zip(TV, ["yes"] * 3 + ["no"] * 3, strict=True)))
    assert after["outcome"] is None and names(after) == ["chair_appointment"]
    assert after["open_tasks"][0]["candidate_groups"] == ["traeger_ba"]
    assert cases.tasks("traeger.kommune", case["id"], "chair_appointment") == []
    final = cases.complete_as("traeger.ba", case["id"], "chair_appointment", {"chair_name": "tv.ba2"})
    result = final["variables"]
    assert final["outcome"] == "appointed_by_rotation"
    assert (result["appointing_side"], result["chair_name"], result["term_end"]) == ("ba", "tv.ba2", "2027-12-31")

    # gf_appointment then takes first_chair_by_ba from the committee's data: the Kommune appoints first
    gf = cases.start("tv.buero", "gf_appointment", {
        "candidate_name": "Dr. Erika Beispiel", "candidate_employer": "kommune", "pay_grade": "A15",
        "start_date": "2026-03-01"})
    vote_all(cases, gf["id"], dict(zip(TV, ["yes"] * 3 + ["no"] * 3, strict=True)))
    cases.complete_as("ka.buero", gf["id"], "ka_proposal", {"proposal_made": False})
    rotation = cases.case("tv.buero", gf["id"])
    assert rotation["open_tasks"][0]["name"] == "rotation_appointment"
    assert rotation["open_tasks"][0]["candidate_groups"] == ["traeger_kommune"]
    done = cases.complete_as("traeger.kommune", gf["id"], "rotation_appointment", {"appointee_name": "Erika Beispiel"})
    assert (done["outcome"], done["variables"]["appointing_side"]) == ("appointed_by_rotation", "kommune")


def test_tv_chair_second_period_goes_to_the_kommune(cases: ProcessDriver) -> None:
    first = chair_start(cases)
    vote_all(cases, first["id"], dict.fromkeys(TV, "no"))
    cases.complete_as("traeger.ba", first["id"], "chair_appointment", {"chair_name": "tv.ba3"})
    second = chair_start(cases, start_date="2028-01-01")
    after = vote_all(cases, second["id"], dict.fromkeys(TV, "abstain"))
    assert after["open_tasks"][0]["candidate_groups"] == ["traeger_kommune"]
    final = cases.complete_as("traeger.kommune", second["id"], "chair_appointment", {"chair_name": "tv.kom3"})
    assert (final["variables"]["appointing_side"], final["variables"]["term_end"]) == ("kommune", "2029-12-31")


@pytest.mark.parametrize("office", ["ka.buero", "tv.buero"])
def test_ka_chair_rotation_begins_with_the_bmas(cases: ProcessDriver, office: str) -> None:
    case = chair_start(cases, user=office, committee="ka", candidate_name="ka.land1")
    assert sorted(t["assignee"] for t in case["open_tasks"]) == sorted(KA)
    after = vote_all(cases, case["id"], dict(zip(KA, ["yes"] * 3 + ["no"] * 3, strict=True)))
    assert names(after) == ["chair_appointment"] and after["open_tasks"][0]["candidate_groups"] == ["bmas"]
    final = cases.complete_as("bmas.referat", case["id"], "chair_appointment", {"chair_name": "ka.bmas2"})
    assert final["outcome"] == "appointed_by_rotation"
    assert (final["variables"]["chair_name"], final["variables"]["term_end"]) == ("ka.bmas2", "2027-12-31")


def test_tv_chair_is_not_seen_by_outsiders(cases: ProcessDriver) -> None:
    case = chair_start(cases)
    assert cases.case("tv.ba1", case["id"])["id"] == case["id"]
    # DOMAIN § 2: the gE's own people see it (its organisation's case), others do not
    assert cases.case("mitarbeiterin", case["id"])["id"] == case["id"]
    hidden_from(cases, case["id"], "land.ministerium", "ihk", "gemeinde.musterdorf", "bmas.referat")


# ---------------------------------------------------------------- § 4.7 target_agreement

def rows(*goals: str) -> list[dict[str, Any]]:
    return [{"goal": g, "indicator": f"K{i}", "target_value": 10 + i} for i, g in enumerate(goals, 1)]


def agreement(pair: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"pair": pair, "year": 2027, "budget_law_passed_on": "2026-11-27"}
    data.update(extra)
    return data


def test_traeger_gf_without_social_participation_is_refused_at_start(cases: ProcessDriver) -> None:
    """DOMAIN § 5: a traeger_gf target agreement without 'Verbesserung der sozialen Teilhabe' is refused."""
    fields = refused_start(cases, "traeger.ba", "target_agreement", agreement("traeger_gf", targets=rows(*GOALS)))
    assert TEILHABE in fields["targets"] and "§ 48b Abs. 3" in fields["targets"]
    # the same three goals suffice between BMAS and BA
    assert cases.start("bmas.referat", "target_agreement", agreement("bmas_ba", targets=rows(*GOALS)))["id"]


def sign(cases: ProcessDriver, case_id: str, user: str, on: str) -> Any:
    if user == "gf":  # a client that names the fields without their object (DOMAIN names none)
        return cases.submit(user, case_id, "sign_agreement", {"signer_name": "G. F.", "signed_on": on})
    return cases.submit(user, case_id, "sign_agreement", {"signature": {"signer_name": f"Name {user}",
                                                                          "signed_on": on}})


def test_traeger_gf_targets_given_at_start_signed_on_budget_day(cases: ProcessDriver, casework: Any,
                                                                clock: Any) -> None:
    table = rows(*GOALS, TEILHABE)
    case = cases.start("traeger.ba", "target_agreement", agreement("traeger_gf", targets=table))
    # the targets came with the draft: the GF reviews it
    assert names(case) == ["review_draft"]
    after = cases.complete_as("gf", case["id"], "review_draft", {"response": "accept"})
    assert names(after) == ["sign_agreement"] * 3
    # the day before the budget law: refused, citing § 48b Abs. 2; the day itself: allowed
    early = sign(cases, case["id"], "gf", "2026-11-26")
    assert early.status_code == 422 and "§ 48b Abs. 2" in str(early.json["details"]["fields"])
    for user in ("gf", "traeger.ba", "traeger.kommune"):
        done = sign(cases, case["id"], user, "2026-11-27")
        assert done.status_code == 200, done.json
    final = done.json["process_instance"]
    assert final["outcome"] == "concluded" and final["variables"]["targets"] == table
    assert sorted(s["signed_on"] for s in final["variables"]["signatures"]) == ["2026-11-27"] * 3
    assert "G. F." in [s["signer_name"] for s in final["variables"]["signatures"]]
    hidden_from(cases, case["id"], "land.ministerium", "bmas.referat", "mitarbeiterin")

    # quarterly monitoring: actual values per indicator, the other side acknowledges
    from datetime import datetime, timedelta

    from casework import Casework

    for quarter, day in enumerate(["2027-04-20", "2027-07-20", "2027-10-20", "2028-01-20"], 1):
        clock.set(datetime.fromisoformat(day + "T12:00:00+00:00"))
        Casework(clock=clock).management.fire_due()
        (report,) = cases.tasks("gf", case["id"], "report_actuals")
        values = cases.client("gf").get(f"/api/v1/tasks/{report['id']}").json["form"]["values"]["actuals"]
        assert [r["indicator"] for r in values] == ["K1", "K2", "K3", "K4"]
        actuals = [dict(r, actual_value=r["target_value"] * quarter / 4) for r in values]
        cases.complete_as("gf", case["id"], "report_actuals", {"actuals": actuals})
        cases.complete_as("traeger.kommune", case["id"], "acknowledge_report", {})
        clock.set(clock.now() + timedelta(days=1))
    final = cases.complete_as("traeger.ba", case["id"], "year_end_review",
                              {"assessment": "met", "review_summary": "Alle Ziele erreicht."})
    assert (final["status"], final["outcome"]) == ("completed", "reviewed")


def test_bmas_land_is_prepared_by_the_ka_office(cases: ProcessDriver) -> None:
    # DOMAIN names no Land variable: with one KA in the directory, the agreement is with its Land
    case = cases.start("bmas.referat", "target_agreement", agreement("bmas_land"))
    assert names(case) == ["ka_preparation"] and case["open_tasks"][0]["candidate_groups"] == ["ka_office"]
    assert case["variables"]["agreement_land"] == "NW"
    refused = refused_task(cases, "ka.buero", case["id"], "ka_preparation", {"targets": rows(*GOALS)})
    assert TEILHABE in refused["targets"]
    after = cases.complete_as("ka.buero", case["id"], "ka_preparation", {"targets": rows(*GOALS, TEILHABE)})
    assert names(after) == ["review_draft"]


# ---------------------------------------------------------------- § 4.8 supervision

SUPERVISION = {"matter": "Kosten der Unterkunft", "measure": "Beanstandung der Bewilligungspraxis",
               "legal_basis": "§ 22 Abs. 1 SGB II", "kind": "rechtsaufsicht"}


def supervision(cases: ProcessDriver) -> dict[str, Any]:
    case = cases.start("bmas.referat", "supervision", dict(SUPERVISION))
    assert names(case) == ["land_consent"]
    assert case["open_tasks"][0]["candidate_groups"] == ["land_authority"]
    return case


def test_fachaufsicht_is_refused_citing_the_law(cases: ProcessDriver) -> None:
    fields = refused_start(cases, "bmas.referat", "supervision", dict(SUPERVISION, kind="fachaufsicht"))
    assert "§ 47 Abs. 3" in fields["kind"]


def ka_informed(cases: ProcessDriver, case: dict[str, Any]) -> dict[str, Any]:
    """The measure is issued and the case completed at the decision; the KA's office is informed (a
    notification, not a task) and may read the case and its decision afterwards."""
    assert (case["status"], case["outcome"]) == ("completed", "measure_issued") and case["variables"]["path"]
    assert case["open_tasks"] == []
    assert cases.case("ka.buero", case["id"])["outcome"] == "measure_issued"
    assert cases.client("ka.buero").get(f"/cases/{case['id']}").status_code == 200
    mails = [e for e in cases.client("admin").get(f"/api/v1/process-instances/{case['id']}/history?per_page=200")
             .json["items"] if e["action"] == "notification"]
    assert any("ka_office" in e["data"]["groups"] for e in mails)
    return case


def test_land_consents_measure_issued_and_the_ka_informed(cases: ProcessDriver) -> None:
    case = supervision(cases)
    hidden_from(cases, case["id"], "gf", "tv.buero", "traeger.ba", "ka.buero")
    after = cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": True})
    assert after["variables"]["path"] == "consent"
    ka_informed(cases, after)
    hidden_from(cases, case["id"], "gf", "tv.buero", "traeger.ba")


@pytest.mark.parametrize(("recommend", "issue", "outcome"), [
    (True, True, "measure_issued"), (False, False, "measure_dropped")])
def test_no_consent_bmas_follows_the_recommendation(cases: ProcessDriver, recommend: bool, issue: bool,
                                                   outcome: str) -> None:
    case = supervision(cases)
    after = cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": False})
    assert names(after) == ["ka_recommendation"]
    cases.complete_as("ka.buero", case["id"], "ka_recommendation",
                      {"recommend_measure": recommend, "recommendation": "Empfehlung des KA"})
    final = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {"issue_measure": issue})
    assert final["outcome"] == outcome and final["variables"]["path"] == "recommendation_followed"
    if issue:
        ka_informed(cases, final)
    else:
        assert final["status"] == "completed"
        assert cases.case("ka.buero", case["id"])["outcome"] == "measure_dropped"
    hidden_from(cases, case["id"], "gf", "tv.buero", "traeger.ba")


def test_bmas_deviates_only_with_a_wichtiger_grund(cases: ProcessDriver) -> None:
    case = supervision(cases)
    cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": False})
    cases.complete_as("ka.buero", case["id"], "ka_recommendation",
                      {"recommend_measure": False, "recommendation": "Von der Maßnahme absehen."})
    fields = refused_task(cases, "bmas.referat", case["id"], "bmas_decision", {"issue_measure": True})
    assert "wichtiger_grund" in fields and "§ 47 Abs. 3" in str(fields)
    final = cases.complete_as("bmas.referat", case["id"], "bmas_decision",
                              {"issue_measure": True, "wichtiger_grund": "Gefahr für Leistungsberechtigte"})
    assert final["variables"]["path"] == "deviation"
    ka_informed(cases, final)


def test_supervision_facility_named_or_derived(cases: ProcessDriver) -> None:
    # the gE's name alone: its Land comes from the directory
    case = cases.start("bmas.referat", "supervision", dict(SUPERVISION, jobcenter="jobcenter musterkreis"))
    assert (case["variables"]["jobcenter"], case["variables"]["jobcenter_land"]) == ("Jobcenter Musterkreis", "NW")
    # a gE the directory does not know needs its Land
    fields = refused_start(cases, "bmas.referat", "supervision", dict(SUPERVISION, jobcenter="Jobcenter Irgendwo"))
    assert list(fields) == ["jobcenter_land"]
    given = cases.start("bmas.referat", "supervision", dict(SUPERVISION, jobcenter="Jobcenter Irgendwo",
                                                            jobcenter_land="NW"))
    assert given["variables"]["jobcenter"] == "Jobcenter Irgendwo"


def test_bmas_land_targets_at_start_reach_the_ka_preparation(cases: ProcessDriver) -> None:
    table = rows(*GOALS, TEILHABE)
    case = cases.start("bmas.referat", "target_agreement", agreement("bmas_land", partner_land="NW", targets=table))
    assert names(case) == ["ka_preparation"]
    (task,) = cases.tasks("ka.buero", case["id"], "ka_preparation")
    assert cases.client("ka.buero").get(f"/api/v1/tasks/{task['id']}").json["form"]["values"]["targets"] == table
    fields = refused_start(cases, "bmas.referat", "target_agreement",
                           agreement("bmas_land", partner_land="NW", targets=rows(*GOALS)))
    assert TEILHABE in fields["targets"]


def test_bmas_land_needs_the_land_once_two_lands_have_a_ka(cases: ProcessDriver, colleague: Any) -> None:
    from tests.processes.flows_d1 import BAVARIA

    colleague("ka.buero.by", "ka_office", BAVARIA[0], BAVARIA[1])
    fields = refused_start(cases, "bmas.referat", "target_agreement", agreement("bmas_land"))
    assert fields == {"partner_land": "Pflichtfeld."}
    # the KA's office itself starts it for its own Land
    case = cases.start("ka.buero", "target_agreement", agreement("bmas_land"))
    assert case["variables"]["agreement_land"] == "NW"


def test_vote_tasks_are_not_for_others(cases: ProcessDriver) -> None:
    case = chair_start(cases)
    (ballot,) = cases.tasks("tv.ba1", case["id"], "tv_vote")
    # an outsider does not learn the task exists; a colleague of the gE who holds no ballot may not cast it
    assert cases.client("ihk").get(f"/api/v1/tasks/{ballot['id']}").status_code == 404
    assert cases.client("ihk").post(f"/api/v1/tasks/{ballot['id']}/complete",
                                    json={"data": {"vote": "yes"}}).status_code == 404
    taken = cases.client("gf").post(f"/api/v1/tasks/{ballot['id']}/complete", json={"data": {"vote": "yes"}})
    assert taken.status_code in (403, 404), taken.json
    assert cases.tasks("tv.ba1", case["id"], "tv_vote") == [ballot]
    bad = cases.submit("tv.ba1", case["id"], "tv_vote", {"vote": "vielleicht"})
    assert bad.status_code == 422 and "vote" in bad.json["details"]["fields"]
