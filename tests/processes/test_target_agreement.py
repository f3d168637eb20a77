"""target_agreement (§ 48b SGB II; DOMAIN.md §4.7) end to end over the JSON API, as the demo users.

Each pair of § 48b Abs. 1 with its sides, the required goals of Abs. 3 (a draft without one is
refused, naming it), negotiation rounds, the KA preparing BMAS – Land, signatures not before the
budget law (Abs. 2), the notice of Abs. 4, then the four quarterly reports: each timer fires on its
date under the test clock (quarter end + 20 days, 00:00 German time), also after a restart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from casework import Casework
from models import Timer, db
from tests.processes.flows_d1 import case, do, involved, start, tasks_of

CORE_GOALS = ["Verringerung der Hilfebedürftigkeit", "Verbesserung der Integration in Erwerbstätigkeit",
              "Vermeidung von langfristigem Leistungsbezug"]
TEILHABE = "Verbesserung der sozialen Teilhabe"
# quarter end + 20 days, at 00:00 in Germany (CEST in April to October, CET in January)
QUARTER_TIMERS = [datetime(2027, 4, 19, 22, 0, tzinfo=UTC), datetime(2027, 7, 19, 22, 0, tzinfo=UTC),
                  datetime(2027, 10, 19, 22, 0, tzinfo=UTC), datetime(2028, 1, 19, 23, 0, tzinfo=UTC)]


def targets(*goals: str, base: float = 10.0) -> list[dict[str, Any]]:
    return [{"goal": g, "indicator": f"K{i + 1}", "target_value": base + i} for i, g in enumerate(goals)]


def variables(pair: str, **overrides: Any) -> dict[str, Any]:
    data = {"pair": pair, "year": 2027, "budget_law_passed_on": "2026-11-27"}
    data.update(overrides)
    return data


def refused(client: Any, instance_id: str, name: str, data: dict[str, Any]) -> dict[str, str]:
    (task,) = tasks_of(client, instance_id, name)
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert response.status_code == 422, response.json
    return dict(response.json["details"]["fields"])


def sign_all(api: Any, instance_id: str, signers: dict[str, str], on: str = "2026-12-01") -> dict[str, Any]:
    final: dict[str, Any] = {}
    for user, side in signers.items():
        (task,) = tasks_of(api(user), instance_id, "sign_agreement")
        assert side in task["title"], task["title"]
        final = do(api(user), instance_id, "sign_agreement", {"signature": {"signer_name": f"Name {user}", "signed_on": on}})
    return final


def bpmn_timers(instance_id: str) -> list[Timer]:
    rows = db.session.scalars(
        sa.select(Timer).where(Timer.instance_id == instance_id, Timer.kind == "bpmn").order_by(Timer.due_at)
        .execution_options(populate_existing=True)
    ).all()
    db.session.commit()
    return list(rows)


def test_traeger_gf_refusals_rounds_signatures_and_four_quarters(api: Any, casework: Casework, clock: Any) -> None:
    started = start(api("traeger.ba"), "target_agreement", variables("traeger_gf"), business_key="ZV-2027-JC")
    cid = started["id"]
    assert [(t["name"], t["title"]) for t in started["open_tasks"]] == [
        ("draft_agreement", "Entwurf der Zielvereinbarung (2027)")]
    # § 48b Abs. 3 Satz 2: Träger and GF also agree on the social participation goal
    fields = refused(api("traeger.ba"), cid, "draft_agreement", {"targets": targets(*CORE_GOALS)})
    assert fields == {"targets": "Es fehlt das nach § 48b Abs. 3 SGB II vorgeschriebene Ziel „Verbesserung "
                                 "der sozialen Teilhabe“."}
    fields = refused(api("traeger.ba"), cid, "draft_agreement", {"targets": targets(CORE_GOALS[0])})
    assert fields["targets"].startswith("Es fehlen die nach § 48b Abs. 3 SGB II vorgeschriebenen Ziele „Verbesserung "
                                        "der Integration in Erwerbstätigkeit“, „")
    first = [*targets(*CORE_GOALS, TEILHABE), {"goal": "Senkung der Kosten der Unterkunft", "indicator": "K9",
                                               "target_value": 2.5}]
    drafted = do(api("traeger.kommune"), cid, "draft_agreement", {"targets": first, "draft_note": "Entwurf 1"})
    assert drafted["variables"]["draft_version"] == 1
    # a round: the GF asks for a revision, the Träger revise (one row fewer), the GF accepts
    do(api("gf"), cid, "review_draft", {"response": "revise", "comments": "Zielwert K2 zu hoch"})
    assert refused(api("traeger.ba"), cid, "revise_draft", {"targets": targets(TEILHABE), "revision_note": "x"})[
        "targets"].startswith("Es fehlen")
    second = targets(*[g.upper() for g in CORE_GOALS], "  verbesserung  der sozialen   teilhabe ", base=20.0)
    revised = do(api("traeger.ba"), cid, "revise_draft", {"targets": second, "revision_note": "K2 gesenkt"})
    assert revised["variables"]["draft_version"] == 2
    assert revised["variables"]["rounds"] == [{"round": 1, "comments": "Zielwert K2 zu hoch",
                                               "revision_note": "K2 gesenkt", "version": 2}]
    agreed = do(api("gf"), cid, "review_draft", {"response": "accept", "comments": None})
    # the agreed version, the dropped row gone (cells are stored trimmed)
    assert agreed["variables"]["targets"] == [dict(r, goal=r["goal"].strip()) for r in second]
    assert sorted(t["name"] for t in agreed["open_tasks"]) == ["sign_agreement"] * 3
    # § 48b Abs. 2: no signature before the Bundestag passed the budget law
    fields = refused(api("gf"), cid, "sign_agreement", {"signature": {"signer_name": "G. F.", "signed_on": "2026-11-26"}})
    assert fields == {"signature.signed_on": "Eine Zielvereinbarung wird erst nach der Beschlussfassung des Bundestages über "
                                   "das Haushaltsgesetz abgeschlossen (§ 48b Abs. 2 SGB II); der Beschluss fiel am "
                                   "27.11.2026."}
    concluded = sign_all(api, cid, {"traeger.ba": "Agentur für Arbeit", "traeger.kommune": "Kommunaler Träger",
                                    "gf": "Geschäftsführung des Jobcenters"})
    assert (concluded["status"], concluded["outcome"]) == ("running", "concluded")
    assert concluded["variables"]["concluded_on"] == "2026-12-01"
    assert {s["side"] for s in concluded["variables"]["signatures"]} == {
        "Agentur für Arbeit", "Kommunaler Träger", "Geschäftsführung des Jobcenters"}
    assert concluded["open_tasks"] == []

    for quarter, due in enumerate(QUARTER_TIMERS, 1):
        (timer,) = [t for t in bpmn_timers(cid) if t.fired_at is None]
        assert (timer.element_id, timer.due_at) == ("wait_quarter_report", due)
        clock.set(due - timedelta(seconds=1))
        casework.management.fire_due()
        assert tasks_of(api("gf"), cid, "report_actuals") == []
        clock.set(due)
        # the second quarter is fired by a new engine over the same database: nothing kept in memory
        firing = Casework(clock=clock) if quarter == 2 else casework
        assert firing.management.fire_due().fired >= 1
        (report,) = tasks_of(api("gf"), cid, "report_actuals")
        assert report["title"] == f"Quartalsbericht: Ist-Werte melden: {quarter}. Quartal 2027"
        rows = api("gf").get(f"/api/v1/tasks/{report['id']}").json["form"]["values"]["actuals"]
        assert [r["indicator"] for r in rows] == ["K1", "K2", "K3", "K4"] and rows[0]["actual_value"] is None
        bad = refused(api("gf"), cid, "report_actuals", {"actuals": [dict(rows[0], actual_value="viel")]})
        assert bad == {"actuals.0.actual_value": "Zeile 1, Spalte „Ist-Wert“: Zahl erwartet: eine JSON-Zahl oder "
                                                 "Text ohne Tausenderpunkte wie 12500.50."}
        filled = [dict(r, actual_value=r["target_value"] * quarter / 4) for r in rows]
        do(api("gf"), cid, "report_actuals", {"actuals": filled, "report_note": f"Q{quarter}"})
        after = do(api("traeger.kommune"), cid, "acknowledge_report", {"acknowledgement_note": None})
        reports = after["variables"]["quarterly_reports"]
        assert [r["quarter"] for r in reports] == list(range(1, quarter + 1))
        assert reports[-1]["actuals"] == filled and reports[-1]["due_on"] == (due + timedelta(hours=2)).date().isoformat()

    fired = [t.fired_at for t in bpmn_timers(cid)]
    assert fired == QUARTER_TIMERS  # each quarter fired once, on its date
    final = do(api("traeger.ba"), cid, "year_end_review", {"assessment": "partly", "review_summary": "K3 verfehlt"})
    assert (final["status"], final["outcome"]) == ("completed", "reviewed")
    assert not {"drafts", "actuals", "signature_items"} & set(final["variables"])


def test_bmas_land_prepared_by_the_ka_then_land_zkt_follows_it(api: Any) -> None:
    # a Land's agreement with a zkT before the year's BMAS – Land agreement: a notice, not a refusal
    early = start(api("land.ministerium"), "target_agreement", variables("land_zkt"), business_key="ZV-2027-ZKT-1")
    do(api("land.ministerium"), early["id"], "draft_agreement", {"targets": targets(*CORE_GOALS, TEILHABE)})
    noticed = do(api("traeger.kommune"), early["id"], "review_draft", {"response": "accept"})
    assert noticed["variables"]["bmas_land_notice"].startswith(
        "Für 2027 ist noch keine Zielvereinbarung zwischen BMAS und Land unterschrieben; nach § 48b Abs. 4 SGB II")

    ka = start(api("ka.buero"), "target_agreement", variables("bmas_land"), business_key="ZV-2027-NW")
    assert [t["name"] for t in ka["open_tasks"]] == ["ka_preparation"]
    assert ka["variables"]["agreement_land"] == "NW"
    assert "Teilhabe" in refused(api("ka.buero"), ka["id"], "ka_preparation",
                                 {"targets": targets(*CORE_GOALS)})["targets"]
    do(api("ka.buero"), ka["id"], "ka_preparation", {"targets": targets(*CORE_GOALS, TEILHABE)})
    do(api("land.ministerium"), ka["id"], "review_draft", {"response": "revise", "comments": "K4 fehlt Begründung"})
    do(api("ka.buero"), ka["id"], "revise_draft", {"targets": targets(*CORE_GOALS, TEILHABE, base=5),
                                                    "revision_note": "begründet"})
    do(api("land.ministerium"), ka["id"], "review_draft", {"response": "accept"})
    signed = sign_all(api, ka["id"], {"bmas.referat": "Bundesministerium", "land.ministerium": "Land"})
    assert signed["outcome"] == "concluded"

    later = start(api("land.ministerium"), "target_agreement", variables("land_zkt"), business_key="ZV-2027-ZKT-2")
    do(api("land.ministerium"), later["id"], "draft_agreement", {"targets": targets(*CORE_GOALS, TEILHABE)})
    quiet = do(api("traeger.kommune"), later["id"], "review_draft", {"response": "accept"})
    assert quiet["variables"]["bmas_land_notice"] is None
    assert sign_all(api, later["id"], {"land.ministerium": "Land", "traeger.kommune": "Zugelassener"})[
        "outcome"] == "concluded"


def test_bmas_ba_needs_three_goals_and_the_bmas_starts_it(api: Any) -> None:
    response = api("traeger.ba").post("/api/v1/process-instances", json={
        "process_key": "target_agreement", "variables": variables("bmas_ba")})
    assert response.status_code == 422
    assert "§ 48b Abs. 1 SGB II" in response.json["details"]["fields"]["pair"]
    started = start(api("bmas.referat"), "target_agreement", variables("bmas_ba"), business_key="ZV-2027-BA")
    # Nr. 1: the three goals of § 48b Abs. 3 Satz 1 suffice
    do(api("bmas.referat"), started["id"], "draft_agreement", {"targets": targets(*CORE_GOALS)})
    do(api("traeger.ba"), started["id"], "review_draft", {"response": "accept"})
    signed = sign_all(api, started["id"], {"bmas.referat": "Bundesministerium", "traeger.ba": "Bundesagentur"},
                      on="2026-11-27")  # on the day the budget law passed: allowed
    assert signed["outcome"] == "concluded"
    assert case(api("traeger.ba"), started["id"])["variables"]["pair"] == "bmas_ba"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"budget_law_passed_on": "2025-11-27"}, "budget_law_passed_on", "im Vorjahr oder im Jahr selbst"),
    ({"budget_law_passed_on": "2026-02-30"}, "budget_law_passed_on", "2026-02-30 gibt es nicht"),
    ({"year": 2010}, "year", "Mindestens 2011"),
])
def test_start_refusals(api: Any, overrides: dict[str, Any], field: str, message: str) -> None:
    response = api("bmas.referat").post("/api/v1/process-instances", json={
        "process_key": "target_agreement", "variables": {**variables("bmas_ba"), **overrides}})
    assert response.status_code == 422, response.json
    assert message in response.json["details"]["fields"][field]


def test_a_land_without_a_ministry_in_the_directory_stops_clearly(api: Any) -> None:
    # Bavaria has neither a KA office nor a ministry in the demo world: the case stops, naming what is missing
    started = start(api("bmas.referat"), "target_agreement", variables("bmas_land", partner_land="BY"),
                    business_key="ZV-2027-BY")
    assert started["status"] == "error"
    shown = case(api("bmas.referat"), started["id"])
    assert shown["error"]["element_id"] == "prepare_agreement"
    assert shown["error"]["message"].startswith(
        "ValueError: Für diese Zielvereinbarung fehlt eine Seite: niemand hat die Rolle ka_office im Land BY.")


def test_traeger_gf_reaches_the_jobcenters_own_traeger_not_every_kreis_of_the_land(api: Any, colleague: Any) -> None:
    other = colleague("traeger.anderswo", "traeger_kommune", "kreis-anderswo", organisation=("Kreis Anderswo", "kreis", "NW"))
    started = start(api("traeger.ba"), "target_agreement", variables("traeger_gf"), business_key="ZV-2027-LINK")
    assert all("Kreis Anderswo" not in names for _group, names in involved(api("admin"), started["id"]))
    assert tasks_of(api(other), started["id"]) == []
    assert api(other).get(f"/api/v1/process-instances/{started['id']}").status_code == 404
    do(api("traeger.kommune"), started["id"], "draft_agreement", {"targets": targets(*CORE_GOALS, TEILHABE)})
