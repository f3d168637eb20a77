"""Municipal holidays: the days an organisation observes beyond its Land's (e.g. 8 August in Augsburg).

The deadline calculator (casework.time.deadlines) reads them for an organisation; admins keep them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from casework.dates import LAENDER, parse_date
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.time.deadlines import organisation_id_of, parse_field
from casework.unit_of_work import unit_of_work
from models import HolidayOverride, Organisation


@dataclass(frozen=True)
class HolidayInfo:
    id: int
    organisation_id: int
    organisation_name: str
    day: date
    name: str


@dataclass(frozen=True)
class OrganisationChoice:
    id: int
    name: str
    land: str | None


class HolidayService:
    """Lists, adds and deletes municipal holidays (admins), and offers the organisations to pick from."""

    def list_organisations(self) -> list[OrganisationChoice]:
        with unit_of_work(write=False) as session:
            rows = session.execute(
                sa.select(Organisation.id, Organisation.name, Organisation.land).order_by(Organisation.name)
            ).all()
        return [OrganisationChoice(r.id, r.name, r.land) for r in rows]

    def land_of(self, organisation_id: int | None) -> str | None:
        """The Land of an organisation, to preselect it in forms; None if unknown."""
        if organisation_id is None:
            return None
        with unit_of_work(write=False) as session:
            land = session.scalar(sa.select(Organisation.land).where(Organisation.id == organisation_id))
        return land if land in LAENDER else None

    def list_holidays(self, *, actor: Actor) -> list[HolidayInfo]:
        """Every municipal holiday, by organisation and day.

        Raises:
            Forbidden: the actor is not an admin.
        """
        _require_admin(actor)
        with unit_of_work(write=False) as session:
            rows = session.execute(
                sa.select(HolidayOverride, Organisation.name)
                .join(Organisation, Organisation.id == HolidayOverride.organisation_id)
                .order_by(Organisation.name, HolidayOverride.day)
            ).all()
        return [HolidayInfo(h.id, h.organisation_id, name, h.day, h.name) for h, name in rows]

    def add_holiday(self, *, organisation_id: Any, day: Any, name: Any, actor: Actor) -> HolidayInfo:
        """Add a municipal holiday of one organisation.

        Raises:
            Forbidden: not an admin.
            ValidationFailed: bad date, empty name, unknown organisation, or that day already listed.
        """
        _require_admin(actor)
        fields: dict[str, str] = {}
        parsed_day = parse_field(fields, "day", parse_date, day)
        text = name.strip() if isinstance(name, str) else ""
        if not text or len(text) > 120:
            fields["name"] = "Name angeben (höchstens 120 Zeichen)."
        org_id = organisation_id_of(fields, organisation_id)
        if org_id is None and "organisation" not in fields:
            fields["organisation"] = "Pflichtfeld."
        if fields:
            raise ValidationFailed("Der Feiertag ist ungültig.", fields)
        with unit_of_work() as session:
            org_name = session.scalar(sa.select(Organisation.name).where(Organisation.id == org_id))
            if org_name is None:
                raise ValidationFailed("Der Feiertag ist ungültig.", {"organisation": "Unbekannte Organisation."})
            clash = session.scalar(sa.select(HolidayOverride.id).where(
                HolidayOverride.organisation_id == org_id, HolidayOverride.day == parsed_day))
            if clash is not None:
                raise ValidationFailed("Der Feiertag ist ungültig.",
                                       {"day": "Für diesen Tag ist schon ein Feiertag eingetragen."})
            row = HolidayOverride(organisation_id=org_id, day=parsed_day, name=text)
            session.add(row)
            session.flush()
            return HolidayInfo(row.id, row.organisation_id, org_name, row.day, row.name)

    def delete_holiday(self, holiday_id: int, *, actor: Actor) -> None:
        """Raises: Forbidden (not an admin), NotFound (no such holiday)."""
        _require_admin(actor)
        with unit_of_work() as session:
            deleted = session.execute(sa.delete(HolidayOverride).where(HolidayOverride.id == holiday_id))
            if deleted.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound("Diesen Feiertag gibt es nicht.")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Nur Administratoren dürfen die Feiertage pflegen.")
