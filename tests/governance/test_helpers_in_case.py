"""The committee helpers inside running cases: members, chair, sides, and a TV vote end to end."""

from __future__ import annotations

from typing import Any

import pytest

from casework import Casework
from casework.context import running_case
from casework.errors import Conflict, NotFound
from casework.governance.committees import NewMember
from casework.governance.helpers import build_governance_helpers
from tests.factories import deploy_fixture

TV = ["tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2", "tv.kom3"]
KA = ["ka.bmas1", "ka.bmas2", "ka.bmas3", "ka.land1", "ka.land2", "ka.land3"]


def probe(casework: Casework, actor: Any, script: str, starter: str = "admin", **start: Any) -> Any:
    deploy_fixture(casework, "gov_probe.bpmn", SCRIPT=script)
    return casework.runtime.start("gov_probe", actor=actor(starter), **start)


def test_members_chair_and_sides_of_a_jobcenter_case(casework: Casework, actor: Any) -> None:
    case = probe(casework, actor, "\n".join([
        'tv_members = members("tv")',
        'ka_members = members("ka")',
        'tv_chair = chair("tv")',
        'ka_chair = chair("ka")',
        'side_kom2 = body_side("tv", "tv.kom2")',
        'side_land1 = body_side("ka", "ka.land1")',
        "chair_side = tv_chair_side()",
        'result = council_tally(61, 41, 20, 0, "council_two_thirds")',
    ]))
    assert case.status == "completed", case.error_message
    v = case.variables
    assert v["tv_members"] == TV and v["ka_members"] == KA
    assert (v["tv_chair"], v["ka_chair"]) == ("tv.ba1", "ka.bmas1")
    assert (v["side_kom2"], v["side_land1"], v["chair_side"]) == ("kommune", "land", "ba")
    assert v["result"]["adopted"] is True and v["result"]["required"] == 41


def test_a_kreis_case_finds_the_jobcenters_tv_and_its_own_council(casework: Casework, actor: Any) -> None:
    # option.team belongs to the Kreis: the TV is found among the case's parties
    case = probe(casework, actor, 'tv_members = members("tv")\nnobody = members("council")',
                 starter="option.team")
    assert case.status == "completed", case.error_message
    assert case.variables["tv_members"] == TV
    assert case.variables["nobody"] == []  # the council's results are recorded by its office


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ('x = members("beirat")', "the case's organisations have no Beirat"),
        ('x = members("bundestag")', "unknown body 'bundestag'"),
        ('x = body_side("tv", "gf")', "'gf' is not a member of the Trägerversammlung"),
        ('x = members("tv", "2025-02-30")', "the date 2025-02-30 does not exist"),
        ('x = tally(["yes", "perhaps"], "tv")', "invalid vote 'perhaps'"),
    ],
)
def test_helper_errors_stop_the_case_with_a_clear_message(
    casework: Casework, actor: Any, script: str, message: str
) -> None:
    case = probe(casework, actor, script)
    assert case.status == "error"
    assert message in (case.error_message or "")


def test_a_case_of_an_organisation_without_a_tv(casework: Casework, actor: Any) -> None:
    case = probe(casework, actor, 'x = members("tv")', starter="ihk")
    assert case.status == "error" and "no Trägerversammlung" in (case.error_message or "")


def test_members_before_the_demo_terms_began(casework: Casework, actor: Any) -> None:
    case = probe(casework, actor, 'before = members("tv", "2020-01-01")')
    assert case.status == "completed" and case.variables["before"] == []


def test_helpers_outside_a_case_say_so(casework: Casework) -> None:
    members = build_governance_helpers(casework.clock)["members"]
    with pytest.raises(ValueError, match="only work while a case runs"):
        members("tv")
    with running_case(), pytest.raises(ValueError, match="only work while a case runs"):
        members("tv")


@pytest.mark.parametrize(
    ("choices", "rule", "outcome", "casting"),
    [
        (["yes", "yes", "yes", "no", "no", "no"], "tv", "adopted", True),  # 3 : 3, chair tv.ba1 yes
        (["yes", "yes", "yes", "no", "no", "no"], "tv_no_casting_vote", "rejected", False),  # Stellenplan
        (["no", "yes", "yes", "yes", "no", "no"], "tv", "rejected", True),  # chair no
        (["abstain", "yes", "yes", "no", "no", "abstain"], "tv", "rejected", False),
        (["no", "no", "yes", "yes", "yes", "yes"], "tv", "adopted", False),
    ],
)
def test_tv_vote_one_task_per_member_seen_and_done_by_that_member_only(
    casework: Casework, actor: Any, choices: list[str], rule: str, outcome: str, casting: bool
) -> None:
    deploy_fixture(casework, "gov_tv_vote.bpmn", RULE=rule)
    case = casework.runtime.start("gov_tv_vote", actor=actor("tv.buero"))
    assert case.status == "running", case.error_message
    assert sorted(t.assignee for t in case.open_tasks) == TV
    assert all(t.name == "tv_vote" and t.candidate_groups == () for t in case.open_tasks)
    by_member = {t.assignee: t for t in case.open_tasks}
    for member in TV:
        mine = casework.tasks.list(actor=actor(member), process_instance_id=case.id).items
        assert [t.id for t in mine] == [by_member[member].id]
        assert casework.runtime.get(case.id, actor=actor(member)).id == case.id
    # another member, the office or a stranger can neither see nor complete someone else's ballot
    for outsider in ("tv.ba2", "tv.buero", "ka.land1"):
        with pytest.raises((NotFound, Conflict)):
            casework.tasks.complete(by_member["tv.ba1"].id, actor=actor(outsider), data={"vote": "no"})
    with pytest.raises(NotFound):
        casework.tasks.get(by_member["tv.ba1"].id, actor=actor("tv.kom1"))
    # members vote in an order other than the input order: the result must not depend on it
    for member, choice in reversed(list(zip(TV, choices, strict=True))):
        case = casework.tasks.complete(by_member[member].id, actor=actor(member), data={"vote": choice})
    assert case.status == "completed", case.error_message
    resolution = case.variables["resolution"]
    assert case.outcome == outcome and resolution["casting_vote"] is casting
    assert resolution["voters"] == 6 and resolution["chair"] == "tv.ba1"
    assert sum(resolution["counts"].values()) == 6
    assert case.variables["votes"] == dict(zip(TV, choices, strict=True))


def test_a_member_whose_term_ended_gets_no_ballot(casework: Casework, actor: Any, restore_committees: None) -> None:
    tv = next(b for b in casework.committees.list_bodies(actor=actor("admin")) if b.kind == "tv")
    seat = next(m for m in tv.members if m.username == "tv.kom3")
    casework.committees.change_members(
        tv.id, remove=[seat.id], add=[NewMember("traeger.kommune", "kommune")], actor=actor("admin")
    )
    deploy_fixture(casework, "gov_tv_vote.bpmn", RULE="tv")
    case = casework.runtime.start("gov_tv_vote", actor=actor("tv.buero"))
    assert sorted(t.assignee for t in case.open_tasks) == sorted([*TV[:5], "traeger.kommune"])
    newcomer = casework.tasks.list(actor=actor("traeger.kommune"), process_instance_id=case.id).items
    assert [t.name for t in newcomer] == ["tv_vote"]
    assert casework.tasks.list(actor=actor("tv.kom3"), process_instance_id=case.id).total == 0


@pytest.mark.parametrize(
    ("choices", "competent", "casting"),
    [
        # ka.bmas1..3, ka.land1..3 in that order; ka.bmas1 chairs
        (["a", "a", "a", "b", "b", "b"], "a", True),
        (["b", "a", "a", "a", "b", "b"], "b", True),
        (["abstain", "a", "b", "abstain", "abstain", "abstain"], None, False),
        (["b", "b", "a", "a", "a", "a"], "a", False),
    ],
)
def test_ka_vote_in_a_jobcenter_case(
    casework: Casework, actor: Any, choices: list[str], competent: str | None, casting: bool
) -> None:
    deploy_fixture(casework, "gov_ka_vote.bpmn")
    case = casework.runtime.start("gov_ka_vote", actor=actor("gf"))  # the Jobcenter in NW: KA NRW
    assert sorted(t.assignee for t in case.open_tasks) == KA
    tasks = {t.assignee: t for t in case.open_tasks}
    for member, choice in zip(KA, choices, strict=True):
        case = casework.tasks.complete(tasks[member].id, actor=actor(member), data={"vote": choice})
    assert case.status == "completed", case.error_message
    assert case.variables["competent"] == competent
    assert case.variables["resolution"]["casting_vote"] is casting
    assert case.outcome == ("decided" if competent else "undecided")
