"""The chair of a Trägerversammlung or Kooperationsausschuss (§ 44c Abs. 1 Sätze 5–6, § 18b SGB II;
DOMAIN.md §4.6): the script helpers ``committee_data``, ``rotation_turn`` and ``record_chair``.

A process reads the committee's data (``committee_data("tv")``: its chair, whether the Agentur named the
first chair, the rotation) and asks whose turn it is (``rotation_turn("tv", start_date)``): the side
that follows from who appointed before, never a side written into the case. ``record_chair`` does
not write at once: it records a ``committee_chair`` effect, and :class:`ChairRecorder`, a step
listener, applies it in the step's own transaction — so a step that is not stored changes no
committee — and the case history shows the change (``committee_changed``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from casework.cases.steps import StepWritten
from casework.clock import Clock
from casework.context import current_case
from casework.dates import parse_date
from casework.errors import ValidationFailed
from casework.governance.committees import (
    OTHER_SIDE,
    _check_composition,
    chair_on,
    current_seats,
    period_end,
    rotation_order,
    rotation_period,
)
from casework.governance.helpers import case_body
from models import Body, BodyMember, User

CHAIR_EFFECT = "committee_chair"
ROTATION_MONTHS = 24  # § 44c Abs. 1 Satz 6: each side for two years
CHAIR_BODIES = ("tv", "ka")


def _chair_body(body: Any) -> tuple[sa.orm.Session, Body]:
    if body not in CHAIR_BODIES:
        raise ValueError(f"the chair rule applies to 'tv' and 'ka', not {body!r}")
    return case_body(body)


def turn_of(found: Body, start: date) -> dict[str, Any]:
    """Whose turn it is to name the chair from ``start``: the running rotation's side and turn, or,
    when no rotation runs then, the side after the one that named the last chair by rotation (the
    law's first side if none ever did), for two years from ``start``."""
    order = rotation_order(found)
    if found.chair_rule == "rotation" and found.rotation_start is not None and start >= found.rotation_start:
        side, turn_start, turn_end = rotation_period(found.rotation_start, start, order)
        return {"side": side, "start": turn_start.isoformat(), "end": turn_end.isoformat(), "continuing": True}
    if found.rotation_start is None:
        side = order[0]
    else:
        # a rotation ran before (an elected chair since): the side after the last turn before the election
        before = found.chair_term_start if found.chair_term_start is not None else start
        last = max(found.rotation_start, before - timedelta(days=1))
        side = OTHER_SIDE[rotation_period(found.rotation_start, last, order)[0]]
    end = period_end(start, ROTATION_MONTHS)
    return {"side": side, "start": start.isoformat(), "end": end.isoformat(), "continuing": False}


def _display_name(seats: list[tuple[BodyMember, User]], username: str) -> str:
    return next((f"{u.display_name} ({username})" for _, u in seats if u.username == username), username)


def _record(session: sa.orm.Session, found: Body, on: date) -> dict[str, Any]:
    chair, side = chair_on(session, found, on)
    return {
        "name": found.name,
        "chair": chair,
        "chair_side": side,
        "chair_rule": found.chair_rule,
        "chair_term_end": found.chair_term_end.isoformat() if found.chair_term_end else None,
        "rotation_start": found.rotation_start.isoformat() if found.rotation_start else None,
        "first_chair_by_ba": bool(found.first_chair_by_ba),
    }


def build_chair_helpers(clock: Clock) -> dict[str, Callable[..., Any]]:
    """``committee_data``, ``rotation_turn`` and ``record_chair``, bound to the injected clock."""

    def committee_data(body: Any, on_date: Any = None) -> dict[str, Any]:
        """The committee's data on the date (default today): its name, who chairs it and for which
        side, the chair rule, the elected chair's term end, the rotation's start and
        ``first_chair_by_ba`` (the Agentur named the first chair under the rotation) and ``members``
        (user name → name of the members that day)."""
        on = clock.today() if on_date is None else parse_date(on_date)
        session, found = _chair_body(body)
        record = _record(session, found, on)
        record["members"] = {u.username: u.display_name for _, u in current_seats(session, found.id, on)}
        return record

    def rotation_turn(body: Any, start_date: Any) -> dict[str, Any]:
        """Whose turn it is to name the chair from ``start_date`` if no chair is elected: ``side``
        (``ba``/``kommune`` for a TV, ``bmas``/``land`` for the KA), the turn's ``start`` and ``end``,
        ``continuing`` (a running rotation) and ``members``: the user names of that side's members."""
        start = parse_date(start_date)
        session, found = _chair_body(body)
        turn = turn_of(found, start)
        side = sorted((u for m, u in current_seats(session, found.id, max(start, clock.today()))
                       if m.side == turn["side"]), key=lambda u: u.username)
        turn["members"] = [u.username for u in side]
        turn["member_names"] = ", ".join(f"{u.display_name} ({u.username})" for u in side)
        return turn

    def record_chair(body: Any, username: Any, start_date: Any, term_end: Any, side: Any = None) -> str:
        """Write the new chair into the committee's data when the step is stored: elected (``side``
        None) for ``start_date`` to ``term_end``, or named by ``side`` in its rotation turn. Returns
        the committee's name. The change appears in the case history."""
        session, found = _chair_body(body)
        start, end = parse_date(start_date), parse_date(term_end)
        seats = current_seats(session, found.id, max(start, clock.today()))
        sides = {u.username: m.side for m, u in seats}
        if username not in sides:
            raise ValueError(f"{username!r} is no member of the {found.name}")
        if side is not None and sides[username] != side:
            raise ValueError(f"{username!r} does not sit for the side {side!r}")
        case = current_case()
        if case is not None:
            case.effects.append({
                "type": CHAIR_EFFECT, "body_id": found.id, "committee": found.name,
                "chair": _display_name(seats, username), "chair_user": username,
                "how": "elected" if side is None else "rotation", "side": side or sides[username],
                "term_start": start.isoformat(), "term_end": end.isoformat(),
            })
        return str(found.name)

    return {"committee_data": committee_data, "rotation_turn": rotation_turn, "record_chair": record_chair}


class ChairRecorder:
    """Step listener: applies the step's ``committee_chair`` effects in its transaction."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, written: StepWritten) -> None:
        for effect in written.effects:
            if effect.get("type") == CHAIR_EFFECT:
                self.apply(written.session, effect)

    def apply(self, session: sa.orm.Session, effect: dict[str, Any]) -> None:
        """Elect the chair, or name it for its side's turn (a new rotation begins with that turn).

        Raises:
            ValidationFailed: the committee would break its rules (the chair no member, say).
        """
        found = session.get(Body, effect["body_id"])
        if found is None:
            raise ValidationFailed("Das Gremium gibt es nicht mehr.", {"committee": "Unbekannt"})
        start, end = date.fromisoformat(effect["term_start"]), date.fromisoformat(effect["term_end"])
        user_id = session.scalar(sa.select(User.id).where(User.username == effect["chair_user"]))
        if effect["how"] == "elected":
            found.chair_rule, found.chair_user_id = "elected", user_id
            found.chair_term_start, found.chair_term_end = start, end
        else:
            self._name_in_rotation(session, found, effect["side"], user_id, start)
        session.flush()
        _check_composition(session, found, self.clock.today())

    @staticmethod
    def _name_in_rotation(session: sa.orm.Session, found: Body, side: str, user_id: int | None, start: date) -> None:
        running = found.chair_rule == "rotation" and found.rotation_start is not None and start >= found.rotation_start
        if not running:
            found.chair_rule, found.rotation_start, found.rotation_first_side = "rotation", start, side
            found.chair_user_id = found.chair_term_start = found.chair_term_end = None
            if found.kind == "tv" and side == "ba":
                found.first_chair_by_ba = True  # read by gf_appointment (§ 44d Abs. 2 Satz 3)
        for seat in session.scalars(sa.select(BodyMember).where(BodyMember.body_id == found.id)):
            if seat.user_id == user_id:
                seat.is_chair = True
            elif seat.side == side or not running:
                seat.is_chair = False
