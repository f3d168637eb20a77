"""Tallying resolutions (Beschlüsse) by the rule of the body that votes (DOMAIN.md §3 "Votes").

Pure functions over plain data, so BPMN scripts, services and tests call the same code:

- ``tv``: § 44c Abs. 1 SGB II — adopted if yes > no; on a tie the chair's vote decides.
- ``tv_no_casting_vote``: § 44c Abs. 2 Satz 2 Nr. 1, 4, 8 (GF, transfer of tasks, Stellenplan) —
  a tie is not adopted.
- ``simple_majority``: yes > no of the votes cast; a tie is not adopted.
- ``ka``: § 44e Abs. 2 — the majority decides which issuer (``a`` or ``b``) is competent; on a tie
  the chair's choice decides.
- ``council_two_thirds`` (council only): yes ≥ ⌈2/3 × statutory members⌉, § 6a Abs. 2 Satz 3 as
  it stood before 2 BvR 1641/11.

Every function raises ``ValueError`` with a message a process designer can act on; the engine
reports it as the failing script's error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

YES_NO = ("yes", "no", "abstain")
KA_CHOICES = ("a", "b", "abstain")
RULES: dict[str, tuple[str, ...]] = {
    "tv": YES_NO,
    "tv_no_casting_vote": YES_NO,
    "simple_majority": YES_NO,
    "ka": KA_CHOICES,
}
COUNCIL_RULES = ("council_two_thirds", "simple_majority")


def _choices(rule: Any) -> tuple[str, ...]:
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"unknown voting rule {rule!r}; expected one of {', '.join(RULES)}")
    return RULES[rule]


def _ballot_items(ballots: Any) -> Iterable[tuple[str | None, Any]]:
    """(voter, choice) pairs from the shapes a process collects: a list of ballots, or voter → vote."""
    if isinstance(ballots, dict):
        return list(ballots.items())
    if not isinstance(ballots, (list, tuple)):
        raise ValueError(f"ballots must be a list of ballots or a mapping voter → vote, got {type(ballots).__name__}")
    pairs: list[tuple[str | None, Any]] = []
    for position, item in enumerate(ballots, start=1):
        if isinstance(item, dict):
            if "vote" not in item:
                raise ValueError(f"ballot {position} has no 'vote': {item!r}")
            pairs.append((item.get("voter"), item["vote"]))
        elif isinstance(item, str):
            # a multi-instance task whose output item is the bare choice: voters are unknown
            pairs.append((None, item))
        else:
            raise ValueError(f"ballot {position} must be an object with 'vote', got {item!r}")
    return pairs


def count_ballots(ballots: Any, rule: str) -> tuple[dict[str, int], dict[str, str]]:
    """Counts per choice (zeros included) and each named voter's choice.

    Raises:
        ValueError: unknown rule, a choice the rule does not know, a voter who voted twice.
    """
    choices = _choices(rule)
    counts = dict.fromkeys(choices, 0)
    by_voter: dict[str, str] = {}
    for voter, vote in _ballot_items(ballots):
        if voter is not None and (not isinstance(voter, str) or not voter.strip()):
            raise ValueError(f"a voter must be a user name, got {voter!r}")
        who = f" by {voter}" if voter else ""
        if not isinstance(vote, str) or vote not in counts:
            raise ValueError(f"invalid vote {vote!r}{who}; rule {rule!r} allows {', '.join(choices)}")
        if voter is not None:
            if voter in by_voter:
                raise ValueError(f"{voter} voted more than once")
            by_voter[voter] = vote
        counts[vote] += 1
    return counts, by_voter


def tally(ballots: Any, rule: str, chair: str | None = None) -> dict[str, Any]:
    """The result of a vote of a TV, a KA or any body deciding by simple majority.

    ``result`` is ``"yes"``/``"no"`` for the yes/no rules (``"no"`` whenever not adopted) and
    ``"a"``/``"b"``/``None`` for ``ka``. ``casting_vote`` is true only when there was a tie and the
    chair's own vote decided it (either way); an abstaining or absent chair breaks no tie.

    Raises:
        ValueError: see :func:`count_ballots`; ``chair`` that is not a user name.
    """
    if chair is not None and (not isinstance(chair, str) or not chair.strip()):
        raise ValueError(f"chair must be a user name or None, got {chair!r}")
    counts, by_voter = count_ballots(ballots, rule)
    first, second = ("a", "b") if rule == "ka" else ("yes", "no")
    chair_vote = by_voter.get(chair) if chair else None
    tie = counts[first] == counts[second]
    casting = False
    result: str | None
    if not tie:
        result = first if counts[first] > counts[second] else second
    elif rule in ("tv", "ka") and chair_vote in (first, second):
        result, casting = chair_vote, True
    else:
        result = None
    if rule == "ka":
        adopted = result is not None
    else:
        adopted = result == "yes"
        result = "yes" if adopted else "no"
    return {
        "adopted": adopted,
        "result": result,
        "counts": counts,
        "rule": rule,
        "tie": tie,
        "casting_vote": casting,
        "voters": sum(counts.values()),
        "chair": chair,
    }


def _whole(value: Any, name: str) -> int:
    # bool is an int subclass: council_tally(61, True, ...) is a mistake, not one vote
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def two_thirds_of(members: int) -> int:
    """⌈2/3 × members⌉ in integer arithmetic: 61 → 41, 60 → 40, 3 → 2."""
    return -(-2 * members // 3)


def council_tally(
    statutory_members: Any, yes_votes: Any, no_votes: Any, abstentions: Any, rule: Any
) -> dict[str, Any]:
    """A council (Kreistag) resolution on an option application (§ 6a Abs. 2 Satz 3 SGB II).

    ``council_two_thirds`` counts against the statutory members, not those present;
    ``simple_majority`` needs more yes than no votes cast. ``required`` is the yes votes needed.

    Raises:
        ValueError: unknown rule, a count that is not a non-negative whole number, or more votes
            than statutory members.
    """
    if not isinstance(rule, str) or rule not in COUNCIL_RULES:
        raise ValueError(f"unknown council rule {rule!r}; expected one of {', '.join(COUNCIL_RULES)}")
    members = _whole(statutory_members, "statutory_members")
    yes, no, abstain = (
        _whole(yes_votes, "yes_votes"),
        _whole(no_votes, "no_votes"),
        _whole(abstentions, "abstentions"),
    )
    if members == 0:
        raise ValueError("statutory_members must be at least 1")
    if yes + no + abstain > members:
        raise ValueError(
            f"{yes + no + abstain} votes (yes + no + abstentions) exceed the {members} statutory members"
        )
    required = two_thirds_of(members) if rule == "council_two_thirds" else no + 1
    adopted = yes >= required
    return {
        "adopted": adopted,
        "result": "yes" if adopted else "no",
        "counts": {"yes": yes, "no": no, "abstain": abstain},
        "rule": rule,
        "tie": yes == no,
        "casting_vote": False,
        "voters": yes + no + abstain,
        "chair": None,
        "required": required,
        "statutory_members": members,
    }
