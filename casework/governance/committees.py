"""CommitteeService: the bodies of DOMAIN.md §1 as data — members, sides, chair and terms.

Processes never hard-code who sits on a committee; they ask the script helpers of
``casework.governance.helpers``, which read these tables through the queries below. Every change
goes through one unit of work and is validated as a whole (parity of the TV, 3 + 3 in the KA, the
chair a member, an elected chair's term of at most five years): a change that would break a rule
is refused with a clear message and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from casework.clock import Clock
from casework.dates import months_later
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import Body, BodyMember, Organisation, User
from models.committee import BODY_KINDS, SIDES

# which sides may hold seats in which kind of body
ALLOWED_SIDES: dict[str, tuple[str, ...]] = {
    "tv": ("ba", "kommune"),
    "ka": ("land", "bmas"),
    "council": ("kommune",),
    "beirat": SIDES,
}
ELECTED_TERM_MONTHS = 60  # § 44c Abs. 2: the chair is elected for up to five years
ROTATION_MONTHS = 24  # no agreement: the sides take turns for two years each, BA first
OTHER_SIDE = {"ba": "kommune", "kommune": "ba", "bmas": "land", "land": "bmas"}  # the KA: BMAS first (§ 18b)


@dataclass(frozen=True)
class MemberInfo:
    id: int
    username: str
    display_name: str
    side: str
    term_start: date
    term_end: date | None
    is_chair: bool  # the elected chair, or the member a side named to chair in its rotation turn
    deputy: str | None = None  # the named deputy (Stellvertretung) who votes while the member is absent


@dataclass(frozen=True)
class BodyInfo:
    id: int
    kind: str
    name: str
    organisation_id: int
    organisation_name: str
    statutory_members: int | None
    chair_rule: str
    chair: str | None  # who chairs today
    chair_side: str | None
    chair_term_start: date | None
    chair_term_end: date | None
    rotation_start: date | None
    members: tuple[MemberInfo, ...]  # seats held today
    former: tuple[MemberInfo, ...]  # seats that ended, or start later
    first_chair_by_ba: bool = False  # the Agentur named the TV's first chair by rotation (tv_chair)


@dataclass(frozen=True)
class NewMember:
    username: str
    side: str
    term_start: date | None = None  # default: today
    term_end: date | None = None


# --- terms and the rotation (pure) ----------------------------------------------------------


def period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` that begins with the day ``start`` (§ 187 Abs. 2 BGB):
    the day before the day with the start's number (§ 188 Abs. 2), or, when that month has no such
    day, its last day (§ 188 Abs. 3): five years from 2024-02-29 end on 2029-02-28."""
    same_number = months_later(start, months)
    return same_number - timedelta(days=1) if same_number.day == start.day else same_number


def elected_term_limit(start: date) -> date:
    """The last day of a five-year term beginning on ``start``: 2026-03-01 → 2031-02-28."""
    return period_end(start, ELECTED_TERM_MONTHS)


def rotation_order(body: Body) -> tuple[str, str]:
    """The sides in the order of the body's rotation: its recorded first side, else the law's."""
    first = body.rotation_first_side or ("bmas" if body.kind == "ka" else "ba")
    return first, OTHER_SIDE[first]


def rotation_period(begin: date, on: date, order: tuple[str, str] = ("ba", "kommune")) -> tuple[str, date, date]:
    """The side chairing on ``on`` and its turn, counted from the rotation's ``begin`` (``order[0]`` first).

    Each turn lasts two years from its own first day ("jeweils für zwei Jahre"), so a turn that
    began on 1 March after a 29 February start keeps its full two years.

    Raises:
        ValueError: ``on`` is before the rotation began.
    """
    if on < begin:
        raise ValueError(f"the chair rotation begins on {begin.isoformat()}, not before")
    index, start = 0, begin
    end = period_end(start, ROTATION_MONTHS)
    while end < on:  # a handful of turns per decade: walking them is exact and cheap
        index, start = index + 1, end + timedelta(days=1)
        end = period_end(start, ROTATION_MONTHS)
    return order[index % 2], start, end


def _holds_seat(member: BodyMember, on: date) -> bool:
    return member.term_start <= on and (member.term_end is None or on <= member.term_end)


# --- queries the script helpers share ------------------------------------------------------


def seats(session: sa.orm.Session, body_id: int) -> list[tuple[BodyMember, User]]:
    rows = session.execute(
        sa.select(BodyMember, User).join(User, User.id == BodyMember.user_id).where(BodyMember.body_id == body_id)
    ).all()
    return sorted(((m, u) for m, u in rows), key=lambda r: (r[1].username, r[0].term_start))


def current_seats(session: sa.orm.Session, body_id: int, on: date) -> list[tuple[BodyMember, User]]:
    return [(m, u) for m, u in seats(session, body_id) if _holds_seat(m, on)]


def chair_on(session: sa.orm.Session, body: Body, on: date) -> tuple[str | None, str | None]:
    """(username, side) of whoever chairs ``body`` on ``on``; (None, None) when nobody does."""
    held = current_seats(session, body.id, on)
    if body.chair_rule == "rotation":
        if body.rotation_start is None or on < body.rotation_start:
            return None, None
        side = rotation_period(body.rotation_start, on, rotation_order(body))[0]
        named = [u.username for m, u in held if m.side == side and m.is_chair]
        return (named[0] if named else None), side
    if body.chair_user_id is None or body.chair_term_start is None or on < body.chair_term_start:
        return None, None
    if body.chair_term_end is not None and on > body.chair_term_end:
        return None, None
    for member, user in held:
        if user.id == body.chair_user_id:
            return user.username, member.side
    return None, None


# --- validation -----------------------------------------------------------------------------


def _check_composition(session: sa.orm.Session, body: Body, today: date) -> None:
    """The body's seats obey its law today and on every later day a seat begins or ends, so a
    planned seat cannot break parity on the day it starts; raises ValidationFailed naming the day."""
    all_seats = seats(session, body.id)
    later = {m.term_start for m, _ in all_seats if m.term_start > today}
    later |= {m.term_end + timedelta(days=1) for m, _ in all_seats if m.term_end is not None and m.term_end >= today}
    for on in [today, *sorted(later)]:
        _check_on(body, [(m, u) for m, u in all_seats if _holds_seat(m, on)], on, today)


def _check_on(body: Body, held: list[tuple[BodyMember, User]], on: date, today: date) -> None:
    sides = Counter(m.side for m, _ in held)
    users = Counter(u.username for _, u in held)
    when = "nach der Änderung" if on == today else f"ab dem {on:%d.%m.%Y}"
    twice = sorted(name for name, n in users.items() if n > 1)
    if twice:
        raise ValidationFailed(
            f"{', '.join(twice)} hätte(n) {when} zwei Sitze zugleich.", {"members": "Jede Person hat nur einen Sitz."}
        )
    # a body whose every seat has ended later on is not yet broken: its successors are not named yet
    if on != today and not held:
        return
    if body.kind == "tv" and (sides["ba"] != sides["kommune"] or not held):
        raise ValidationFailed(
            "Die Trägerversammlung braucht gleich viele Mitglieder der Agentur für Arbeit und des "
            f"kommunalen Trägers (§ 44c Abs. 1 SGB II); {when} wären es {sides['ba']} : {sides['kommune']}.",
            {"members": "Parität verletzt"},
        )
    if body.kind == "ka" and (sides["land"], sides["bmas"]) != (3, 3):
        raise ValidationFailed(
            "Der Kooperationsausschuss besteht aus drei Mitgliedern des Landes und drei des BMAS "
            f"(§ 18b SGB II); {when} wären es {sides['land']} : {sides['bmas']}.",
            {"members": "3 + 3 verletzt"},
        )
    named = Counter(m.side for m, _ in held if m.is_chair)
    if body.chair_rule == "rotation" and any(n > 1 for n in named.values()):
        raise ValidationFailed("Jede Seite benennt höchstens eine Person für den Vorsitz.", {"chair": "Doppelt"})
    if body.chair_rule == "elected" and body.chair_user_id is not None:
        in_term = body.chair_term_start is not None and body.chair_term_start <= on and (
            body.chair_term_end is None or on <= body.chair_term_end
        )
        if in_term and all(u.id != body.chair_user_id for _, u in held):
            raise ValidationFailed(
                "Die oder der Vorsitzende muss während der ganzen Amtszeit Mitglied sein; "
                f"{when} wäre sie oder er es nicht. Erst eine andere Person zum Vorsitz wählen.",
                {"chair": "Kein Mitglied"},
            )


def _user_by_name(session: sa.orm.Session, username: str) -> User:
    user: User | None = session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise ValidationFailed(f"Unbekannter Benutzer {username!r}.", {"username": "Unbekannter Benutzer"})
    return user


class CommitteeService:
    """Lists and changes committees; changing them is for admins only."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("Nur Administratoren dürfen Gremien verwalten.")

    def list_bodies(self, *, actor: Actor) -> list[BodyInfo]:
        """Every committee, by organisation and kind.

        Raises:
            Forbidden: not an admin.
        """
        self._require_admin(actor)
        with unit_of_work(write=False) as session:
            bodies = session.scalars(sa.select(Body).order_by(Body.name, Body.id)).all()
            return [self._info(session, b) for b in bodies]

    def get_body(self, body_id: int, *, actor: Actor) -> BodyInfo:
        """One committee with its members today and its former ones.

        Raises:
            Forbidden: not an admin.  NotFound: no such body.
        """
        self._require_admin(actor)
        with unit_of_work(write=False) as session:
            return self._info(session, self._body(session, body_id))

    def find_body(self, kind: str, organisation_id: int) -> BodyInfo | None:
        """The body of that kind of an organisation, for set-up code and tests (no permission check)."""
        with unit_of_work(write=False) as session:
            body = session.scalar(sa.select(Body).where(Body.kind == kind, Body.organisation_id == organisation_id))
            return self._info(session, body) if body is not None else None

    def create_body(
        self,
        kind: str,
        organisation_id: int,
        name: str,
        *,
        members: list[NewMember] = (),  # type: ignore[assignment]
        chair: str | None = None,
        chair_term_start: date | None = None,
        statutory_members: int | None = None,
        rotation_start: date | None = None,
    ) -> BodyInfo:
        """A new committee with its first members, validated as a whole (set-up code; no actor).

        Raises:
            ValidationFailed: unknown kind, sides, users; parity; chair not a member.
            Conflict/NotFound are not raised: an existing body of that kind makes this a ValidationFailed.
        """
        if kind not in BODY_KINDS:
            raise ValidationFailed(f"Unbekannte Gremienart {kind!r}.", {"kind": "Unbekannt"})
        if statutory_members is not None and (isinstance(statutory_members, bool) or statutory_members < 1):
            raise ValidationFailed("Die gesetzliche Mitgliederzahl muss mindestens 1 sein.",
                                   {"statutory_members": "Ungültig"})
        with unit_of_work() as session:
            if session.get(Organisation, organisation_id) is None:
                raise ValidationFailed("Unbekannte Organisation.", {"organisation_id": "Unbekannt"})
            exists = session.scalar(
                sa.select(Body.id).where(Body.kind == kind, Body.organisation_id == organisation_id)
            )
            if exists is not None:
                raise ValidationFailed("Diese Organisation hat schon ein solches Gremium.", {"kind": "Vorhanden"})
            body = Body(kind=kind, organisation_id=organisation_id, name=name.strip(),
                        statutory_members=statutory_members,
                        chair_rule="rotation" if rotation_start else "elected", rotation_start=rotation_start)
            session.add(body)
            session.flush()
            today = self.clock.today()
            for new in members:
                self._add_seat(session, body, new, today)
            if chair is not None:
                self._elect(session, body, chair, chair_term_start or today, None, today)
            session.flush()
            _check_composition(session, body, today)
            return self._info(session, body)

    def change_members(
        self, body_id: int, *, add: list[NewMember] = (), remove: list[int] = (), actor: Actor  # type: ignore[assignment]
    ) -> BodyInfo:
        """Add and end seats in one change, so a TV seat can be handed over without breaking parity.

        A removed seat ends yesterday (its history stays); one that had not begun yet is deleted.

        Raises:
            Forbidden: not an admin.  NotFound: no such body.
            ValidationFailed: unknown user or side, a seat not of this body, parity or 3 + 3 broken,
                the elected chair removed.
        """
        self._require_admin(actor)
        if not add and not remove:
            raise ValidationFailed("Keine Änderung angegeben.", {"members": "Nichts ausgewählt"})
        with unit_of_work() as session:
            body = self._body(session, body_id)
            today = self.clock.today()
            by_id = {m.id: m for m, _ in seats(session, body.id)}
            for seat_id in remove:
                seat = by_id.get(seat_id)
                if seat is None or (not _holds_seat(seat, today) and seat.term_start <= today):
                    raise ValidationFailed("Dieser Sitz gehört nicht (mehr) zu diesem Gremium.",
                                           {"remove": "Unbekannter Sitz"})
                if seat.term_start >= today:
                    session.delete(seat)
                else:
                    seat.term_end = today - timedelta(days=1)
            for new in add:
                self._add_seat(session, body, new, today)
            session.flush()
            _check_composition(session, body, today)
            return self._info(session, body)

    def add_member(self, body_id: int, member: NewMember, *, actor: Actor) -> BodyInfo:
        """One more seat (a Beirat, a council; a TV or KA needs ``change_members`` to stay at parity)."""
        return self.change_members(body_id, add=[member], actor=actor)

    def remove_member(self, body_id: int, seat_id: int, *, actor: Actor) -> BodyInfo:
        """End one seat; see ``change_members``."""
        return self.change_members(body_id, remove=[seat_id], actor=actor)

    def set_deputy(self, body_id: int, member: str, deputy: str | None, *, actor: Actor) -> BodyInfo:
        """Name (or with None remove) a member's deputy (Stellvertretung): while the member is
        recorded absent, the deputy casts the member's personal ballots, for the member's seat.

        Raises:
            Forbidden: not an admin.  NotFound: no such body.
            ValidationFailed: not a current member, or an unknown, inactive or the same person.
        """
        self._require_admin(actor)
        with unit_of_work() as session:
            body = self._body(session, body_id)
            seat = self._seat_of(session, body, member, self.clock.today())
            deputy_id = None
            if deputy:
                user = _user_by_name(session, deputy)
                if user.id == seat.user_id:
                    raise ValidationFailed("Ein Mitglied kann sich nicht selbst vertreten.",
                                           {"deputy": "Eine andere Person."})
                deputy_id = user.id
            seat.deputy_user_id = deputy_id
            session.flush()
            return self._info(session, body)

    def set_chair(
        self,
        body_id: int,
        username: str,
        *,
        term_start: date | None = None,
        term_end: date | None = None,
        actor: Actor,
    ) -> BodyInfo:
        """Elect the chair (elected rule: a term of at most five years, default exactly five), or,
        under the rotation, name who chairs for that member's side in its turn.

        Raises:
            Forbidden: not an admin.  NotFound: no such body.
            ValidationFailed: not a member today, term longer than five years or ending before it starts.
        """
        self._require_admin(actor)
        with unit_of_work() as session:
            body = self._body(session, body_id)
            today = self.clock.today()
            if body.chair_rule == "rotation":
                seat = self._seat_of(session, body, username, today)
                for other, _ in current_seats(session, body.id, today):
                    other.is_chair = other.id == seat.id or (other.is_chair and other.side != seat.side)
            else:
                self._elect(session, body, username, term_start or today, term_end, today)
            session.flush()
            _check_composition(session, body, today)
            return self._info(session, body)

    def set_rotation(self, body_id: int, rotation_start: date | None, *, actor: Actor) -> BodyInfo:
        """Switch a TV (BA first) or a KA (BMAS first, § 18b) to the fallback rotation from
        ``rotation_start``, two years each, or back to an elected chair with ``None``.

        Raises:
            Forbidden: not an admin.  NotFound: no such body.  ValidationFailed: not a TV or KA.
        """
        self._require_admin(actor)
        with unit_of_work() as session:
            body = self._body(session, body_id)
            if body.kind not in ("tv", "ka"):
                raise ValidationFailed("Nur der Vorsitz der Trägerversammlung und des Kooperationsausschusses "
                                       "wechselt turnusmäßig.", {"rotation_start": "Nur für TV und KA"})
            body.chair_rule = "rotation" if rotation_start else "elected"
            body.rotation_start, body.rotation_first_side = rotation_start, None  # the law's order
            if rotation_start:
                body.chair_user_id = body.chair_term_start = body.chair_term_end = None
            session.flush()
            _check_composition(session, body, self.clock.today())
            return self._info(session, body)

    # --- inside a unit of work ---------------------------------------------------------------

    @staticmethod
    def _body(session: sa.orm.Session, body_id: int) -> Body:
        body = session.get(Body, body_id)
        if body is None:
            raise NotFound("Gremium nicht gefunden.")
        return body

    @staticmethod
    def _seat_of(session: sa.orm.Session, body: Body, username: str, on: date) -> BodyMember:
        for seat, user in current_seats(session, body.id, on):
            if user.username == (username or "").strip():
                return seat
        raise ValidationFailed(f"{username} ist derzeit kein Mitglied dieses Gremiums.",
                               {"username": "Kein Mitglied"})

    def _add_seat(self, session: sa.orm.Session, body: Body, new: NewMember, today: date) -> None:
        user = _user_by_name(session, new.username)
        if new.side not in ALLOWED_SIDES[body.kind]:
            allowed = ", ".join(ALLOWED_SIDES[body.kind])
            raise ValidationFailed(f"Seite {new.side!r} gibt es in diesem Gremium nicht (erlaubt: {allowed}).",
                                   {"side": "Ungültige Seite"})
        start = new.term_start or today
        if new.term_end is not None and new.term_end < start:
            raise ValidationFailed("Die Amtszeit endet vor ihrem Beginn.", {"term_end": "Vor dem Beginn"})
        session.add(BodyMember(body_id=body.id, user_id=user.id, side=new.side, term_start=start,
                               term_end=new.term_end, is_chair=False))

    def _elect(self, session: sa.orm.Session, body: Body, username: str, start: date,
               end: date | None, today: date) -> None:
        self._seat_of(session, body, username, max(start, today))
        limit = elected_term_limit(start)
        end = end or limit
        if end < start:
            raise ValidationFailed("Die Amtszeit endet vor ihrem Beginn.", {"term_end": "Vor dem Beginn"})
        if end > limit:
            raise ValidationFailed(
                f"Der Vorsitz wird für höchstens fünf Jahre gewählt: spätestens bis {limit:%d.%m.%Y}.",
                {"term_end": f"Spätestens {limit:%d.%m.%Y}"},
            )
        body.chair_user_id = _user_by_name(session, username).id
        body.chair_term_start, body.chair_term_end = start, end

    def _info(self, session: sa.orm.Session, body: Body) -> BodyInfo:
        today = self.clock.today()
        chair, chair_side = chair_on(session, body, today)
        current: list[MemberInfo] = []
        former: list[MemberInfo] = []
        deputies = dict(session.execute(sa.select(User.id, User.username).join(
            BodyMember, BodyMember.deputy_user_id == User.id).where(BodyMember.body_id == body.id)).all())
        for seat, user in seats(session, body.id):
            if body.chair_rule == "rotation":
                flagged = seat.is_chair
            else:
                flagged = user.id == body.chair_user_id and _holds_seat(seat, today)
            info = MemberInfo(seat.id, user.username, user.display_name, seat.side, seat.term_start,
                              seat.term_end, flagged,
                              deputies.get(seat.deputy_user_id) if seat.deputy_user_id else None)
            (current if _holds_seat(seat, today) else former).append(info)
        organisation = session.get(Organisation, body.organisation_id)
        return BodyInfo(
            id=body.id, kind=body.kind, name=body.name, organisation_id=body.organisation_id,
            organisation_name=organisation.name if organisation else "",
            statutory_members=body.statutory_members, chair_rule=body.chair_rule, chair=chair,
            chair_side=chair_side, chair_term_start=body.chair_term_start,
            chair_term_end=body.chair_term_end, rotation_start=body.rotation_start,
            members=tuple(current), former=tuple(former), first_chair_by_ba=bool(body.first_chair_by_ba),
        )


def seed_demo_committees(service: CommitteeService, orgs: dict[str, int]) -> None:
    """The demo committees of DOMAIN.md §2 (idempotent): TV of the Jobcenter chaired by tv.ba1, KA NRW
    chaired by ka.bmas1, the Kreistag of Kreis Musterkreis with 61 statutory members."""
    start = date(service.clock.today().year, 1, 1)
    wanted = [
        ("tv", "jc-musterkreis", "Trägerversammlung Jobcenter Musterkreis",
         [NewMember(f"tv.ba{i}", "ba", start) for i in (1, 2, 3)]
         + [NewMember(f"tv.kom{i}", "kommune", start) for i in (1, 2, 3)], "tv.ba1", None),
        ("ka", "land-nw", "Kooperationsausschuss Nordrhein-Westfalen",
         [NewMember(f"ka.land{i}", "land", start) for i in (1, 2, 3)]
         + [NewMember(f"ka.bmas{i}", "bmas", start) for i in (1, 2, 3)], "ka.bmas1", None),
        ("council", "kreis-musterkreis", "Kreistag Musterkreis", [], None, 61),
    ]
    for kind, slug, name, members, chair, statutory in wanted:
        if service.find_body(kind, orgs[slug]) is None:
            service.create_body(kind, orgs[slug], name, members=members, chair=chair, chair_term_start=start,
                                statutory_members=statutory)
