"""Vertretung (issue 14 §3): whom a user stands in for today.

A recorded absence (``absences``) names a substitute of the same organisation: while it lasts, the
absent user's group tasks and the tasks assigned to them from a group reach the substitute. Personal
ballots of a committee member (tasks the process assigns to the member, with no group) reach only
the member's named deputy in that committee (``body_members.deputy_user_id``), and only while the
member is absent; the ballot stays the member's, so the seat is counted once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from casework.records import StandIn
from models import Absence, BodyMember, Membership, User

_ACTIVE = sa.and_(Absence.starts_on <= sa.bindparam("today"), Absence.ends_on >= sa.bindparam("today"))
_SUBSTITUTE_FOR = sa.select(Absence.user_id).where(Absence.substitute_id == sa.bindparam("me"), _ACTIVE)
_DEPUTY_FOR = (
    sa.select(BodyMember.user_id)
    .join(Absence, Absence.user_id == BodyMember.user_id)
    .where(
        BodyMember.deputy_user_id == sa.bindparam("me"),
        _ACTIVE,
        BodyMember.term_start <= sa.bindparam("today"),
        sa.or_(BodyMember.term_end.is_(None), BodyMember.term_end >= sa.bindparam("today")),
    )
)


def stands_in_clause(user_id: Any) -> Any:
    """SQL: whether ``user_id`` (a column or a value) stands in for anyone on ``:today`` -- the two
    reads of :func:`stand_ins` as EXISTS, so the sign-in lookup asks in its own statement and the
    usual answer, no one, costs no further statement."""
    substitute = sa.exists().where(Absence.substitute_id == user_id, _ACTIVE)
    deputy = (
        sa.exists().where(
            BodyMember.deputy_user_id == user_id,
            Absence.user_id == BodyMember.user_id,
            _ACTIVE,
            BodyMember.term_start <= sa.bindparam("today"),
            sa.or_(BodyMember.term_end.is_(None), BodyMember.term_end >= sa.bindparam("today")),
        )
    )
    return sa.or_(substitute, deputy)


def stand_ins(session: sa.orm.Session, user_id: int, today: date) -> tuple[StandIn, ...]:
    """The absent users ``user_id`` acts for on ``today`` (two small indexed reads; usually none)."""
    params = {"me": user_id, "today": today}
    tasks = set(session.execute(_SUBSTITUTE_FOR, params).scalars())
    ballots = set(session.execute(_DEPUTY_FOR, params).scalars())
    absent = sorted((tasks | ballots) - {user_id})
    if not absent:
        return ()
    users = {u.id: u for u in session.execute(
        sa.select(User.id, User.username, User.display_name).where(User.id.in_(absent), User.active.is_(True)))}
    pairs: dict[int, set[tuple[int, int]]] = {}
    for row in session.execute(sa.select(Membership.user_id, Membership.group_id, Membership.organisation_id)
                               .where(Membership.user_id.in_(absent))):
        pairs.setdefault(row.user_id, set()).add((row.group_id, row.organisation_id))
    return tuple(
        StandIn(user_id=u, username=users[u].username, display_name=users[u].display_name,
                memberships=frozenset(pairs.get(u, ())), tasks=u in tasks, ballots=u in ballots)
        for u in absent if u in users
    )
