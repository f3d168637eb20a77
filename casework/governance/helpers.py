"""Script helpers for votes and committees: ``tally``, ``council_tally``, ``members``, ``chair``,
``body_side``, ``tv_chair_side``.

A process asks for the committee of *its* case — ``members("tv")`` is the Trägerversammlung of the
case's Jobcenter — so no BPMN file names a person. The case comes from
``casework.context.current_case()``; the date from the injected clock. Errors are ``ValueError``
with a message a process designer can act on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from casework.clock import Clock
from casework.context import current_case
from casework.dates import parse_date
from casework.governance.committees import chair_on, current_seats, rotation_order, rotation_period
from casework.governance.votes import council_tally, tally
from models import Body, Organisation

BODY_NAMES = {
    "tv": "Trägerversammlung",
    "ka": "Kooperationsausschuss",
    "council": "council (Kreistag)",
    "beirat": "Beirat",
}
# the organisation a body belongs to, among the case's parties
_OWNER_KINDS = {"tv": ("ge",), "beirat": ("ge", "kreis", "kommune"), "council": ("kreis", "kommune")}


def _session_and_case() -> tuple[sa.orm.Session, int | None, tuple[int, ...]]:
    case = current_case()
    if case is None or case.session is None:
        raise ValueError("committee helpers only work while a case runs")
    parties = case.parties or ((case.organisation_id,) if case.organisation_id is not None else ())
    return case.session, case.organisation_id, parties


def case_body(body: Any) -> tuple[sa.orm.Session, Body]:
    """The case's body of that kind: the TV/Beirat of its gE, the KA of its Land, its Kommune's council.

    Raises:
        ValueError: unknown kind, or the case has no such body.
    """
    if not isinstance(body, str) or body not in BODY_NAMES:
        raise ValueError(f"unknown body {body!r}; expected one of {', '.join(BODY_NAMES)}")
    session, owner, parties = _session_and_case()
    if body == "ka":
        land = session.scalar(sa.select(Organisation.land).where(Organisation.id == owner)) if owner else None
        found = session.scalar(
            sa.select(Body)
            .join(Organisation, Organisation.id == Body.organisation_id)
            .where(Body.kind == "ka", Organisation.kind == "land", Organisation.land == land)
        ) if land else None
        if found is None:
            raise ValueError(f"no Kooperationsausschuss is recorded for the case's Land {land!r}")
        return session, found
    rows = session.execute(
        sa.select(Body, Organisation.kind)
        .join(Organisation, Organisation.id == Body.organisation_id)
        .where(Body.kind == body, Body.organisation_id.in_(list(parties)))
    ).all()
    # the case's own organisation first, then its parties in their order
    ranked = sorted(
        (r for r in rows if r[1] in _OWNER_KINDS[body]), key=lambda r: list(parties).index(r[0].organisation_id)
    )
    if not ranked:
        raise ValueError(f"the case's organisations have no {BODY_NAMES[body]}")
    return session, ranked[0][0]


def _on(on_date: Any, clock: Clock) -> date:
    return clock.today() if on_date is None else parse_date(on_date)


def build_governance_helpers(clock: Clock) -> dict[str, Callable[..., Any]]:
    """The committee and vote helpers, bound to the injected clock."""

    def members(body: Any, on_date: Any = None) -> list[str]:
        """User names of the body's members on the date (default today), sorted."""
        on = _on(on_date, clock)
        session, found = case_body(body)
        return sorted({user.username for _, user in current_seats(session, found.id, on)})

    def chair(body: Any, on_date: Any = None) -> str:
        """User name of whoever chairs the body on the date (default today)."""
        on = _on(on_date, clock)
        session, found = case_body(body)
        username, side = chair_on(session, found, on)
        if username is None:
            why = f"the {side} side has named nobody to chair" if side else "no chair is in office"
            raise ValueError(f"{BODY_NAMES[body]}: {why} on {on.isoformat()}")
        return username

    def body_side(body: Any, username: Any, on_date: Any = None) -> str:
        """The side ("ba", "kommune", "land", "bmas") a member sits for."""
        on = _on(on_date, clock)
        session, found = case_body(body)
        for seat, user in current_seats(session, found.id, on):
            if user.username == username:
                return seat.side
        raise ValueError(f"{username!r} is not a member of the {BODY_NAMES[body]} on {on.isoformat()}")

    def tv_chair_side(on_date: Any = None) -> str:
        """Which side chairs the case's TV on the date: the rotation's turn (BA first, two years
        each), or the elected chair's side."""
        on = _on(on_date, clock)
        session, found = case_body("tv")
        if found.chair_rule == "rotation" and found.rotation_start is not None:
            return rotation_period(found.rotation_start, on, rotation_order(found))[0]
        username, side = chair_on(session, found, on)
        if side is None:
            raise ValueError(f"Trägerversammlung: no chair is in office on {on.isoformat()}")
        return side

    return {
        "tally": tally,
        "council_tally": council_tally,
        "members": members,
        "chair": chair,
        "body_side": body_side,
        "tv_chair_side": tv_chair_side,
    }
