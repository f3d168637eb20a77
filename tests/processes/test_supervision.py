"""supervision (§ 47 Abs. 3 SGB II; DOMAIN.md §4.8) end to end over the JSON API as the demo users.

Every path once: the Land's Einvernehmen; no Einvernehmen and the BMAS following the KA's
recommendation (to act, and not to act); the BMAS deviating with a wichtiger Grund (both ways) and
refused without one. The refusals cite their paragraph; the case completes at the decision and the KA
is informed of every measure issued (a mail through the outbox, a history entry, and its office may
read the case and its record afterwards); only the BMAS, the Land and the KA see the case.
"""

from __future__ import annotations

from typing import Any

from tests.mail.conftest import SmtpServer, body, smtp  # noqa: F401 - the fixture, used by name
from tests.processes.conftest import ProcessDriver
from tests.processes.flows_d1 import BAVARIA, history
from tests.processes.test_decision_records import record_of

TODAY = "2026-11-25"  # the test clock's day


def start_vars(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "jobcenter": "Jobcenter Musterkreis",
        "jobcenter_land": "NW",
        "matter": "Kosten der Unterkunft: Angemessenheitsgrenzen",
        "measure": "Beanstandung der Bewilligungspraxis; Aufforderung, sie bis zum 31.03.2027 zu ändern.",
        "legal_basis": "§ 22 Abs. 1 SGB II; § 47 Abs. 3 Satz 1 SGB II",
        "kind": "rechtsaufsicht",
    }
    data.update(overrides)
    return data


def start(cases: ProcessDriver, business_key: str = "RA-2026-7", **overrides: Any) -> dict[str, Any]:
    return cases.start("bmas.referat", "supervision", start_vars(**overrides), business_key=business_key)


def refuse_consent(cases: ProcessDriver, case: dict[str, Any]) -> dict[str, Any]:
    return cases.complete_as("land.ministerium", case["id"], "land_consent",
                             {"consent": False, "land_statement": "Die Praxis ist rechtmäßig."})


def recommend(cases: ProcessDriver, case: dict[str, Any], measure: bool) -> dict[str, Any]:
    text = "Die Maßnahme ergreifen." if measure else "Von der Maßnahme absehen."
    return cases.complete_as("ka.buero", case["id"], "ka_recommendation",
                             {"recommend_measure": measure, "recommendation": text})


def notifications(cases: ProcessDriver, case_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in history(cases.client("admin"), case_id) if e["action"] == "notification"]


def assert_ka_informed(cases: ProcessDriver, case: dict[str, Any]) -> dict[str, Any]:
    """The case is completed at the decision; the KA's office got the mail (history) and may read
    the case and its decision record from now on -- no acknowledgement task."""
    assert (case["status"], case["outcome"]) == ("completed", "measure_issued")
    assert case["open_tasks"] == []
    (mail,) = [n for n in notifications(cases, case["id"]) if "Unterrichtung" in n["subject"]]
    assert mail["groups"] == ["ka_office"]
    assert "§ 47 Abs. 3 Satz 4 SGB II" in mail["subject"] and "Jobcenter Musterkreis" in mail["text"]
    assert case["variables"]["ka_informed_on"] == TODAY
    readers = [(e["data"]["group"], e["data"]["organisations"])
               for e in history(cases.client("admin"), case["id"]) if e["action"] == "readers_added"]
    assert ("ka_office", ["Land Nordrhein-Westfalen"]) in readers
    for reader in ("ka.buero", "bmas.referat"):
        assert cases.client(reader).get(f"/api/v1/process-instances/{case['id']}").status_code == 200, reader
        assert cases.client(reader).get(f"/cases/{case['id']}").status_code == 200, reader
    # the KA's members hear of it from their office; the Jobcenter, its Träger and committees not at all
    for outsider in ("ka.land1", "gf", "traeger.ba", "tv.buero", "mitarbeiterin", "gemeinde.musterdorf"):
        assert cases.client(outsider).get(f"/api/v1/process-instances/{case['id']}").status_code == 404, outsider
    return case


def test_the_land_consents_and_the_ka_is_informed(cases: ProcessDriver) -> None:
    case = start(cases)
    assert [(t["name"], t["candidate_groups"]) for t in case["open_tasks"]] == [("land_consent", ["land_authority"])]
    task = cases.task("land.ministerium", case["id"], "land_consent")
    assert task["title"] == ("Einvernehmen zur Aufsichtsmaßnahme: Kosten der Unterkunft: "
                             "Angemessenheitsgrenzen (Jobcenter Musterkreis)")
    after = cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": True})
    assert after["outcome"] == "measure_issued" and after["variables"]["path"] == "consent"
    final = assert_ka_informed(cases, after)
    result = final["variables"]
    assert result["decided_on"] == TODAY
    assert result["decision_text"].startswith("Das BMAS hat am 25.11.2026 gegenüber Jobcenter Musterkreis")
    assert "Einvernehmen erteilt (§ 47 Abs. 3 Satz 1 SGB II)" in result["decision_text"]
    # the Land consented: no second mail to it, no KA recommendation asked
    assert len(notifications(cases, case["id"])) == 1
    assert "recommend_measure" not in result


def test_no_consent_the_ka_recommends_and_the_bmas_follows(cases: ProcessDriver) -> None:
    case = start(cases)
    after = refuse_consent(cases, case)
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [("ka_recommendation", ["ka_office"])]
    after = recommend(cases, case, True)
    assert [(t["name"], t["candidate_groups"]) for t in after["open_tasks"]] == [("bmas_decision", ["bmas"])]
    assert after["variables"]["recommended_on"] == TODAY  # the form's default
    after = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {"issue_measure": True})
    assert after["variables"]["path"] == "recommendation_followed"
    assert after["variables"]["wichtiger_grund"] is None
    final = assert_ka_informed(cases, after)
    assert "folgt der Empfehlung des Kooperationsausschusses (§ 47 Abs. 3 Satz 2 SGB II)" in final["variables"]["decision_text"]
    # the Land, which withheld its Einvernehmen, hears of the measure too
    (to_land,) = [n for n in notifications(cases, case["id"]) if n["groups"] == ["land_authority"]]
    assert to_land["text"] == final["variables"]["decision_text"]


def test_the_bmas_deviates_only_with_a_wichtiger_grund(cases: ProcessDriver) -> None:
    case = start(cases)
    refuse_consent(cases, case)
    recommend(cases, case, False)
    refused = cases.submit("bmas.referat", case["id"], "bmas_decision", {"issue_measure": True})
    assert refused.status_code == 422
    fields = refused.json["details"]["fields"]
    assert "§ 47 Abs. 3 Satz 3 SGB II" in fields["issue_measure"] and "wichtigem Grund" in fields["issue_measure"]
    assert fields["wichtiger_grund"] == "Pflichtfeld."
    blank = cases.submit("bmas.referat", case["id"], "bmas_decision", {"issue_measure": True, "wichtiger_grund": "   "})
    assert blank.status_code == 422 and "§ 47 Abs. 3 Satz 3" in blank.json["details"]["fields"]["issue_measure"]

    after = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {
        "issue_measure": True, "wichtiger_grund": "Die Praxis verletzt das Existenzminimum der Leistungsberechtigten."})
    assert after["variables"]["path"] == "deviation"
    final = assert_ka_informed(cases, after)
    text = final["variables"]["decision_text"]
    assert "weicht aus wichtigem Grund von der Empfehlung des Kooperationsausschusses ab (§ 47 Abs. 3 Satz 3 SGB II)" in text
    assert text.endswith("Die Praxis verletzt das Existenzminimum der Leistungsberechtigten.")


def test_the_ka_advises_against_and_the_bmas_follows(cases: ProcessDriver) -> None:
    case = start(cases)
    refuse_consent(cases, case)
    recommend(cases, case, False)
    # a wichtiger Grund belongs to a deviation only
    refused = cases.submit("bmas.referat", case["id"], "bmas_decision",
                           {"issue_measure": False, "wichtiger_grund": "Zur Sicherheit"})
    assert refused.status_code == 422
    assert "§ 47 Abs. 3 Satz 3 SGB II" in refused.json["details"]["fields"]["wichtiger_grund"]

    final = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {"issue_measure": False})
    assert (final["status"], final["outcome"]) == ("completed", "measure_dropped")
    assert final["open_tasks"] == []
    assert final["variables"]["path"] == "recommendation_followed"
    assert "keine Aufsichtsmaßnahme zu ergreifen" in final["variables"]["decision_text"]
    (mail,) = notifications(cases, case["id"])
    assert mail["groups"] == ["land_authority", "ka_office"]
    # those told by mail may open the case behind the mail's link, the rest of the world may not
    readers = [e["data"]["group"] for e in history(cases.client("admin"), case["id"]) if e["action"] == "readers_added"]
    assert readers == ["land_authority", "ka_office"]
    for user, status in (("ka.buero", 200), ("land.ministerium", 200), ("gf", 404), ("tv.buero", 404)):
        assert cases.client(user).get(f"/api/v1/process-instances/{case['id']}").status_code == status, user


def test_the_bmas_deviates_from_a_recommendation_to_act(cases: ProcessDriver) -> None:
    case = start(cases)
    refuse_consent(cases, case)
    recommend(cases, case, True)
    refused = cases.submit("bmas.referat", case["id"], "bmas_decision", {"issue_measure": False})
    assert refused.status_code == 422 and "§ 47 Abs. 3 Satz 3" in refused.json["details"]["fields"]["issue_measure"]
    final = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {
        "issue_measure": False, "wichtiger_grund": "Die Gemeinsame Einrichtung hat die Praxis bereits geändert."})
    assert (final["outcome"], final["variables"]["path"]) == ("measure_dropped", "deviation")
    assert final["variables"]["decision_text"].endswith("Die Gemeinsame Einrichtung hat die Praxis bereits geändert.")


def test_fachaufsicht_is_refused_at_start_citing_the_law(cases: ProcessDriver) -> None:
    response = cases.client("bmas.referat").post("/api/v1/process-instances", json={
        "process_key": "supervision", "variables": start_vars(kind="fachaufsicht")})
    assert response.status_code == 422
    message = response.json["details"]["fields"]["kind"]
    assert "§ 47 Abs. 3 Satz 1 SGB II" in message and "Fachaufsicht" in message and "Zweckmäßigkeit" in message
    # every start field is required
    empty = cases.client("bmas.referat").post("/api/v1/process-instances", json={
        "process_key": "supervision", "variables": {"kind": "rechtsaufsicht"}})
    assert empty.status_code == 422
    # the demo directory has one gE: its name and Land need not be given (DOMAIN § 4.8 names neither)
    assert set(empty.json["details"]["fields"]) == {"matter", "measure", "legal_basis"}


def test_only_the_bmas_starts_a_supervision(cases: ProcessDriver) -> None:
    for user in ("land.ministerium", "ka.buero", "gf"):
        response = cases.client(user).post("/api/v1/process-instances", json={
            "process_key": "supervision", "variables": start_vars()})
        assert response.status_code == 403, (user, response.json)


def test_the_land_may_withhold_consent_without_a_statement(cases: ProcessDriver) -> None:
    # DOMAIN § 4.8 gives land_consent the one field ``consent``: the statement is optional
    case = start(cases)
    after = cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": False})
    assert [t["name"] for t in after["open_tasks"]] == ["ka_recommendation"]
    assert after["variables"]["land_statement"] is None


def test_need_to_know_bmas_land_and_ka_only(cases: ProcessDriver) -> None:
    case = start(cases)
    path = f"/api/v1/process-instances/{case['id']}"
    # the Jobcenter, its Träger and committees, and other Länder's people see nothing of it
    for outsider in ("gf", "traeger.ba", "traeger.kommune", "tv.buero", "tv.ba1", "mitarbeiterin", "ka.buero"):
        assert cases.client(outsider).get(path).status_code == 404, outsider
    assert cases.client("land.ministerium").get(path).status_code == 200
    refuse_consent(cases, case)
    assert cases.client("ka.buero").get(path).status_code == 200
    recommend(cases, case, True)
    after = cases.complete_as("bmas.referat", case["id"], "bmas_decision", {"issue_measure": True})
    for insider in ("bmas.referat", "land.ministerium", "ka.buero"):
        assert cases.client(insider).get(path).status_code == 200, insider
    for outsider in ("gf", "traeger.ba", "tv.buero", "mitarbeiterin", "gemeinde.musterdorf"):
        assert cases.client(outsider).get(path).status_code == 404, outsider
    assert (after["status"], after["outcome"]) == ("completed", "measure_issued")  # at the decision
    # the parties brought in are the Land's ministry and its KA office (one organisation in the demo)
    added = [(e["data"]["group"], e["data"]["organisations"])
             for e in history(cases.client("admin"), case["id"]) if e["action"] == "parties_added"]
    assert added == [("land_authority", ["Land Nordrhein-Westfalen"])]


def test_the_ka_office_gets_the_mail_through_the_outbox(app: Any, cases: ProcessDriver, smtp: SmtpServer) -> None:  # noqa: F811
    case = start(cases)
    cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": True})
    with app.app_context():
        app.extensions["casework"].outbox.deliver_due()
    (message,) = smtp.to("ka.buero@musterkreis.example")
    assert message["Subject"] == "Unterrichtung über eine Aufsichtsmaßnahme (§ 47 Abs. 3 Satz 4 SGB II): Jobcenter Musterkreis"
    text = body(message, "plain")
    assert "Beanstandung der Bewilligungspraxis" in text and "Der Kooperationsausschuss wird hiermit unterrichtet" in text
    assert f"/cases/{case['id']}" in text
    # the case ended at the Land's consent; the link in the mail opens it for the KA's office
    assert cases.case("bmas.referat", case["id"])["status"] == "completed"
    assert cases.client("ka.buero").get(f"/cases/{case['id']}").status_code == 200


def test_decision_records_in_german(cases: ProcessDriver, browser: Any) -> None:
    issued = start(cases)
    cases.complete_as("land.ministerium", issued["id"], "land_consent", {"consent": True})
    running = record_of(browser, "bmas.referat", issued["id"])
    assert "Noch nicht entschieden" not in running  # decided at the Land's consent: nothing to acknowledge
    text = record_of(browser, "ka.buero", issued["id"])  # the KA's office reads the record it was told of
    assert "Rechtsaufsicht über Jobcenter Musterkreis (§ 47 Abs. 3 SGB II)" in text
    assert "Das BMAS hat die Aufsichtsmaßnahme am 25.11.2026 erlassen." in text
    assert "Die oberste Landesbehörde hat ihr Einvernehmen erteilt (§ 47 Abs. 3 Satz 1 SGB II)." in text
    assert ("unterrichtet worden (§ 47 Abs. 3 Satz 4 SGB II): seiner Geschäftsstelle wurde die Entscheidung "
            "am 25.11.2026 per E-Mail übersandt") in text
    assert "zur Kenntnis genommen" not in text
    assert "Art der Aufsicht Rechtsaufsicht (Rechtmäßigkeit)" in text
    assert "Aktenzeichen RA-2026-7" in text

    dropped = start(cases, "RA-2026-8")
    refuse_consent(cases, dropped)
    recommend(cases, dropped, True)
    cases.complete_as("bmas.referat", dropped["id"], "bmas_decision",
                      {"issue_measure": False, "wichtiger_grund": "Die Praxis ist inzwischen geändert."})
    text = record_of(browser, "land.ministerium", dropped["id"])
    assert "Das BMAS ergreift keine Aufsichtsmaßnahme (entschieden am 25.11.2026)." in text
    assert "(§ 47 Abs. 3 Satz 2 SGB II): die Maßnahme zu ergreifen." in text
    assert "Das BMAS weicht aus wichtigem Grund von der Empfehlung ab (§ 47 Abs. 3 Satz 3 SGB II): Die Praxis ist inzwischen geändert." in text
    assert "Stellungnahme des Landes Die Praxis ist rechtmäßig." in text
    assert "unterrichtet" not in text  # no measure, nothing to inform of

    english = browser("land.ministerium").get(f"/cases/{dropped['id']}", headers={"Accept-Language": "en"}).text
    assert "Legal supervision of Jobcenter Musterkreis (§ 47 (3) SGB II)" in english
    assert "The BMAS deviates from the recommendation for an important reason (§ 47 (3) sentence 3 SGB II)" in english
    assert "No supervisory measure" in english

    page = browser("ka.buero").get(f"/cases/{dropped['id']}").text
    assert "Keine Aufsichtsmaßnahme" in page and "Verfahrensweg" in page
    assert "Kein Einvernehmen: das BMAS weicht aus wichtigem Grund von der Empfehlung ab" in page
    assert "recommendation_followed" not in page and "jobcenter_land" not in page


def test_the_land_of_the_jobcenter_decides_who_is_asked(cases: ProcessDriver, colleague: Any) -> None:
    bavaria = colleague("land.bayern", "land_authority", *BAVARIA)
    ka_bavaria = colleague("ka.buero.by", "ka_office", "land-by")
    nrw = start(cases)
    # Bavaria's ministry and KA office are no party of an NRW case: no task, no sight of it
    for user in (bavaria, ka_bavaria):
        assert cases.tasks(user, nrw["id"]) == []
        assert cases.client(user).get(f"/api/v1/process-instances/{nrw['id']}").status_code == 404

    by_case = start(cases, "RA-2026-9", jobcenter="Jobcenter Musterstadt (Bayern)", jobcenter_land="BY")
    assert cases.tasks("land.ministerium", by_case["id"]) == []
    cases.complete_as(bavaria, by_case["id"], "land_consent", {"consent": False, "land_statement": "Nein."})
    assert cases.tasks("ka.buero", by_case["id"]) == []
    after = cases.complete_as(ka_bavaria, by_case["id"], "ka_recommendation",
                              {"recommend_measure": True, "recommendation": "Ergreifen."})
    assert [t["name"] for t in after["open_tasks"]] == ["bmas_decision"]


def test_a_land_without_its_authority_stops_the_case_with_a_clear_message(cases: ProcessDriver, colleague: Any) -> None:
    case = start(cases, jobcenter_land="HB")
    assert (case["status"], case["open_tasks"]) == ("error", [])
    assert case["error"]["element_id"] == "prepare_case"
    assert "Für das Land HB sind die oberste Landesbehörde" in case["error"]["message"]
    # once the directory has them, an admin runs the step again and the case goes on
    colleague("land.bremen", "land_authority", "land-hb", organisation=("Freie Hansestadt Bremen", "land", "HB"))
    colleague("ka.buero.hb", "ka_office", "land-hb")
    retried = cases.client("admin").post(f"/api/v1/process-instances/{case['id']}/retry", json={})
    assert retried.status_code == 200, retried.json
    assert [(t["name"], t["candidate_groups"]) for t in retried.json["open_tasks"]] == [("land_consent", ["land_authority"])]
    assert [t["name"] for t in cases.tasks("land.bremen", case["id"])] == ["land_consent"]


def test_the_search_finds_a_supervision_only_for_those_who_see_it(cases: ProcessDriver) -> None:
    case = start(cases, measure="Beanstandung der Mietobergrenzen-Richtlinie.")

    def found(user: str) -> list[str]:
        response = cases.client(user).get("/api/v1/process-instances", query_string={"q": "Mietobergrenzen"})
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json["items"]]

    assert found("bmas.referat") == [case["id"]]
    assert found("land.ministerium") == [case["id"]]  # offered the Einvernehmen
    assert found("gf") == [] and found("tv.buero") == [] and found("ka.buero") == []
    # decided at the Land's consent: the KA's office, informed, finds it in the search and in its case list
    cases.complete_as("land.ministerium", case["id"], "land_consent", {"consent": True})
    assert found("ka.buero") == [case["id"]]
    listed = cases.client("ka.buero").get("/api/v1/process-instances", query_string={"status": "completed"})
    assert listed.status_code == 200 and case["id"] in [c["id"] for c in listed.json["items"]]
    assert found("gf") == [] and found("ka.land1") == []
