"""CommitteeService: the demo committees, parity and 3 + 3, chair terms (§ 188 BGB) and the rotation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework import Casework
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.governance.committees import BodyInfo, NewMember, elected_term_limit, rotation_period
from tests.factories import deploy_fixture


def body(casework: Casework, actor: Any, kind: str) -> BodyInfo:
    return next(b for b in casework.committees.list_bodies(actor=actor("admin")) if b.kind == kind)


def seat_id(info: BodyInfo, username: str) -> int:
    return next(m.id for m in info.members if m.username == username)


def test_demo_committees(casework: Casework, actor: Any) -> None:
    bodies = {b.kind: b for b in casework.committees.list_bodies(actor=actor("admin"))}
    assert set(bodies) == {"tv", "ka", "council"}
    tv, ka, council = bodies["tv"], bodies["ka"], bodies["council"]
    assert tv.organisation_name == "Jobcenter Musterkreis" and tv.chair == "tv.ba1" and tv.chair_side == "ba"
    assert [(m.username, m.side) for m in tv.members] == [
        ("tv.ba1", "ba"), ("tv.ba2", "ba"), ("tv.ba3", "ba"),
        ("tv.kom1", "kommune"), ("tv.kom2", "kommune"), ("tv.kom3", "kommune"),
    ]
    assert [m.username for m in tv.members if m.is_chair] == ["tv.ba1"]
    # elected at the start of the clock's year for the longest term the law allows
    assert (tv.chair_term_start, tv.chair_term_end) == (date(2026, 1, 1), date(2030, 12, 31))
    assert ka.organisation_name == "Land Nordrhein-Westfalen" and ka.chair == "ka.bmas1"
    assert sorted({m.side for m in ka.members}) == ["bmas", "land"] and len(ka.members) == 6
    assert council.statutory_members == 61 and council.members == () and council.chair is None


def test_only_admins_manage_committees(casework: Casework, actor: Any) -> None:
    tv = body(casework, actor, "tv")
    for username in ("tv.ba1", "tv.buero", "gf"):
        with pytest.raises(Forbidden):
            casework.committees.list_bodies(actor=actor(username))
        with pytest.raises(Forbidden):
            casework.committees.get_body(tv.id, actor=actor(username))
        with pytest.raises(Forbidden):
            casework.committees.remove_member(tv.id, seat_id(tv, "tv.ba2"), actor=actor(username))
    with pytest.raises(NotFound):
        casework.committees.get_body(999_999, actor=actor("admin"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"remove": ["tv.ba2"]}, "nach der Änderung wären es 2 : 3"),
        ({"add": [NewMember("traeger.kommune", "kommune")]}, "nach der Änderung wären es 3 : 4"),
        ({"remove": ["tv.ba2", "tv.ba3"], "add": [NewMember("traeger.ba", "ba")]}, "wären es 2 : 3"),
        ({"add": [NewMember("land.ministerium", "land")]}, "Seite 'land' gibt es in diesem Gremium nicht"),
        ({"add": [NewMember("niemand", "ba")]}, "Unbekannter Benutzer 'niemand'"),
        ({"remove": ["tv.ba1", "tv.kom1"]}, "Vorsitzende muss während der ganzen Amtszeit Mitglied sein"),
        ({"add": [NewMember("tv.ba2", "ba"), NewMember("traeger.kommune", "kommune")]}, "zwei Sitze zugleich"),
        ({"add": [NewMember("traeger.ba", "ba", date(2026, 12, 1), date(2026, 11, 30))]}, "endet vor ihrem Beginn"),
        ({}, "Keine Änderung"),
        # planned seats are checked on the day they begin or end, not only today
        ({"add": [NewMember("traeger.ba", "ba", date(2027, 1, 1))]}, r"ab dem 01\.01\.2027 wären es 4 : 3"),
        ({"add": [NewMember("traeger.ba", "ba", None, date(2026, 12, 31)),
                  NewMember("traeger.kommune", "kommune")]}, r"ab dem 01\.01\.2027 wären es 3 : 4"),
    ],
)
def test_tv_changes_that_break_the_rules_are_refused_and_change_nothing(
    casework: Casework, actor: Any, change: dict[str, Any], message: str
) -> None:
    before = body(casework, actor, "tv")
    remove = [seat_id(before, u) for u in change.get("remove", [])]
    with pytest.raises(ValidationFailed, match=message):
        casework.committees.change_members(before.id, add=change.get("add", []), remove=remove,
                                           actor=actor("admin"))
    assert body(casework, actor, "tv") == before


def test_a_seat_handed_over_and_a_pair_added_keep_parity(
    casework: Casework, actor: Any, restore_committees: None
) -> None:
    tv = body(casework, actor, "tv")
    after = casework.committees.change_members(
        tv.id, remove=[seat_id(tv, "tv.kom3")], add=[NewMember("traeger.kommune", "kommune")], actor=actor("admin")
    )
    assert "tv.kom3" not in [m.username for m in after.members]
    # the ended seat stays on record, ending yesterday
    (former,) = after.former
    assert (former.username, former.term_end) == ("tv.kom3", date(2026, 11, 24))
    bigger = casework.committees.change_members(
        tv.id, add=[NewMember("traeger.ba", "ba"), NewMember("personal.kommune", "kommune")], actor=actor("admin")
    )
    assert len(bigger.members) == 8


def test_ka_stays_three_plus_three(casework: Casework, actor: Any, restore_committees: None) -> None:
    ka = body(casework, actor, "ka")
    with pytest.raises(ValidationFailed, match="wären es 4 : 3"):
        casework.committees.add_member(ka.id, NewMember("land.ministerium", "land"), actor=actor("admin"))
    with pytest.raises(ValidationFailed, match="wären es 3 : 2"):
        casework.committees.remove_member(ka.id, seat_id(ka, "ka.bmas3"), actor=actor("admin"))
    replaced = casework.committees.change_members(
        ka.id, remove=[seat_id(ka, "ka.bmas3")], add=[NewMember("bmas.referat", "bmas")], actor=actor("admin")
    )
    assert "bmas.referat" in [m.username for m in replaced.members] and len(replaced.members) == 6


def test_a_seat_that_has_not_begun_is_deleted_not_ended(
    casework: Casework, actor: Any, restore_committees: None
) -> None:
    tv = body(casework, actor, "tv")
    later = date(2027, 1, 1)
    planned = casework.committees.change_members(
        tv.id, add=[NewMember("traeger.ba", "ba", later), NewMember("traeger.kommune", "kommune", later)],
        actor=actor("admin"),
    )
    assert len(planned.members) == 6 and len(planned.former) == 2
    future = [m.id for m in planned.former]
    cleaned = casework.committees.change_members(tv.id, remove=future, actor=actor("admin"))
    assert cleaned.former == () and len(cleaned.members) == 6


# --- chair and terms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 1), date(2031, 2, 28)),  # DOMAIN §4.5: § 187 Abs. 2 with § 188 Abs. 2
        (date(2026, 1, 1), date(2030, 12, 31)),
        (date(2024, 2, 29), date(2029, 2, 28)),  # 2029 has no 29 February: § 188 Abs. 3 gives the 28th
        (date(2025, 8, 31), date(2030, 8, 30)),
    ],
)
def test_elected_term_limit(start: date, end: date) -> None:
    assert elected_term_limit(start) == end


def test_set_chair_for_at_most_five_years(casework: Casework, actor: Any, restore_committees: None) -> None:
    tv = body(casework, actor, "tv")
    admin = actor("admin")
    with pytest.raises(ValidationFailed, match=r"höchstens fünf Jahre gewählt: spätestens bis 30\.11\.2031") as exc:
        casework.committees.set_chair(tv.id, "tv.kom2", term_start=date(2026, 12, 1),
                                      term_end=date(2031, 12, 1), actor=admin)
    assert "term_end" in exc.value.fields
    with pytest.raises(ValidationFailed, match="kein Mitglied"):
        casework.committees.set_chair(tv.id, "gf", actor=admin)
    with pytest.raises(ValidationFailed, match="endet vor ihrem Beginn"):
        casework.committees.set_chair(tv.id, "tv.kom2", term_start=date(2026, 12, 1),
                                      term_end=date(2026, 11, 1), actor=admin)
    assert body(casework, actor, "tv") == tv
    elected = casework.committees.set_chair(tv.id, "tv.kom2", term_start=date(2026, 11, 25), actor=admin)
    assert (elected.chair, elected.chair_side, elected.chair_term_end) == ("tv.kom2", "kommune", date(2031, 11, 24))


# --- the rotation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "side", "period"),
    [
        (date(2026, 1, 1), "ba", (date(2026, 1, 1), date(2027, 12, 31))),
        (date(2027, 12, 31), "ba", (date(2026, 1, 1), date(2027, 12, 31))),
        (date(2028, 1, 1), "kommune", (date(2028, 1, 1), date(2029, 12, 31))),
        (date(2029, 12, 31), "kommune", (date(2028, 1, 1), date(2029, 12, 31))),
        (date(2030, 1, 1), "ba", (date(2030, 1, 1), date(2031, 12, 31))),
        (date(2033, 6, 15), "kommune", (date(2032, 1, 1), date(2033, 12, 31))),
        (date(2046, 1, 1), "ba", (date(2046, 1, 1), date(2047, 12, 31))),
    ],
)
def test_rotation_ba_first_then_kommune_every_two_years(on: date, side: str, period: tuple[date, date]) -> None:
    assert rotation_period(date(2026, 1, 1), on) == (side, *period)


def test_rotation_from_a_day_some_months_lack() -> None:
    start = date(2024, 8, 31)
    assert rotation_period(start, date(2026, 8, 30)) == ("ba", start, date(2026, 8, 30))
    assert rotation_period(start, date(2026, 8, 31)) == ("kommune", date(2026, 8, 31), date(2028, 8, 30))
    leap = date(2024, 2, 29)
    assert rotation_period(leap, date(2026, 2, 28)) == ("ba", leap, date(2026, 2, 28))
    # each turn lasts two years from its own first day
    assert rotation_period(leap, date(2026, 3, 1)) == ("kommune", date(2026, 3, 1), date(2028, 2, 29))
    assert rotation_period(leap, date(2028, 3, 1)) == ("ba", date(2028, 3, 1), date(2030, 2, 28))
    with pytest.raises(ValueError, match="begins on 2024-02-29"):
        rotation_period(leap, date(2024, 2, 28))


def test_rotation_chair_in_a_running_case(casework: Casework, actor: Any, restore_committees: None) -> None:
    tv = body(casework, actor, "tv")
    admin = actor("admin")
    rotating = casework.committees.set_rotation(tv.id, date(2025, 1, 1), actor=admin)
    assert rotating.chair_rule == "rotation" and rotating.chair is None and rotating.chair_side == "ba"
    # the KA rotates too, the BMAS first (§ 18b); a council never does
    ka = casework.committees.set_rotation(body(casework, actor, "ka").id, date(2025, 1, 1), actor=admin)
    assert (ka.chair_rule, ka.chair_side) == ("rotation", "bmas")
    with pytest.raises(ValidationFailed, match="turnusmäßig"):
        casework.committees.set_rotation(body(casework, actor, "council").id, date(2025, 1, 1), actor=admin)
    casework.committees.set_chair(tv.id, "tv.ba2", actor=admin)
    casework.committees.set_chair(tv.id, "tv.ba3", actor=admin)  # the BA names someone else
    named = casework.committees.set_chair(tv.id, "tv.kom1", actor=admin)
    assert named.chair == "tv.ba3"
    assert sorted(m.username for m in named.members if m.is_chair) == ["tv.ba3", "tv.kom1"]
    deploy_fixture(casework, "gov_probe.bpmn", SCRIPT="\n".join([
        'now = chair("tv")', "now_side = tv_chair_side()",
        'then = chair("tv", "2027-01-01")', 'then_side = tv_chair_side("2027-01-01")',
        'back = tv_chair_side("2029-01-01")',
    ]))
    case = casework.runtime.start("gov_probe", actor=admin)
    assert case.status == "completed", case.error_message
    v = case.variables
    assert (v["now"], v["now_side"], v["then"], v["then_side"], v["back"]) == (
        "tv.ba3", "ba", "tv.kom1", "kommune", "ba")
    back = casework.committees.set_rotation(tv.id, None, actor=admin)
    assert back.chair_rule == "elected" and back.chair is None


def test_chair_helper_when_nobody_chairs(casework: Casework, actor: Any, restore_committees: None) -> None:
    tv = body(casework, actor, "tv")
    casework.committees.set_rotation(tv.id, date(2025, 1, 1), actor=actor("admin"))
    deploy_fixture(casework, "gov_probe.bpmn", SCRIPT='x = chair("tv")')
    case = casework.runtime.start("gov_probe", actor=actor("admin"))
    assert case.status == "error" and "the ba side has named nobody to chair" in (case.error_message or "")


def test_members_on_a_date_when_a_term_ended(casework: Casework, actor: Any, restore_committees: None) -> None:
    tv = body(casework, actor, "tv")
    casework.committees.change_members(
        tv.id, remove=[seat_id(tv, "tv.ba3")], add=[NewMember("traeger.ba", "ba")], actor=actor("admin")
    )
    deploy_fixture(casework, "gov_probe.bpmn", SCRIPT='\n'.join([
        'yesterday = members("tv", "2026-11-24")', 'today_ = members("tv")',
    ]))
    case = casework.runtime.start("gov_probe", actor=actor("admin"))
    assert "tv.ba3" in case.variables["yesterday"] and "traeger.ba" not in case.variables["yesterday"]
    assert "tv.ba3" not in case.variables["today_"] and "traeger.ba" in case.variables["today_"]


def test_create_body_validates_as_a_whole(casework: Casework, actor: Any, restore_committees: None) -> None:
    from models import Organisation, db

    org = db.session.query(Organisation).filter_by(slug="ihk-musterstadt").one().id
    with pytest.raises(ValidationFailed, match="Unbekannte Gremienart"):
        casework.committees.create_body("senate", org, "Senat")
    with pytest.raises(ValidationFailed, match="wären es 1 : 0"):
        casework.committees.create_body("tv", org, "TV", members=[NewMember("ihk", "ba")])
    assert casework.committees.find_body("tv", org) is None
    beirat = casework.committees.create_body("beirat", org, "Beirat", members=[NewMember("ihk", "kommune")])
    assert [m.username for m in beirat.members] == ["ihk"]
    with pytest.raises(ValidationFailed, match="schon ein solches Gremium"):
        casework.committees.create_body("beirat", org, "Beirat 2")


def test_seeding_the_demo_committees_again_changes_nothing(casework: Casework, actor: Any) -> None:
    from casework.governance.committees import seed_demo_committees
    from models import Organisation, db

    before = casework.committees.list_bodies(actor=actor("admin"))
    orgs = {o.slug: o.id for o in db.session.query(Organisation).all()}
    seed_demo_committees(casework.committees, orgs)
    assert casework.committees.list_bodies(actor=actor("admin")) == before
