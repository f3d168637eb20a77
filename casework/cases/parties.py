"""Bringing further organisations into a running case: the script helper ``involve(group, land)``.

A case's parties (the owner and its linked organisations, fixed at start) decide in which
organisations a candidate-group task is offered. The Land's ministry, the BMAS, the office of the
Kooperationsausschuss, the Beirat's proposers or the Gemeinden are no party of a Jobcenter's or a
Kreis's case, so a process brings them in before it gives them a task::

    involve('ka_office', land)      # the office of the KA of the case's Land
    involve('bmas')

The helper adds to the running case's parties every organisation in which ``group`` has active
members (only organisations of Land ``land`` when given) and returns their names. It records the
new organisations as an ``involve`` effect: ``RuntimeService.persist`` merges them into the case's
parties before it plans the step's task rows — so a task created in the same step is offered there
too — and writes the new ``case_parties`` rows, the ``parties`` column and a ``parties_added``
history entry in the step's transaction. Every path that runs the engine (start, complete, retry,
timers, messages) hands its effects to ``persist``, so it works on all of them.

Involving does not make the case visible: a party organisation's users see it once a task is
offered to one of their groups (``AccessService.instance_visible_clause``) -- unless the process says
``involve(group, land, reads=True)``: then the group's members in those organisations may read the
case from now on, also after it ended (a ``readers`` effect, written to ``case_readers``), as the
office of the Kooperationsausschuss informed of a supervisory measure (§ 47 Abs. 3 Satz 4 SGB II).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from casework.cases.directory import group_holders
from casework.context import current_case
from casework.dates import check_land
from models import Group, Organisation, OrganisationLink

INVOLVE_EFFECT = "involve"
READERS_EFFECT = "readers"


def organisations_with_group(
    session: sa.orm.Session, group: str, land: str | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the organisations in which ``group`` has active members, by name.

    Raises:
        ValueError: no such group.
    """
    if session.scalar(sa.select(Group.id).where(Group.name == group)) is None:
        raise ValueError(f"involve: unknown group {group!r}")
    organisations = {r.organisation_id: r.organisation_name for r in group_holders(session, group, land)}
    return sorted(organisations.items(), key=lambda r: (r[1], r[0]))


def linked_organisations(session: sa.orm.Session, parties: tuple[int, ...]) -> set[int]:
    """The parties and the organisations linked to them either way (a gE's Träger, a Träger's gE)."""
    if not parties:
        return set()
    rows = session.execute(
        sa.select(OrganisationLink.organisation_id, OrganisationLink.related_id).where(
            sa.or_(OrganisationLink.organisation_id.in_(parties), OrganisationLink.related_id.in_(parties))
        )
    ).all()
    return set(parties) | {o for row in rows for o in row}


def added_parties(effects: list[dict[str, Any]]) -> list[int]:
    """Organisation ids the step's ``involve`` effects bring in, in order, each once."""
    found: list[int] = []
    for effect in effects:
        if effect.get("type") == INVOLVE_EFFECT:
            found += [o for o in effect.get("organisation_ids", ()) if o not in found]
    return found


def added_readers(effects: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(group id, organisation id) pairs the step's ``readers`` effects grant reading, each once."""
    found: list[tuple[int, int]] = []
    for effect in effects:
        if effect.get("type") == READERS_EFFECT:
            pairs = ((effect["group_id"], o) for o in effect.get("organisation_ids", ()))
            found += [p for p in pairs if p not in found]
    return found


def _grant_reading(session: sa.orm.Session, effects: list[dict[str, Any]], group: str,
                   found: list[tuple[int, str]]) -> None:
    group_id = session.scalar(sa.select(Group.id).where(Group.name == group))
    effects.append({"type": READERS_EFFECT, "group": group, "group_id": group_id,
                    "organisations": [name for _, name in found], "organisation_ids": [o for o, _ in found]})


def build_party_helpers() -> dict[str, Callable[..., Any]]:
    """The ``involve`` script helper (and the directory look-ups below)."""

    def involve(group: Any, land: Any = None, linked: Any = False, reads: Any = False) -> list[str]:
        """Make every organisation in which ``group`` has active members (of Land ``land`` if given,
        e.g. 'NW'; only those linked to the case's parties if ``linked``, as a gE and its Träger are)
        a party of the case, so the group's tasks are offered there; returns the names of all those
        organisations, sorted. Involving an organisation twice adds it once. With ``reads`` the
        group's members there may read the case from now on, also after it ended."""
        if not isinstance(group, str) or not group.strip():
            raise ValueError(f"involve: expected a group name, got {group!r}")
        if land is not None:
            land = check_land(land)
        case = current_case()
        if case is None or case.session is None:
            return []  # a dry run or lint: no directory to ask
        found = organisations_with_group(case.session, group.strip(), land)
        if linked:
            near = linked_organisations(case.session, case.parties)
            found = [(o, name) for o, name in found if o in near]
        new = [(o, name) for o, name in found if o not in case.parties]
        if new:
            # later helpers of the same step (group_members, notify_group) see the new parties too
            case.parties = (*case.parties, *(o for o, _ in new))
            case.effects.append({
                "type": INVOLVE_EFFECT,
                "group": group.strip(),
                "organisations": [name for _, name in new],
                "organisation_ids": [o for o, _ in new],
            })
        if reads and found:
            _grant_reading(case.session, case.effects, group.strip(), found)
        return [name for _, name in found]

    return {"involve": involve, **_directory_helpers()}


def _directory_helpers() -> dict[str, Callable[..., Any]]:
    """``joint_facility`` and ``group_lands``: what a process may look up in the directory when DOMAIN's
    start variables do not name it (the gE of a supervision, the Land of a BMAS – Land agreement)."""

    def joint_facility(name: Any = None, land: Any = None) -> dict[str, str] | None:
        """The one gemeinsame Einrichtung (organisation kind ``ge``) that fits: its ``name`` and
        ``land``. ``name`` (case-insensitive) and ``land`` narrow the search; None when none or
        more than one fits (the caller then asks for it)."""
        case = current_case()
        if case is None or case.session is None:
            return None
        query = sa.select(Organisation.name, Organisation.land).where(Organisation.kind == "ge")
        if isinstance(name, str) and name.strip():
            query = query.where(sa.func.lower(Organisation.name) == name.strip().lower())
        if isinstance(land, str) and land.strip():
            query = query.where(Organisation.land == land.strip())
        found = case.session.execute(query.limit(2)).all()
        return {"name": found[0].name, "land": found[0].land or ""} if len(found) == 1 else None

    def group_lands(group: Any) -> list[str]:
        """The Länder in which ``group`` has active members, sorted (e.g. ['NW'] for 'ka_office')."""
        case = current_case()
        if case is None or case.session is None or not isinstance(group, str):
            return []
        return sorted({r.organisation_land for r in group_holders(case.session, group.strip())
                       if r.organisation_land})

    return {"joint_facility": joint_facility, "group_lands": group_lands}
