"""Need-to-know (issue 14 §5): who sees a case is a property of its process, and the individual
votes of a secret or personnel ballot are for the committee's office and each voter only.

A process declares, as ``camunda:property`` of its ``bpmn:process``::

    visibility       organisation (default: everyone of the case's organisations) | parties
                     (only those who take part: started it, hold or held a task, are offered one or
                     supervise one of its groups -- plus admins)
    secret_ballots   variable paths holding ballots as voter -> vote, e.g. ``tv_votes, first_vote.votes``
    ballot_office    the group that runs the ballot (e.g. ``tv_office``) and sees every vote

The tally (counts, result) stays visible to all who see the case.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from casework.records import Actor

VISIBILITIES = ("organisation", "parties")
DEFAULT_VISIBILITY = "organisation"


def case_visibility(properties: Mapping[str, str]) -> str:
    """The visibility a new case of a process gets; an unknown value fails closed (``parties``)."""
    value = (properties.get("visibility") or DEFAULT_VISIBILITY).strip().lower()
    return value if value in VISIBILITIES else "parties"


def ballot_paths(properties: Mapping[str, str]) -> list[tuple[str, ...]]:
    raw = properties.get("secret_ballots") or ""
    return [tuple(p.strip().split(".")) for p in raw.split(",") if p.strip()]


def sees_every_ballot(properties: Mapping[str, str], actor: Actor) -> bool:
    office = {g.strip() for g in (properties.get("ballot_office") or "").split(",") if g.strip()}
    return actor.is_admin or bool(office & actor.groups)


def redact_ballots(variables: dict[str, Any], properties: Mapping[str, str], actor: Actor) -> dict[str, Any]:
    """``variables`` with each secret ballot cut down to the actor's own vote (an empty mapping for
    those who did not vote), unless the actor belongs to the ballot's office."""
    paths = ballot_paths(properties)
    if not paths or sees_every_ballot(properties, actor):
        return variables
    result = copy.deepcopy(variables)
    for path in paths:
        _cut(result, path, actor.username)
    return result


def _cut(data: Any, path: tuple[str, ...], username: str) -> None:
    parent = data
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    if not isinstance(parent, dict) or path[-1] not in parent:
        return
    ballots = parent[path[-1]]
    if isinstance(ballots, dict):
        parent[path[-1]] = {k: v for k, v in ballots.items() if k == username}
    else:
        parent[path[-1]] = {}
