"""tv_chair (§ 44c Abs. 1 Sätze 5–6, § 18b SGB II; DOMAIN.md §4.6) end to end over the JSON API.

Elected by the TV; a tie elects nobody and the rotation begins with the Agentur; the next period's
rotation goes to the Kommune because the committee's data say who appointed before; the KA's
rotation begins with the BMAS; the start form's refusals cite the law; the reminder three months
before the term ends fires under the test clock; and gf_appointment reads ``first_chair_by_ba``
from the committee's data when its start does not give it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests.processes.flows_d1 import (
    KA_MEMBERS,
    TV_MEMBERS,
    appointment_variables,
    case,
    do,
    history,
    open_names,
    start,
    tasks_of,
    vote,
)

pytestmark = pytest.mark.usefixtures("committees_restored")


def _body(app: Any, kind: str) -> Any:
    from models import Body, db

    with app.app_context():
        found = db.session.scalar(sa.select(Body).where(Body.kind == kind))
        assert found is not None
        info = app.extensions["casework"].committees.find_body(kind, found.organisation_id)
        db.session.remove()
        return info


def _chair_on(app: Any, kind: str, on: date) -> tuple[str | None, str | None]:
    from casework.governance.committees import chair_on
    from models import Body, db

    with app.app_context():
        found = db.session.scalar(sa.select(Body).where(Body.kind == kind))
        result = chair_on(db.session, found, on)
        db.session.remove()
        return result


def _chair_variables(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"committee": "tv", "start_date": "2026-01-01", "candidate_name": "tv.kom2",
                            "term_years": 5}
    data.update(overrides)
    return data


def _start(api: Any, key: str = "VS-2026-1", user: str = "tv.buero", **overrides: Any) -> dict[str, Any]:
    return start(api(user), "tv_chair", _chair_variables(**overrides), business_key=key)


def _ballots(members: tuple[str, ...], yes: int, no: int, abstain: int = 0) -> dict[str, str]:
    return dict(zip(members, ["yes"] * yes + ["no"] * no + ["abstain"] * abstain, strict=True))


def _rotation(api: Any, key: str, start_date: str, side_user: str, chair: str) -> dict[str, Any]:
    started = _start(api, key, start_date=start_date)
    after = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 3, 3))
    assert open_names(after) == ["chair_appointment"]
    return do(api(side_user), started["id"], "chair_appointment", {"chair_name": chair})


def test_elected_by_the_tv_writes_the_chair_into_the_committee(api: Any, app: Any) -> None:
    started = _start(api)
    ballots = [t for t in started["open_tasks"] if t["name"] == "tv_vote"]
    assert sorted(t["assignee"] for t in ballots) == sorted(TV_MEMBERS)
    assert ballots[0]["title"] == ("Wahl von TV-Mitglied Kommune 2 (tv.kom2) zum Vorsitz: "
                                   "Trägerversammlung Jobcenter Musterkreis")
    final = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 4, 2))
    result = final["variables"]
    assert final["outcome"] == "elected"
    # § 187 Abs. 2, § 188 Abs. 2 BGB: five years from 2026-01-01 end on 2030-12-31 (a period: no shift)
    assert (result["chair_name"], result["term_end"], result["chair_reminder_on"]) == (
        "tv.kom2", "2030-12-31", "2030-09-30")
    assert result["vote_result"]["counts"] == {"yes": 4, "no": 2, "abstain": 0}
    assert not {"voters", "chair_votes", "committee_info"} & set(result)
    tv = _body(app, "tv")
    assert (tv.chair, tv.chair_side, tv.chair_rule, tv.chair_term_end) == (
        "tv.kom2", "kommune", "elected", date(2030, 12, 31))
    (changed,) = [e for e in history(api("admin"), started["id"]) if e["action"] == "committee_changed"]
    assert (changed["data"]["chair"], changed["data"]["how"], changed["data"]["term_end"]) == (
        "TV-Mitglied Kommune 2 (tv.kom2)", "elected", "2030-12-31")


@pytest.mark.parametrize(("years", "term_end"), [(1, "2026-12-31"), (3, "2028-12-31")])
def test_a_shorter_term_may_be_chosen(api: Any, years: int, term_end: str) -> None:
    started = _start(api, term_years=years)
    final = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 6, 0))
    assert final["variables"]["term_end"] == term_end


def test_a_tie_elects_nobody_and_the_agentur_appoints_first(api: Any, app: Any) -> None:
    started = _start(api)
    after = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 3, 3))
    assert case(api("tv.buero"), started["id"])["variables"]["vote_result"]["tie"] is True
    (task,) = after["open_tasks"]
    assert (task["name"], task["candidate_groups"]) == ("chair_appointment", ["traeger_ba"])
    assert task["title"] == "Vorsitz im Wechsel bestimmen: Trägerversammlung Jobcenter Musterkreis"
    assert tasks_of(api("traeger.kommune"), started["id"]) == []
    ba = api("traeger.ba")
    values = ba.get(f"/api/v1/tasks/{task['id']}").json["values"]
    assert values["term_end"] == "2027-12-31"
    assert "TV-Mitglied BA 2 (tv.ba2)" in values["side_member_names"] and "tv.kom" not in values["side_member_names"]
    # the Agentur names one of its own representatives
    refused = ba.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"chair_name": "tv.kom1"}})
    assert refused.status_code == 422
    assert "§ 44c Abs. 1 Satz 6 SGB II" in refused.json["details"]["fields"]["chair_name"]
    final = do(ba, started["id"], "chair_appointment", {"chair_name": "tv.ba2"})
    result = final["variables"]
    assert final["outcome"] == "appointed_by_rotation"
    # DOMAIN §5: no agreement on 2026-01-01, the BA-appointed chair serves 2026-01-01 to 2027-12-31
    assert (result["appointing_side"], result["chair_name"], result["term_end"]) == ("ba", "tv.ba2", "2027-12-31")
    assert (result["next_appointing_side"], result["chair_reminder_on"]) == ("kommune", "2027-09-30")
    tv = _body(app, "tv")
    assert (tv.chair_rule, tv.rotation_start, tv.chair, tv.chair_side) == (
        "rotation", date(2026, 1, 1), "tv.ba2", "ba")
    assert _first_chair_by_ba(app) is True
    (changed,) = [e for e in history(api("admin"), started["id"]) if e["action"] == "committee_changed"]
    assert (changed["data"]["side"], changed["data"]["how"]) == ("ba", "rotation")


def _first_chair_by_ba(app: Any) -> bool:
    from models import Body, db

    with app.app_context():
        value = db.session.scalar(sa.select(Body.first_chair_by_ba).where(Body.kind == "tv"))
        db.session.remove()
        return bool(value)


def test_the_next_rotation_goes_to_the_kommune(api: Any, app: Any) -> None:
    _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    final = _rotation(api, "VS-2028-1", "2028-01-01", "traeger.kommune", "tv.kom3")
    result = final["variables"]
    assert (result["appointing_side"], result["term_end"], result["next_appointing_side"]) == (
        "kommune", "2029-12-31", "ba")
    assert _chair_on(app, "tv", date(2027, 12, 31)) == ("tv.ba2", "ba")
    assert _chair_on(app, "tv", date(2028, 1, 1)) == ("tv.kom3", "kommune")
    # the rotation began with the Agentur: still recorded for gf_appointment
    assert _first_chair_by_ba(app) is True


def test_a_chair_named_within_a_running_turn_serves_its_rest(api: Any) -> None:
    _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    final = _rotation(api, "VS-2026-2", "2026-12-01", "traeger.ba", "tv.ba3")
    assert (final["variables"]["appointing_side"], final["variables"]["term_end"]) == ("ba", "2027-12-31")


def test_after_an_elected_chair_the_rotation_resumes_with_the_other_side(api: Any, app: Any) -> None:
    _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    elected = _start(api, "VS-2028-1", start_date="2028-01-01", term_years=2)
    vote(api, elected["id"], "tv_vote", _ballots(TV_MEMBERS, 5, 1))
    final = _rotation(api, "VS-2030-1", "2030-01-01", "traeger.kommune", "tv.kom1")
    assert (final["variables"]["appointing_side"], final["variables"]["term_end"]) == ("kommune", "2031-12-31")
    assert _chair_on(app, "tv", date(2030, 6, 1)) == ("tv.kom1", "kommune")


def test_the_ka_chair_rotation_begins_with_the_bmas(api: Any, app: Any) -> None:
    started = _start(api, user="ka.buero", committee="ka", candidate_name="ka.land2")
    assert sorted(t["assignee"] for t in started["open_tasks"]) == sorted(KA_MEMBERS)
    after = vote(api, started["id"], "tv_vote", _ballots(KA_MEMBERS, 2, 2, 2))
    # the KA's office runs this ballot: it sees every vote, a member only their own
    assert case(api("ka.buero"), started["id"])["variables"]["vote_result"]["votes"] == _ballots(KA_MEMBERS, 2, 2, 2)
    assert case(api("ka.land1"), started["id"])["variables"]["vote_result"]["votes"] == {"ka.land1": "yes"}
    (task,) = after["open_tasks"]
    assert (task["name"], task["candidate_groups"]) == ("chair_appointment", ["bmas"])
    assert tasks_of(api("land.ministerium"), started["id"]) == []
    final = do(api("bmas.referat"), started["id"], "chair_appointment", {"chair_name": "ka.bmas2"})
    result = final["variables"]
    assert (final["outcome"], result["appointing_side"], result["term_end"], result["next_appointing_side"]) == (
        "appointed_by_rotation", "bmas", "2027-12-31", "land")
    ka = _body(app, "ka")
    assert (ka.chair_rule, ka.chair, ka.chair_side) == ("rotation", "ka.bmas2", "bmas")
    # the TV's data are untouched: first_chair_by_ba is a fact of the TV
    assert _first_chair_by_ba(app) is False
    # the next period: the oberste Landesbehörde
    second = _start(api, "VS-2028-KA", user="ka.buero", committee="ka", candidate_name="ka.land2",
                    start_date="2028-01-01")
    after = vote(api, second["id"], "tv_vote", _ballots(KA_MEMBERS, 0, 6))
    assert [t["candidate_groups"] for t in after["open_tasks"]] == [["land_authority"]]
    final = do(api("land.ministerium"), second["id"], "chair_appointment", {"chair_name": "ka.land3"})
    assert final["variables"]["appointing_side"] == "land"
    assert _chair_on(app, "ka", date(2028, 3, 1)) == ("ka.land3", "land")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"term_years": 6}, "term_years", "§ 44c Abs. 1 Satz 5 SGB II"),
        ({"term_years": 0}, "term_years", "Mindestens 1"),
        ({"start_date": "2026-02-30"}, "start_date", "2026-02-30 gibt es nicht"),
        ({"start_date": "2011-11-31"}, "start_date", "2011-11-31 gibt es nicht"),
        ({"candidate_name": "gf"}, "candidate_name", "§ 44c Abs. 1 Satz 5 SGB II"),
        ({"candidate_name": "ka.land1"}, "candidate_name", "Mitglied des Gremiums"),
        ({"candidate_name": "tv.ba2", "term_years": "fünf"}, "term_years", "Ganze Zahl erwartet"),
        ({"committee": "beirat"}, "committee", "Ungültige Auswahl"),
    ],
)
def test_start_form_refuses(api: Any, overrides: dict[str, Any], field: str, message: str) -> None:
    office = api("tv.buero")
    response = office.post("/api/v1/process-instances",
                           json={"process_key": "tv_chair", "variables": _chair_variables(**overrides)})
    assert response.status_code == 422, response.json
    fields = response.json["details"]["fields"]
    assert list(fields) == [field] and message in fields[field], fields
    assert office.get("/api/v1/process-instances?process_key=tv_chair").json["total"] == 0


def test_a_candidate_whose_seat_ends_within_the_term_is_refused(api: Any, app: Any) -> None:
    from models import BodyMember, User, db

    with app.app_context():
        # two seats end mid-2028, one on each side (parity holds)
        leaving = db.session.scalars(sa.select(User.id).where(User.username.in_(("tv.kom2", "tv.ba3")))).all()
        db.session.execute(sa.update(BodyMember).where(BodyMember.user_id.in_(leaving))
                           .values(term_end=date(2028, 6, 30)))
        db.session.commit()
        db.session.remove()
    office = api("tv.buero")
    refused = office.post("/api/v1/process-instances",
                          json={"process_key": "tv_chair", "variables": _chair_variables(term_years=5)})
    assert refused.status_code == 422
    assert "während der ganzen Amtszeit" in refused.json["details"]["fields"]["candidate_name"]
    # two years end on 2027-12-31, while the seat still runs
    started = _start(api, term_years=2)
    final = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 6, 0))
    assert (final["outcome"], final["variables"]["term_end"]) == ("elected", "2027-12-31")


def test_the_ka_office_does_not_start_the_tv_chair(api: Any) -> None:
    response = api("ka.buero").post("/api/v1/process-instances",
                                    json={"process_key": "tv_chair", "variables": _chair_variables()})
    assert response.status_code == 422
    assert "§ 44c Abs. 1 SGB II" in response.json["details"]["fields"]["committee"]


def test_the_reminder_fires_three_months_before_the_term_ends(api: Any, app: Any, clock: Any) -> None:
    from models import OutboxMail, User, db

    started = _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    assert started["status"] == "running"
    casework = app.extensions["casework"]
    with app.app_context():
        # 2027-09-30 08:00 German summer time (UTC+2)
        clock.set(datetime(2027, 9, 30, 5, 59, tzinfo=UTC))
        assert casework.management.fire_due().fired == 0
        clock.set(datetime(2027, 9, 30, 6, 0, tzinfo=UTC))
        assert casework.management.fire_due().fired == 1
        mails = db.session.execute(
            sa.select(User.username, OutboxMail.subject).join(User, User.id == OutboxMail.to_user_id)
            .where(OutboxMail.subject.like("Vorsitz:%"))).all()
        db.session.remove()
    assert [tuple(m) for m in mails] == [
        ("tv.buero", "Vorsitz: Trägerversammlung Jobcenter Musterkreis – Amtszeit endet am 31.12.2027")]
    final = case(api("tv.buero"), started["id"])
    assert (final["status"], final["outcome"]) == ("completed", "appointed_by_rotation")
    (fired,) = [e for e in history(api("admin"), started["id"]) if e["action"] == "timer_fired"]
    assert fired["task_name"] == "chair_term_reminder"
    (sent,) = [e for e in history(api("admin"), started["id"]) if e["action"] == "notification"]
    assert sent["data"]["groups"] == ["tv_office"]
    assert sent["data"]["text"].startswith("Die Amtszeit von TV-Mitglied BA 2 (tv.ba2) im Vorsitz endet am 31.12.2027.")
    assert "ohne Einigung bestimmt danach der kommunale Träger" in sent["data"]["text"]


def test_gf_appointment_reads_first_chair_by_ba_from_the_committee(api: Any) -> None:
    _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    office = api("tv.buero")
    variables = {k: v for k, v in appointment_variables().items() if k != "first_chair_by_ba"}
    started = start(office, "gf_appointment", variables, business_key="GF-1")
    assert started["variables"]["first_chair_by_ba"] is True
    vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 0, 6))
    after = do(api("ka.buero"), started["id"], "ka_proposal", {"proposal_made": False})
    # the Agentur named the first TV chair: the Kommune appoints the GF first (§ 44d Abs. 2)
    assert [t["candidate_groups"] for t in after["open_tasks"]] == [["traeger_kommune"]]
    # an explicit value at start still wins
    explicit = start(office, "gf_appointment", appointment_variables(first_chair_by_ba=False), business_key="GF-2")
    assert explicit["variables"]["first_chair_by_ba"] is False


def test_decision_record_and_case_facts_in_german(api: Any, browser: Any) -> None:
    from tests.processes.test_decision_records import record_of

    final = _rotation(api, "VS-2026-1", "2026-01-01", "traeger.ba", "tv.ba2")
    text = record_of(browser, "tv.buero", final["id"])
    assert "Vorsitz: Trägerversammlung Jobcenter Musterkreis" in text
    assert ("Es wurde niemand gewählt: die Vertreterinnen und Vertreter der Agentur für Arbeit bestimmen im "
            "Wechsel TV-Mitglied BA 2 (tv.ba2) für die Amtszeit bis 31.12.2027 zum Vorsitz") in text
    assert "Ohne Wahl bestimmen danach die Vertreterinnen und Vertreter des kommunalen Trägers" in text
    assert "Erinnerung an die Nachfolge am 30.09.2027" in text
    page = browser("tv.buero").get(f"/cases/{final['id']}").text
    for label in ("Gremium", "Im Wechsel bestimmt durch", "Agentur für Arbeit", "Ende der Amtszeit", "31.12.2027"):
        assert label in page
    # working data stays out of sight
    assert "side_members" not in page and "appointing_group" not in page


def test_elected_record(api: Any, browser: Any) -> None:
    started = _start(api)
    final = vote(api, started["id"], "tv_vote", _ballots(TV_MEMBERS, 4, 1, 1))
    text = record_of_case(browser, final["id"])
    assert ("Die Mitglieder wählen TV-Mitglied Kommune 2 (tv.kom2) für die Amtszeit vom 01.01.2026 bis "
            "31.12.2030 zum Vorsitz (§ 44c Abs. 1 Satz 5 SGB II).") in text
    assert "TV-Mitglied Kommune 2 (tv.kom2) 4 1 1 Ja" in text


def record_of_case(browser: Any, case_id: str) -> str:
    from tests.processes.test_decision_records import record_of

    return str(record_of(browser, "tv.buero", case_id))
