"""option_application (§ 6a SGB II, KtEfV; DOMAIN.md §4.3) end to end over the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from casework.clock import FrozenClock
from tests.processes.conftest import ProcessDriver
from tests.processes.flows_d1 import BAVARIA, group_inbox, involved, sees_neither

COSTS = {
    "once_property": 120000, "once_hardware": 80000.5, "once_software": 45000,
    "running_software": 12000, "running_network": 3500.25,
}


def start_vars(**overrides: Any) -> dict[str, Any]:
    return {"kommune": "Kreis Musterkreis", "land": "NW", "received_date": "2010-11-30", **overrides}


def dossier(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "commit_besondere_einrichtung": True, "commit_staff": True, "commit_zielvereinbarung": True,
        "commit_data_standard": True, "eligible_ba_staff": 1000, "committed_staff": 900,
        "concept_organisation": "Eigenes Amt für Grundsicherung", "concept_engagement": "Beirat und Gemeinden",
        "concept_control": "Kennzahlen nach § 48a", "concept_transition": "Übergang zum 1.1.2012",
        "concept_placement": "Fallmanagement", "consult_gemeinden": False, **COSTS,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def council(**overrides: Any) -> dict[str, Any]:
    return {"statutory_members": 61, "yes_votes": 45, "no_votes": 12, "abstentions": 4,
            "resolution_date": "2010-11-25", **overrides}


def assessment(**overrides: Any) -> dict[str, Any]:
    scores = {f"score_{c}": 8 for c in ("organisation", "engagement", "control", "transition", "placement")}
    return {**scores, "minimum_per_criterion": 5, "minimum_total": 30, "consent": True, **overrides}


def run_until_council(cases: ProcessDriver, *, start: dict[str, Any] | None = None,
                      dossier_data: dict[str, Any] | None = None, business_key: str = "OPT-2010-1") -> str:
    case = cases.start("option.team", "option_application", start or start_vars(), business_key=business_key)
    cases.complete_as("option.team", case["id"], "prepare_dossier", dossier_data or dossier())
    return str(case["id"])


def run_checks(cases: ProcessDriver, *, start: dict[str, Any] | None = None,
               dossier_data: dict[str, Any] | None = None, council_data: dict[str, Any] | None = None,
               business_key: str = "OPT-2010-1") -> dict[str, Any]:
    """Start, dossier, council resolution: the case right after the admissibility checks."""
    case_id = run_until_council(cases, start=start, dossier_data=dossier_data, business_key=business_key)
    return cases.complete_as("kreistag.buero", case_id, "council_resolution", council_data or council())


def run_to_land(cases: ProcessDriver, land_data: dict[str, Any]) -> dict[str, Any]:
    after = run_checks(cases)
    assert [t["name"] for t in after["open_tasks"]] == ["land_assessment"]
    return cases.complete_as("land.ministerium", after["id"], "land_assessment", land_data)


# --- one journey per outcome ---------------------------------------------------------------

def test_admitted_journey(cases: ProcessDriver) -> None:
    case = cases.start("option.team", "option_application", start_vars(), business_key="OPT-2010-1")
    assert case["status"] == "running"
    assert [(t["name"], t["candidate_groups"]) for t in case["open_tasks"]] == [
        ("prepare_dossier", ["option_team"])]
    after = cases.complete_as("option.team", case["id"], "prepare_dossier", dossier())
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [
        ("council_resolution", ["council_office"])]
    checked = cases.complete_as("kreistag.buero", case["id"], "council_resolution", council())
    assert checked["variables"]["admissibility"] == "admissible"
    assert checked["variables"]["required_staff"] == 900
    assert checked["variables"]["quorum_rule"] == "council_two_thirds"
    land = cases.task("land.ministerium", case["id"], "land_assessment")
    assert land["candidate_groups"] == ["land_authority"] and land["assignee"] is None
    shown = cases.client("land.ministerium").get(f"/api/v1/tasks/{land['id']}").json["values"]
    assert shown["concept_control"] == "Kennzahlen nach § 48a" and shown["once_total"] == 245000.5
    assessed = cases.complete_as("land.ministerium", case["id"], "land_assessment", assessment())
    assert assessed["variables"]["score_total"] == 40
    bmas = cases.task("bmas.referat", case["id"], "bmas_ordinance")
    assert bmas["candidate_groups"] == ["bmas"]
    final = cases.complete_as("bmas.referat", case["id"], "bmas_ordinance",
                              {"admitted": True, "effective_date": "2012-01-01"})
    assert (final["status"], final["outcome"]) == ("completed", "admitted")
    assert final["variables"]["effective_date"] == "2012-01-01"
    assert final["open_tasks"] == []


def test_land_and_bmas_tasks_reach_every_clerk_of_their_groups(cases: ProcessDriver, colleague: Any) -> None:
    land_clerk = colleague("land.referentin", "land_authority", "land-nw")
    bmas_clerk = colleague("bmas.referentin", "bmas", "bmas")
    bavaria = colleague("bayern.ministerium", "land_authority", *BAVARIA)
    after = run_checks(cases)
    (task,) = after["open_tasks"]
    assert (task["name"], task["assignee"], task["candidate_groups"]) == ("land_assessment", None, ["land_authority"])
    # the Land of the application was brought in at the start; the BMAS not yet
    assert involved(cases.client("admin"), after["id"]) == [("land_authority", ["Land Nordrhein-Westfalen"])]
    for user in ("land.ministerium", land_clerk):
        assert [t["id"] for t in group_inbox(cases.client(user), after["id"])] == [task["id"]]
    for outsider in (bavaria, "bmas.referat", bmas_clerk, "ka.buero"):
        assert sees_neither(cases.client(outsider), after["id"], task["id"])
    assessed = cases.complete_as(land_clerk, after["id"], "land_assessment", assessment())
    assert group_inbox(cases.client("land.ministerium"), after["id"]) == []
    (ordinance,) = assessed["open_tasks"]
    assert (ordinance["name"], ordinance["assignee"]) == ("bmas_ordinance", None)
    assert involved(cases.client("admin"), after["id"])[1] == (
        "bmas", ["Bundesministerium für Arbeit und Soziales"])
    for user in ("bmas.referat", bmas_clerk):
        assert [t["id"] for t in group_inbox(cases.client(user), after["id"])] == [ordinance["id"]]
    # who completed the Land's task still sees the case; the other clerk of the Land no longer does
    assert cases.client(land_clerk).get(f"/api/v1/process-instances/{after['id']}").status_code == 200
    assert cases.client("land.ministerium").get(f"/api/v1/process-instances/{after['id']}").status_code == 404
    final = cases.complete_as("bmas.referat", after["id"], "bmas_ordinance", {"admitted": False})
    assert final["outcome"] == "not_admitted"


def test_a_refusing_land_never_involves_the_bmas(cases: ProcessDriver) -> None:
    final = run_to_land(cases, assessment(consent=False))
    assert final["outcome"] == "land_refused"
    assert [group for group, _ in involved(cases.client("admin"), final["id"])] == ["land_authority"]


def test_not_admitted_by_bmas(cases: ProcessDriver) -> None:
    assessed = run_to_land(cases, assessment())
    refused = cases.submit("bmas.referat", assessed["id"], "bmas_ordinance", {"admitted": True})
    assert refused.status_code == 422 and "effective_date" in refused.json["details"]["fields"]
    final = cases.complete_as("bmas.referat", assessed["id"], "bmas_ordinance", {"admitted": False})
    assert (final["status"], final["outcome"]) == ("completed", "not_admitted")


def test_inadmissible_window(cases: ProcessDriver) -> None:
    final = run_checks(cases, start=start_vars(received_date="2011-01-01"))
    assert (final["status"], final["outcome"]) == ("completed", "inadmissible_window")


def test_quorum_failed(cases: ProcessDriver) -> None:
    final = run_checks(cases, council_data=council(yes_votes=40, no_votes=15, abstentions=6))
    assert (final["status"], final["outcome"]) == ("completed", "quorum_failed")
    assert final["variables"]["council_result"]["adopted"] is False


def test_incomplete_commitments(cases: ProcessDriver) -> None:
    final = run_checks(cases, dossier_data=dossier(commit_zielvereinbarung=False))
    assert (final["status"], final["outcome"]) == ("completed", "incomplete")


def test_staff_commitment_insufficient(cases: ProcessDriver) -> None:
    final = run_checks(cases, dossier_data=dossier(committed_staff=899))
    assert (final["status"], final["outcome"]) == ("completed", "staff_commitment_insufficient")


def test_not_suitable_below_minimum_per_criterion(cases: ProcessDriver) -> None:
    final = run_to_land(cases, assessment(score_control=4))
    assert (final["status"], final["outcome"]) == ("completed", "not_suitable")
    assert final["variables"]["criteria_below_minimum"] == ["control"]
    assert final["variables"]["total_below_minimum"] is False


def test_not_suitable_below_minimum_total(cases: ProcessDriver) -> None:
    final = run_to_land(cases, assessment(minimum_total=41))
    assert (final["status"], final["outcome"]) == ("completed", "not_suitable")
    assert final["variables"]["criteria_below_minimum"] == []
    assert final["variables"]["total_below_minimum"] is True


def test_land_refused(cases: ProcessDriver) -> None:
    final = run_to_land(cases, assessment(consent=False))
    assert (final["status"], final["outcome"]) == ("completed", "land_refused")


def test_unsuitable_wins_over_missing_consent(cases: ProcessDriver) -> None:
    final = run_to_land(cases, assessment(score_placement=0, consent=False))
    assert final["outcome"] == "not_suitable"


# --- DOMAIN.md §5 examples -------------------------------------------------------------------

@pytest.mark.parametrize(("yes", "outcome"), [(41, "admissible"), (40, "quorum_failed")])
def test_kreistag_of_61_needs_41_yes_votes_in_2010(cases: ProcessDriver, yes: int, outcome: str) -> None:
    after = run_checks(cases, council_data=council(yes_votes=yes, no_votes=10, abstentions=2))
    assert after["variables"]["admissibility"] == outcome
    assert after["variables"]["council_result"]["required"] == 41


@pytest.mark.parametrize(("committed", "outcome"), [(900, "admissible"), (899, "staff_commitment_insufficient")])
def test_thousand_eligible_staff_need_900(cases: ProcessDriver, committed: int, outcome: str) -> None:
    after = run_checks(cases, dossier_data=dossier(eligible_ba_staff=1000, committed_staff=committed))
    assert after["variables"]["admissibility"] == outcome


# --- edges -----------------------------------------------------------------------------------

def test_two_thirds_exactly_at_the_threshold(cases: ProcessDriver) -> None:
    # 60 statutory members: two thirds is exactly 40
    after = run_checks(cases, council_data=council(statutory_members=60, yes_votes=40, no_votes=20, abstentions=0))
    assert after["variables"]["admissibility"] == "admissible"
    assert after["variables"]["council_result"]["required"] == 40


def test_two_thirds_one_short_at_the_threshold(cases: ProcessDriver) -> None:
    after = run_checks(cases, council_data=council(statutory_members=60, yes_votes=39, no_votes=1, abstentions=0))
    assert after["outcome"] == "quorum_failed"


@pytest.mark.parametrize(("resolution_date", "rule", "outcome"), [
    ("2014-10-06", "council_two_thirds", "quorum_failed"),
    ("2014-10-07", "simple_majority", "admissible"),
])
def test_rule_change_on_2014_10_07(cases: ProcessDriver, resolution_date: str, rule: str, outcome: str) -> None:
    # 30 of 61 is no two-thirds majority, but a majority of the 50 votes cast
    after = run_checks(
        cases,
        start=start_vars(received_date="2015-07-01"),
        council_data=council(yes_votes=30, no_votes=20, abstentions=5, resolution_date=resolution_date),
    )
    assert after["variables"]["quorum_rule"] == rule
    assert after["variables"]["admissibility"] == outcome


@pytest.mark.parametrize(("received", "admissible"), [
    ("2009-12-31", False), ("2010-01-01", True), ("2010-12-31", True), ("2011-01-01", False),
    ("2015-06-29", False), ("2015-06-30", True), ("2015-12-31", True), ("2016-01-01", False),
])
def test_application_windows(cases: ProcessDriver, received: str, admissible: bool) -> None:
    after = run_checks(cases, start=start_vars(received_date=received))
    expected = "admissible" if admissible else "inadmissible_window"
    assert after["variables"]["admissibility"] == expected


@pytest.mark.parametrize(("eligible", "committed", "met"), [
    (10, 9, True), (10, 8, False), (1, 1, True), (1, 0, False), (11, 10, True), (11, 9, False), (0, 0, True),
])
def test_ninety_percent_rounded_up(cases: ProcessDriver, eligible: int, committed: int, met: bool) -> None:
    after = run_checks(cases, dossier_data=dossier(eligible_ba_staff=eligible, committed_staff=committed))
    assert after["variables"]["admissibility"] == ("admissible" if met else "staff_commitment_insufficient")


def test_window_is_checked_before_quorum_and_staff(cases: ProcessDriver) -> None:
    final = run_checks(cases, start=start_vars(received_date="2012-05-01"),
                       dossier_data=dossier(committed_staff=0, commit_staff=False),
                       council_data=council(yes_votes=1, no_votes=50, abstentions=0))
    assert final["outcome"] == "inadmissible_window"


def test_quorum_is_checked_before_commitments(cases: ProcessDriver) -> None:
    final = run_checks(cases, dossier_data=dossier(commit_staff=False),
                       council_data=council(yes_votes=20, no_votes=30, abstentions=0))
    assert final["outcome"] == "quorum_failed"


def test_cost_totals(cases: ProcessDriver) -> None:
    after = run_checks(cases)
    variables = after["variables"]
    assert variables["once_total"] == pytest.approx(245000.5)
    assert variables["running_total"] == pytest.approx(15500.25)
    assert variables["once_furniture"] is None


def test_cost_totals_without_any_estimate(cases: ProcessDriver) -> None:
    bare = dossier(**dict.fromkeys(COSTS))
    after = run_checks(cases, dossier_data=bare)
    assert (after["variables"]["once_total"], after["variables"]["running_total"]) == (0, 0)


def test_impossible_dates_are_refused_naming_the_field(cases: ProcessDriver) -> None:
    client = cases.client("option.team")
    response = client.post("/api/v1/process-instances", json={
        "process_key": "option_application", "variables": start_vars(received_date="2011-11-31")})
    assert response.status_code == 422
    assert "received_date" in response.json["details"]["fields"]
    assert "2011-11-31" in response.json["details"]["fields"]["received_date"]
    case_id = run_until_council(cases)
    refused = cases.submit("kreistag.buero", case_id, "council_resolution", council(resolution_date="2014-02-30"))
    assert refused.status_code == 422
    assert set(refused.json["details"]["fields"]) == {"resolution_date"}
    assert cases.task("kreistag.buero", case_id, "council_resolution")["state"] == "open"


def test_more_votes_than_members_are_refused(cases: ProcessDriver) -> None:
    case_id = run_until_council(cases)
    refused = cases.submit("kreistag.buero", case_id, "council_resolution",
                           council(yes_votes=50, no_votes=10, abstentions=2))
    assert refused.status_code == 422 and "yes_votes" in refused.json["details"]["fields"]


def test_negative_staff_numbers_are_refused(cases: ProcessDriver) -> None:
    case = cases.start("option.team", "option_application", start_vars())
    refused = cases.submit("option.team", case["id"], "prepare_dossier", dossier(committed_staff=-1))
    assert refused.status_code == 422 and set(refused.json["details"]["fields"]) == {"committed_staff"}


def test_only_the_option_team_may_start(cases: ProcessDriver) -> None:
    response = cases.client("gf").post("/api/v1/process-instances",
                                       json={"process_key": "option_application", "variables": start_vars()})
    assert response.status_code == 403


# --- Gemeinden ---------------------------------------------------------------------------------

def consulting_case(cases: ProcessDriver) -> str:
    case = cases.start("option.team", "option_application", start_vars())
    after = cases.complete_as("option.team", case["id"], "prepare_dossier",
                              dossier(consult_gemeinden=True, statement_deadline="2026-12-23"))
    names = sorted(t["name"] for t in after["open_tasks"])
    assert names == ["close_consultation", "gemeinde_statement", "gemeinde_statement"]
    # the Gemeinden of the Land became parties of the Kreis's case before they were asked
    assert involved(cases.client("admin"), case["id"])[-1] == (
        "gemeinde", ["Gemeinde Musterdorf", "Stadt Beispielstadt"])
    return str(case["id"])


def test_consult_gemeinden_false_skips_the_statements(cases: ProcessDriver) -> None:
    after = run_checks(cases)
    assert after["variables"]["gemeinde_statements"] == []
    assert cases.tasks("gemeinde.musterdorf", after["id"]) == []


def test_statements_of_all_gemeinden_then_council(cases: ProcessDriver) -> None:
    case_id = consulting_case(cases)
    task = cases.task("gemeinde.musterdorf", case_id, "gemeinde_statement")
    assert task["assignee"] == "gemeinde.musterdorf"
    assert task["due_at"].startswith("2026-12-23")
    cases.complete_as("gemeinde.musterdorf", case_id, "gemeinde_statement", {"statement": "Wir stimmen zu."})
    after = cases.complete_as("gemeinde.beispielstadt", case_id, "gemeinde_statement",
                              {"statement": "Bedenken wegen der Außenstelle."})
    assert [t["name"] for t in after["open_tasks"]] == ["council_resolution"]
    statements = {s["gemeinde"]: s for s in after["variables"]["gemeinde_statements"]}
    assert statements["gemeinde.musterdorf"] == {
        "gemeinde": "gemeinde.musterdorf", "gemeinde_name": "Gemeinde Musterdorf", "statement": "Wir stimmen zu.",
        "submitted": True}
    assert statements["gemeinde.beispielstadt"]["submitted"] is True


def stored_state(app: Flask, case_id: str) -> dict[str, Any]:
    import json

    import sqlalchemy as sa

    from models import ProcessInstance, db

    with app.app_context():
        state = db.session.scalar(sa.select(ProcessInstance.state).where(ProcessInstance.id == case_id))
        db.session.remove()
    return dict(json.loads(state))


def test_missing_statement_is_recorded_and_never_blocks(app: Flask, cases: ProcessDriver) -> None:
    case_id = consulting_case(cases)
    cases.complete_as("gemeinde.musterdorf", case_id, "gemeinde_statement", {"statement": "Einverstanden."})
    after = cases.complete_as("option.team", case_id, "close_consultation", {})
    assert [t["name"] for t in after["open_tasks"]] == ["council_resolution"]
    statements = {s["gemeinde"]: s for s in after["variables"]["gemeinde_statements"]}
    assert statements["gemeinde.beispielstadt"] == {
        "gemeinde": "gemeinde.beispielstadt", "gemeinde_name": "Stadt Beispielstadt",
        "statement": "keine Stellungnahme", "submitted": False, "ended_by": "closed"}
    assert statements["gemeinde.musterdorf"]["statement"] == "Einverstanden."
    assert cases.tasks("gemeinde.beispielstadt", case_id) == []
    # the early close already ended the option team's task: no signal is thrown into the void
    assert stored_state(app, case_id)["bpmn_events"] == []
    final = cases.complete_as("kreistag.buero", case_id, "council_resolution", council())
    assert final["variables"]["admissibility"] == "admissible"


def test_statement_deadline_defaults_to_four_weeks_and_is_checked(cases: ProcessDriver) -> None:
    case = cases.start("option.team", "option_application", start_vars())
    emptied = cases.submit("option.team", case["id"], "prepare_dossier",
                           dossier(consult_gemeinden=True, statement_deadline=""))
    assert emptied.status_code == 422
    assert set(emptied.json["details"]["fields"]) == {"statement_deadline"}
    past = cases.submit("option.team", case["id"], "prepare_dossier",
                        dossier(consult_gemeinden=True, statement_deadline="2026-11-24"))
    assert past.status_code == 422 and set(past.json["details"]["fields"]) == {"statement_deadline"}
    # left out, the form's default applies: four weeks from today (the clock says 2026-11-25)
    after = cases.complete_as("option.team", case["id"], "prepare_dossier", dossier(consult_gemeinden=True))
    assert after["variables"]["statement_deadline"] == "2026-12-23"


def fire_timers_at(app: Flask, clock: FrozenClock, moment: datetime) -> Any:
    clock.set(moment)
    with app.app_context():  # left before the next request: requests must get their own context
        return app.extensions["casework"].management.fire_due()


def test_statement_deadline_passing_records_keine_stellungnahme(
    app: Flask, clock: FrozenClock, cases: ProcessDriver
) -> None:
    case_id = consulting_case(cases)
    cases.complete_as("gemeinde.beispielstadt", case_id, "gemeinde_statement", {"statement": "Keine Einwände."})
    # the deadline is the end of 2026-12-23, German time: not yet at 23:00 that day
    fire_timers_at(app, clock, datetime(2026, 12, 23, 22, 0, tzinfo=UTC))  # reminders may fire, not the deadline
    assert len(cases.tasks("gemeinde.musterdorf", case_id, "gemeinde_statement")) == 1
    fire_timers_at(app, clock, datetime(2026, 12, 24, 6, 0, tzinfo=UTC))
    after = cases.case("option.team", case_id)
    assert [t["name"] for t in after["open_tasks"]] == ["council_resolution"]
    statements = {s["gemeinde"]: (s["statement"], s.get("ended_by")) for s in after["variables"]["gemeinde_statements"]}
    assert statements == {"gemeinde.musterdorf": ("keine Stellungnahme", "deadline"),
                          "gemeinde.beispielstadt": ("Keine Einwände.", None)}
    assert cases.tasks("option.team", case_id, "close_consultation") == []
    assert stored_state(app, case_id)["bpmn_events"] == []


def test_group_members_prefers_the_case_parties(app: Flask, clock: FrozenClock) -> None:
    import sqlalchemy as sa

    from casework.context import running_case
    from casework.helpers import build_helpers
    from models import Organisation, db

    helpers = build_helpers(clock)
    group_members, display_names = helpers["group_members"], helpers["display_names"]
    with app.app_context():
        session = db.session()
        kreis, land = (session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))
                       for slug in ("kreis-musterkreis", "land-nw"))
        assert group_members("gemeinde") == []  # outside a case there is no directory to ask
        with running_case(session, "case", kreis, (kreis,)):
            # nobody of the Gemeinden or the Land is a party: all members of the group
            assert group_members("gemeinde") == ["gemeinde.beispielstadt", "gemeinde.musterdorf"]
            assert group_members("land_authority") == ["land.ministerium"]
            assert group_members("no_such_group") == []
            assert display_names(["gemeinde.musterdorf", "nobody"]) == {
                "gemeinde.musterdorf": "Gemeinde Musterdorf", "nobody": "nobody"}
            with pytest.raises(ValueError, match="list of user names"):
                display_names("gemeinde.musterdorf")
            assert group_members("land_authority", "NW") == ["land.ministerium"]
            assert group_members("land_authority", "BY") == []
            with pytest.raises(ValueError, match="unknown Land"):
                group_members("land_authority", "XX")
            with pytest.raises(ValueError, match="group name"):
                group_members("")
        with running_case(session, "case", land, (land,)):
            assert group_members("ka_member") == sorted(
                [f"ka.land{i}" for i in (1, 2, 3)] + [f"ka.bmas{i}" for i in (1, 2, 3)])
        db.session.remove()


def test_land_task_goes_to_the_authority_of_the_applications_land(cases: ProcessDriver, colleague: Any) -> None:
    # the Land is the applying Kreis's own (issue 11: a Kreis in NRW cannot apply to Bavaria) ...
    refused = cases.client("option.team").post("/api/v1/process-instances", json={
        "process_key": "option_application", "variables": start_vars(land="BY")})
    assert refused.status_code == 422 and list(refused.json["details"]["fields"]) == ["land"]
    # ... so a Bavarian Kreis applies to Bavaria, where no land_authority exists in the demo world:
    # the task waits for the group, unassigned, and NRW's ministry never sees it
    kreis = ("Landkreis Beispielbayern", "kreis", "BY")
    team = colleague("option.by", "option_team", "kreis-by", kreis)
    council_office = colleague("kreistag.by", "council_office", "kreis-by")
    case = cases.start(team, "option_application", start_vars(kommune=kreis[0], land="BY"), business_key="OPT-BY")
    assert case["variables"]["land"] == "BY"
    cases.complete_as(team, case["id"], "prepare_dossier", dossier())
    after = cases.complete_as(council_office, case["id"], "council_resolution", council())
    (task,) = after["open_tasks"]
    assert (task["name"], task["assignee"], task["candidate_groups"]) == ("land_assessment", None, ["land_authority"])
    assert cases.tasks("land.ministerium", after["id"]) == []


def test_a_designer_changes_the_admissibility_table(cases: ProcessDriver) -> None:
    from io import BytesIO
    from pathlib import Path

    workflows = Path(__file__).resolve().parents[2] / "workflows"
    table = (workflows / "option_admissibility.dmn").read_text(encoding="utf-8")
    # a hypothetical third application period in 2016, added in the table alone
    changed = table.replace('or "2015-06-30" &lt;= ? &lt;= "2015-12-31")',
                            'or "2015-06-30" &lt;= ? &lt;= "2015-12-31" or "2016-03-01" &lt;= ? &lt;= "2016-03-31")')
    assert changed != table
    designer = cases.client("designer")
    response = designer.client.post(
        "/api/v1/process-definitions", headers=designer.headers, content_type="multipart/form-data",
        data={"files": [(BytesIO(changed.encode()), "option_admissibility.dmn"),
                        (BytesIO((workflows / "option_application.bpmn").read_bytes()), "option_application.bpmn")]},
    )
    assert response.status_code == 201, response.json
    after = run_checks(cases, start=start_vars(received_date="2016-03-15"))
    assert after["version"] >= 2
    assert after["variables"]["admissibility"] == "admissible"
    later = run_checks(cases, start=start_vars(received_date="2016-04-01"), business_key="OPT-2016-2")
    assert later["outcome"] == "inadmissible_window"


@pytest.mark.parametrize("key", ["option_application", "beirat_appointment"])
def test_diagram_shows_every_element(cases: ProcessDriver, key: str) -> None:
    from lxml import etree

    response = cases.client("designer").get(f"/api/v1/process-definitions/{key}/bpmn")
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    bpmn, di = "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://www.omg.org/spec/BPMN/20100524/DI"
    kinds = ("Task", "Event", "Gateway", "subProcess", "sequenceFlow")
    elements = {el.get("id") for el in root.iter(f"{{{bpmn}}}*")
                if any(etree.QName(el).localname.endswith(k) for k in kinds)}
    drawn = {el.get("bpmnElement") for el in root.iter(f"{{{di}}}BPMNShape", f"{{{di}}}BPMNEdge")}
    assert len(elements) > 30 and elements == drawn


def test_consultation_without_any_gemeinde_ends_at_once(app: Flask, cases: ProcessDriver, without_users: Any) -> None:
    with without_users("gemeinde.%"):
        case = cases.start("option.team", "option_application", start_vars())
        after = cases.complete_as("option.team", case["id"], "prepare_dossier",
                                  dossier(consult_gemeinden=True, statement_deadline="2026-12-23"))
    assert [t["name"] for t in after["open_tasks"]] == ["council_resolution"]
    assert after["variables"]["gemeinde_statements"] == []
    assert stored_state(app, case["id"])["bpmn_events"] == []


def test_the_dossier_without_the_optional_consultation_goes_to_the_council(cases: ProcessDriver) -> None:
    # `consult_gemeinden` is optional (DOMAIN.md §4.3): left out, the form's "no" applies
    case_id = run_until_council(cases, dossier_data=dossier(consult_gemeinden=None))
    after = cases.case("option.team", case_id)
    assert after["variables"]["consult_gemeinden"] is False
    assert [t["name"] for t in cases.tasks("kreistag.buero", case_id)] == ["council_resolution"]
