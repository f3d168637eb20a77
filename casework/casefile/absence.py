"""AbsenceService: a user records an absence and a substitute of the same organisation (Vertretung).

Whom a substitute then acts for is read per request (casework.cases.standins); this service only
keeps the record. Recording and ending an absence changes no case, so it writes no case history.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from casework.casefile.records import AbsenceInfo
from casework.clock import Clock
from casework.errors import ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import Absence, Membership, User


class AbsenceService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def get(self, *, actor: Actor) -> AbsenceInfo | None:
        with unit_of_work(write=False) as session:
            row = session.get(Absence, actor.user_id)
            return self._info(session, actor, row) if row is not None else None

    def set(self, *, actor: Actor, starts_on: object, ends_on: object, substitute: object) -> AbsenceInfo:
        """Record (or replace) the actor's absence.

        Raises:
            ValidationFailed: a bad date, an end before the start or in the past, or a substitute who is
            unknown, inactive, the actor themself or of another organisation.
        """
        start, end = _date(starts_on, "from"), _date(ends_on, "until")
        if end < start:
            raise ValidationFailed("Das Ende liegt vor dem Beginn.", {"until": "Nicht vor dem Beginn."})
        if end < self.clock.today():
            raise ValidationFailed("Die Abwesenheit ist schon vorbei.", {"until": "Heute oder später."})
        with unit_of_work() as session:
            substitute_id = _substitute(session, actor, substitute)
            row = session.get(Absence, actor.user_id)
            if row is None:
                row = Absence(user_id=actor.user_id)
                session.add(row)
            row.starts_on, row.ends_on, row.substitute_id = start, end, substitute_id
            session.flush()
            return self._info(session, actor, row)

    def end(self, *, actor: Actor) -> None:
        """End the actor's absence now: their tasks leave the substitute's inbox at once."""
        with unit_of_work() as session:
            session.execute(sa.delete(Absence).where(Absence.user_id == actor.user_id))

    def _info(self, session: sa.orm.Session, actor: Actor, row: Absence) -> AbsenceInfo:
        sub = session.execute(sa.select(User.username, User.display_name).where(User.id == row.substitute_id)).one()
        today = self.clock.today()
        return AbsenceInfo(user=actor.username, starts_on=row.starts_on, ends_on=row.ends_on,
                           substitute=sub.username, substitute_name=sub.display_name,
                           active=row.starts_on <= today <= row.ends_on)


def _date(value: object, field: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed("Ungültiges Datum.", {field: "Datum im Format JJJJ-MM-TT erwartet."})


def _substitute(session: sa.orm.Session, actor: Actor, username: object) -> int:
    user = None
    if isinstance(username, str) and username.strip():
        user = session.execute(sa.select(User.id, User.organisation_id, User.active)
                               .where(User.username == username.strip())).first()
    if user is None or not user.active:
        raise ValidationFailed("Unbekannte Vertretung.", {"substitute": "Kein aktiver Benutzer dieses Namens."})
    if user.id == actor.user_id:
        raise ValidationFailed("Sie können sich nicht selbst vertreten.", {"substitute": "Eine andere Person."})
    orgs = {user.organisation_id, *session.scalars(
        sa.select(Membership.organisation_id).where(Membership.user_id == user.id))}
    if actor.primary_organisation_id not in orgs:
        raise ValidationFailed("Die Vertretung gehört nicht Ihrer Organisation an.",
                               {"substitute": "Nur aus Ihrer Organisation."})
    return int(user.id)
