"""The tally rules of DOMAIN.md §3, checked exhaustively against an oracle written from the law's text."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from casework.governance.votes import council_tally, tally, two_thirds_of

MEMBERS = ("tv.ba1", "tv.ba2", "tv.ba3", "tv.kom1", "tv.kom2", "tv.kom3")
# the chair is one of the voters, someone who did not vote, or nobody named
CHAIRS = ("tv.ba1", "tv.kom3", "absent.chair", None)


def oracle(votes: dict[str, str], rule: str, chair: str | None) -> tuple[bool, Any, bool]:
    """(adopted, result, casting_vote) straight from the wording of § 44c / § 44e SGB II."""
    first, second = ("a", "b") if rule == "ka" else ("yes", "no")
    pro = len([v for v in votes.values() if v == first])
    contra = len([v for v in votes.values() if v == second])
    chair_vote = votes.get(chair) if chair is not None else None
    if pro > contra:
        return True, first, False
    if contra > pro:
        return rule == "ka", second, False
    # a tie: only the TV's ordinary matters and the KA know the chair's casting vote
    if rule in ("tv", "ka") and chair_vote == first:
        return True, first, True
    if rule in ("tv", "ka") and chair_vote == second:
        return rule == "ka", second, True
    return False, None if rule == "ka" else "no", False


@pytest.mark.parametrize("rule", ["tv", "tv_no_casting_vote", "simple_majority"])
@pytest.mark.parametrize("chair", CHAIRS)
def test_every_yes_no_abstain_combination_of_six_voters(rule: str, chair: str | None) -> None:
    seen_ties = 0
    for combination in itertools.product(("yes", "no", "abstain"), repeat=6):
        votes = dict(zip(MEMBERS, combination, strict=True))
        ballots = [{"voter": v, "vote": c} for v, c in votes.items()]
        got = tally(ballots, rule, chair)
        adopted, result, casting = oracle(votes, rule, chair)
        assert (got["adopted"], got["result"], got["casting_vote"]) == (adopted, result, casting), votes
        assert got["counts"] == {c: combination.count(c) for c in ("yes", "no", "abstain")}
        assert got["tie"] == (combination.count("yes") == combination.count("no"))
        assert got["voters"] == 6 and got["rule"] == rule and got["chair"] == chair
        seen_ties += got["tie"]
    # 141 of the 729 combinations are ties (0:0 … 3:3 with the rest abstaining)
    assert seen_ties == 141


@pytest.mark.parametrize("chair", CHAIRS)
def test_every_ka_combination_of_six_voters(chair: str | None) -> None:
    for combination in itertools.product(("a", "b", "abstain"), repeat=6):
        votes = dict(zip(MEMBERS, combination, strict=True))
        got = tally(votes, "ka", chair)
        adopted, result, casting = oracle(votes, "ka", chair)
        assert (got["adopted"], got["result"], got["casting_vote"]) == (adopted, result, casting), votes
        assert got["counts"] == {c: combination.count(c) for c in ("a", "b", "abstain")}


@pytest.mark.parametrize("size", range(0, 7))
@pytest.mark.parametrize("rule", ["tv", "tv_no_casting_vote", "simple_majority", "ka"])
def test_fewer_voters_than_members_some_absent(size: int, rule: str) -> None:
    """Absent members cast no ballot: every subset size, every choice pattern, chair in or out."""
    choices = ("a", "b", "abstain") if rule == "ka" else ("yes", "no", "abstain")
    for combination in itertools.product(choices, repeat=size):
        votes = dict(zip(MEMBERS[:size], combination, strict=True))
        for chair in ("tv.ba1", "tv.kom3"):
            got = tally(votes, rule, chair)
            assert (got["adopted"], got["result"], got["casting_vote"]) == oracle(votes, rule, chair)
            assert got["voters"] == size


def test_domain_example_tv_tie_ordinary_matter_and_stellenplan() -> None:
    ballots = [{"voter": f"tv.ba{i}", "vote": "yes"} for i in (1, 2, 3)] + [
        {"voter": f"tv.kom{i}", "vote": "no"} for i in (1, 2, 3)
    ]
    ordinary = tally(ballots, "tv", chair="tv.ba1")
    assert ordinary["adopted"] is True and ordinary["tie"] and ordinary["casting_vote"]
    stellenplan = tally(ballots, "tv_no_casting_vote", chair="tv.ba1")
    assert stellenplan["adopted"] is False and stellenplan["tie"] and not stellenplan["casting_vote"]
    assert stellenplan["counts"] == {"yes": 3, "no": 3, "abstain": 0}


def test_chair_who_abstains_or_votes_no_on_a_tie() -> None:
    base = {"tv.ba2": "yes", "tv.kom1": "no"}
    assert tally({**base, "tv.ba1": "abstain"}, "tv", "tv.ba1")["casting_vote"] is False
    no = tally({**base, "tv.ba1": "no", "tv.ba3": "yes"}, "tv", "tv.ba1")
    assert no["adopted"] is False and no["casting_vote"] is True and no["result"] == "no"
    assert tally(base, "tv", "tv.ba1")["adopted"] is False  # the chair did not vote


def test_ka_tie_without_a_casting_vote_has_no_result() -> None:
    got = tally([{"voter": "ka.land1", "vote": "a"}, {"voter": "ka.bmas2", "vote": "b"}], "ka", "ka.bmas1")
    assert got == {
        "adopted": False, "result": None, "counts": {"a": 1, "b": 1, "abstain": 0}, "rule": "ka",
        "tie": True, "casting_vote": False, "voters": 2, "chair": "ka.bmas1",
    }
    assert tally({"ka.bmas1": "abstain"}, "ka", "ka.bmas1")["result"] is None
    assert tally({"ka.bmas1": "b", "ka.land1": "a"}, "ka", "ka.bmas1")["result"] == "b"


def test_ballot_shapes_all_give_the_same_counts() -> None:
    as_dicts = [{"voter": "x", "vote": "yes"}, {"voter": "y", "vote": "no"}, {"voter": "z", "vote": "yes"}]
    as_mapping = {"x": "yes", "y": "no", "z": "yes"}
    anonymous = [{"vote": "yes"}, {"vote": "no"}, {"vote": "yes", "comment": "extra keys are fine"}]
    bare = ["yes", "no", "yes"]
    results = [tally(b, "simple_majority") for b in (as_dicts, as_mapping, anonymous, bare)]
    assert all(r == results[0] for r in results)
    assert results[0]["counts"] == {"yes": 2, "no": 1, "abstain": 0} and results[0]["adopted"]


@pytest.mark.parametrize(
    ("ballots", "rule", "message"),
    [
        ([{"voter": "x", "vote": "maybe"}], "tv", "invalid vote 'maybe' by x"),
        ([{"voter": "x", "vote": "yes"}], "ka", "invalid vote 'yes'"),
        ([{"voter": "x", "vote": "a"}], "tv", "invalid vote 'a'"),
        ([{"voter": "x", "vote": "Yes"}], "tv", "invalid vote 'Yes'"),
        ([{"voter": "x", "vote": None}], "tv", "invalid vote None"),
        ([{"voter": "x", "vote": "yes"}, {"voter": "x", "vote": "no"}], "tv", "x voted more than once"),
        ([{"voter": "x"}], "tv", "has no 'vote'"),
        ([42], "tv", "must be an object"),
        ("yes", "tv", "ballots must be a list"),
        ([], "majority", "unknown voting rule 'majority'"),
        ([], None, "unknown voting rule None"),
        ([{"voter": "", "vote": "yes"}], "tv", "a voter must be a user name"),
    ],
)
def test_invalid_input_is_a_clear_error(ballots: Any, rule: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        tally(ballots, rule)


def test_no_ballots_is_not_adopted() -> None:
    got = tally([], "tv", "tv.ba1")
    assert got["adopted"] is False and got["voters"] == 0 and got["tie"] is True


# --- council ------------------------------------------------------------------------------------


def test_domain_example_kreistag_of_61() -> None:
    assert council_tally(61, 41, 20, 0, "council_two_thirds")["adopted"] is True
    failed = council_tally(61, 40, 0, 0, "council_two_thirds")
    assert failed["adopted"] is False and failed["required"] == 41 and failed["result"] == "no"


@pytest.mark.parametrize(("members", "required"), [(1, 1), (2, 2), (3, 2), (4, 3), (60, 40), (61, 41),
                                                   (62, 42), (99, 66), (100, 67)])
def test_two_thirds_exactly_at_the_threshold(members: int, required: int) -> None:
    assert two_thirds_of(members) == required
    at = council_tally(members, required, members - required, 0, "council_two_thirds")
    below = council_tally(members, required - 1, 0, 0, "council_two_thirds")
    assert at["adopted"] is True and at["required"] == required
    assert below["adopted"] is False


def test_two_thirds_is_of_statutory_members_not_of_those_present() -> None:
    # 30 present, all yes: two-thirds of those present, but not of the 61 statutory members
    got = council_tally(61, 30, 0, 0, "council_two_thirds")
    assert got["adopted"] is False and got["voters"] == 30


def test_two_thirds_matches_exact_fractions_for_every_size() -> None:
    for members in range(1, 400):
        for yes in range(members + 1):
            adopted = council_tally(members, yes, 0, 0, "council_two_thirds")["adopted"]
            assert adopted == (3 * yes >= 2 * members), (members, yes)


def test_simple_majority_of_votes_cast() -> None:
    assert council_tally(61, 20, 19, 22, "simple_majority")["adopted"] is True
    tie = council_tally(61, 20, 20, 0, "simple_majority")
    assert tie["adopted"] is False and tie["tie"] is True and tie["required"] == 21
    assert council_tally(61, 0, 0, 61, "simple_majority")["adopted"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((61, 41, 20, 1, "council_two_thirds"), "62 votes .* exceed the 61 statutory members"),
        ((61, -1, 0, 0, "simple_majority"), "yes_votes must not be negative"),
        ((61, 1.5, 0, 0, "simple_majority"), "yes_votes must be a whole number"),
        ((61, True, 0, 0, "simple_majority"), "yes_votes must be a whole number"),
        (("61", 1, 0, 0, "simple_majority"), "statutory_members must be a whole number"),
        ((0, 0, 0, 0, "simple_majority"), "statutory_members must be at least 1"),
        ((61, 1, 0, 0, "tv"), "unknown council rule 'tv'"),
        ((61, 1, None, 0, "simple_majority"), "no_votes must be a whole number"),
    ],
)
def test_council_invalid_input(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        council_tally(*args)
