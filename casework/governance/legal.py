"""Versioned legal parameters (DOMAIN.md "Legal parameters"): each number of the law by the date it applies.

A case asks for a parameter by its reference date (a posting date, a resolution date); a Land's own
rule, where one is recorded, wins over federal law. ``SEED`` holds the facts of the law that
``flask --app app setup`` writes (idempotently); admins may add later versions.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from casework.context import current_case
from casework.dates import LAENDER, parse_date
from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.records import Actor
from casework.time.deadlines import DeadlineService, reading_session
from casework.unit_of_work import unit_of_work
from models import LegalParameter

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


@dataclass(frozen=True)
class LegalValue:
    """One version of a parameter."""

    id: int
    key: str
    land: str | None
    valid_from: date
    valid_to: date | None
    value: Any
    unit: str | None
    label: str
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


# (key, land, valid_from, valid_to, value, unit, label, source). Dates are text so that the seed goes
# through the same strict validation as every other date input.
SeedRow = tuple[str, str | None, str, str | None, Any, str | None, str, str]
SEED: tuple[SeedRow, ...] = (
    ("bund_share_admin_costs", None, "2011-01-01", None, 84.8, "%",
     "Anteil des Bundes an den Verwaltungskosten der gE",
     "§ 46 Abs. 3 Satz 1 SGB II (in Kraft seit 1. Januar 2011). Der Gesetzentwurf 2010 sah 87,4 % vor; "
     "dieser Entwurfswert galt nie und ist deshalb keine Version dieses Parameters."),
    ("kommune_share_admin_costs", None, "2011-01-01", None, 15.2, "%",
     "Anteil des kommunalen Trägers an den Verwaltungskosten der gE", "§ 46 Abs. 3 Satz 1 SGB II"),
    # DOMAIN.md applies the two-thirds rule to every resolution before 2014-10-07, so it starts with SGB II
    ("council_quorum_rule", None, "2005-01-01", "2014-10-06", "council_two_thirds", None,
     "Mehrheit für den Antrag auf Zulassung als zkT",
     "§ 6a Abs. 2 Satz 3 SGB II i. d. F. vom 3. August 2010: zwei Drittel der Mitglieder der "
     "Vertretungskörperschaft; hier für alle Beschlüsse vor dem 7. Oktober 2014"),
    ("council_quorum_rule", None, "2014-10-07", None, "simple_majority", None,
     "Mehrheit für den Antrag auf Zulassung als zkT",
     "BVerfG, Urteil vom 7. Oktober 2014, 2 BvR 1641/11: Zwei-Drittel-Erfordernis nichtig; "
     "einfache Mehrheit der abgegebenen Stimmen, soweit das Landesrecht nichts anderes bestimmt"),
    ("notification_fiction_days", None, "1981-01-01", "2024-12-31", 3, "Tage",
     "Bekanntgabefiktion: Tage nach Aufgabe zur Post", "§ 37 Abs. 2 Satz 1 SGB X a. F."),
    ("notification_fiction_days", None, "2025-01-01", None, 4, "Tage",
     "Bekanntgabefiktion: Tage nach Aufgabe zur Post",
     "§ 37 Abs. 2 Satz 1 SGB X i. d. F. des Postrechtsmodernisierungsgesetzes (ab 1. Januar 2025)"),
    ("statutory_assignment_years", None, "2011-01-01", "2014-12-31", 5, "Jahre",
     "Dauer der gesetzlichen Zuweisung (null = unbefristet)", "§ 44g Abs. 1 Satz 1 SGB II a. F."),
    ("statutory_assignment_years", None, "2015-01-01", None, None, "Jahre",
     "Dauer der gesetzlichen Zuweisung (null = unbefristet)",
     "§ 44g Abs. 1 Satz 1 SGB II: Befristung auf fünf Jahre entfallen, Zuweisung unbefristet"),
    ("gf_consent_reassignment", None, "2011-01-01", "2022-12-31", True, None,
     "Zustimmung der Geschäftsführung zur erneuten Zuweisung erforderlich", "§ 44g SGB II a. F."),
    ("gf_consent_reassignment", None, "2023-01-01", None, False, None,
     "Zustimmung der Geschäftsführung zur erneuten Zuweisung erforderlich",
     "§ 44g SGB II: Zustimmungserfordernis aufgehoben mit Wirkung vom 1. Januar 2023"),
    ("option_window", None, "2010-01-01", None,
     [{"from": "2010-01-01", "to": "2010-12-31"}, {"from": "2015-06-30", "to": "2015-12-31"}], None,
     "Zeitfenster für Anträge auf Zulassung als zkT (Eingang beim Land)",
     "§ 6a Abs. 2 und 4 SGB II, § 6a Abs. 2a SGB II i. V. m. KtEfV"),
    ("transition_date", None, "2010-08-11", None, "2011-12-31", None,
     "Ende der Übergangszeit für bestehende Arbeitsgemeinschaften",
     "§ 76 Abs. 1 SGB II: 31. Dezember 2011. Das DStGB-Papier nennt den nicht existierenden „31.11.2011“."),
)
# Parameters whose value is itself a date (or a list of date ranges) and must pass date validation.
DATE_VALUES = frozenset({"transition_date"})
RANGE_VALUES = frozenset({"option_window"})


class LegalParameterService:
    """Looks up, lists, seeds and versions legal parameters.

    With ``rows`` it answers from those rows in memory instead of the database: the law as shipped,
    for script helpers that run without an app (pure engine tests, tools). The app's ``Casework``
    uses the database, which holds the seed plus what admins added.
    """

    def __init__(self, rows: tuple[SeedRow, ...] | None = None) -> None:
        self._memory = None if rows is None else [_info(_validated(*row)) for row in rows]

    def value(self, key: str, on: Any, land: str | None = None, *,
              session: sa.orm.Session | None = None) -> Any:
        """The value of ``key`` in force on ``on``; a Land's own version wins over federal law.

        Inside another service's unit of work, pass its ``session`` (a script helper's is found
        through the running case).

        Raises:
            NotFound: no version of ``key`` is in force on that day.
            ValidationFailed: ``on`` is no valid date or ``land`` is unknown.
        """
        return self.lookup(key, on, land, session=session).value

    def lookup(self, key: str, on: Any, land: str | None = None, *,
               session: sa.orm.Session | None = None) -> LegalValue:
        """The version of ``key`` in force on ``on`` (see ``value``). Raises NotFound, ValidationFailed."""
        day = _checked_date("on", on)
        if land is not None and land not in LAENDER:
            raise ValidationFailed("Unbekanntes Land.", {"land": f"Erlaubt: {', '.join(LAENDER)}."})
        if self._memory is not None:
            candidates = [v for v in self._memory if v.key == key and v.in_force(day) and v.land in (None, land)]
        else:
            with reading_session(session) as s:
                rows = s.scalars(
                    sa.select(LegalParameter).where(
                        LegalParameter.key == key,
                        LegalParameter.valid_from <= day,
                        sa.or_(LegalParameter.valid_to.is_(None), LegalParameter.valid_to >= day),
                        sa.or_(LegalParameter.land.is_(None), LegalParameter.land == land),
                    )
                ).all()
                candidates = [_info(r) for r in rows]
        found = sorted(candidates, key=lambda v: v.land is None)
        if not found:
            where = f" für {land}" if land else ""
            raise NotFound(f"Der Rechtsparameter '{key}' ist am {day.isoformat()}{where} nicht festgelegt.")
        return found[0]

    def list(self, *, actor: Actor | None = None) -> builtins.list[LegalValue]:
        """Every version of every parameter, by key, Land (federal first) and validity.

        Raises:
            Forbidden: an ``actor`` is given (the admin page) and is not an admin.
        """
        if actor is not None and not actor.is_admin:
            raise Forbidden("Nur Administratoren sehen die Verwaltung der Rechtsparameter.")
        if self._memory is not None:
            return sorted(self._memory, key=lambda v: (v.key, v.land or "", v.valid_from))
        with unit_of_work(write=False) as session:
            rows = session.scalars(sa.select(LegalParameter)).all()
            values = [_info(r) for r in rows]
        return sorted(values, key=lambda v: (v.key, v.land or "", v.valid_from))

    def seed(self, session: sa.orm.Session | None = None, rows: tuple[SeedRow, ...] = SEED) -> int:
        """Write the versions of ``rows`` (default: the law, ``SEED``) that are missing; returns how many.

        Raises:
            ValidationFailed: a row carries an impossible date or another bad field; nothing is written.
        """
        if session is None:
            with unit_of_work() as own:
                return self.seed(own, rows)
        existing = {tuple(r) for r in session.execute(
            sa.select(LegalParameter.key, LegalParameter.land, LegalParameter.valid_from))}
        added = 0
        for key, land, valid_from, valid_to, value, unit, label, source in rows:
            row = _validated(key, land, valid_from, valid_to, value, unit, label, source)
            if (row.key, row.land, row.valid_from) not in existing:
                session.add(row)
                added += 1
        session.flush()
        return added

    def add_version(self, *, key: Any, valid_from: Any, value: Any, source: Any, actor: Actor,
                    land: Any = None, unit: Any = None, label: Any = None) -> LegalValue:
        """Add a version from ``valid_from`` on; the open previous version of (key, Land) ends the day before.

        ``value`` is JSON text (``84.8``, ``"simple_majority"``, ``null``) or an already parsed value.

        Raises:
            Forbidden: not an admin.
            ValidationFailed: a bad field, or a version starting on or after ``valid_from`` exists.
        """
        if not actor.is_admin:
            raise Forbidden("Nur Administratoren dürfen Rechtsparameter ändern.")
        parsed = _json_value(value)
        with unit_of_work() as session:
            previous = session.scalars(
                sa.select(LegalParameter).where(LegalParameter.key == key, _land_is(land or None))
                .order_by(LegalParameter.valid_from).with_for_update()  # two admins must not both close it
            ).all()
            # a Land's first version of a federal parameter inherits the federal label
            known = previous[-1] if previous else session.scalars(
                sa.select(LegalParameter).where(LegalParameter.key == key).limit(1)).first()
            row = _validated(key, land or None, valid_from, None, parsed, unit or (known and known.unit),
                             label or (known.label if known else ""), source)
            if previous and previous[-1].valid_from >= row.valid_from:
                last = previous[-1].valid_from.isoformat()
                raise ValidationFailed("Die Version ist ungültig.", {
                    "valid_from": f"Nach dem Beginn der letzten Version ({last}) wählen."})
            if previous and (previous[-1].valid_to is None or previous[-1].valid_to >= row.valid_from):
                previous[-1].valid_to = row.valid_from - timedelta(days=1)
            session.add(row)
            session.flush()
            return _info(row)

    def script_helpers(self) -> dict[str, Callable[..., Any]]:
        """``legal_parameter(key, on_date, land=None)``, which records the version used in the case's history."""

        def legal_parameter(key: Any, on_date: Any, land: Any = None) -> Any:
            """The value of a legal parameter on a date, e.g. legal_parameter("council_quorum_rule", d)."""
            if not isinstance(key, str):
                raise ValueError(f"legal_parameter: key must be a text, got {key!r}")
            on = on_date.isoformat() if isinstance(on_date, date) else on_date
            try:
                found = self.lookup(key, on, land or None)
            except (NotFound, ValidationFailed) as exc:
                fields = getattr(exc, "fields", None) or {}
                raise ValueError(f"legal_parameter: {exc.message} {' '.join(fields.values())}".strip()) from None
            case = current_case()
            if case is not None:
                case.effects.append({
                    "type": "legal_parameter", "key": found.key, "valid_from": found.valid_from.isoformat(),
                    "value": found.value, "land": found.land, "on": parse_date(on).isoformat(),
                })
            return found.value

        return {"legal_parameter": legal_parameter}


def shipped_law_helpers() -> dict[str, Callable[..., Any]]:
    """``deadline``, ``notified_on`` and ``legal_parameter`` answering from ``SEED`` without a database."""
    legal = LegalParameterService(rows=SEED)
    return {**DeadlineService(legal).script_helpers(), **legal.script_helpers()}


def _land_is(land: str | None) -> Any:
    return LegalParameter.land.is_(None) if land is None else LegalParameter.land == land


def _checked_date(name: str, value: Any) -> date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValidationFailed(f"Ungültiges Datum: {exc}", {name: str(exc)}) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity cannot be stored as JSON


def _json_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        raise ValidationFailed("Die Version ist ungültig.", {
            "value": 'JSON-Wert erwartet, z. B. 84.8, "simple_majority", true oder null.'}) from None


def _validated(key: Any, land: Any, valid_from: Any, valid_to: Any, value: Any, unit: Any,
               label: Any, source: Any) -> LegalParameter:
    """A new row after checking every field; dates (also date-valued parameters) strictly."""
    fields: dict[str, str] = {}

    def day(name: str, raw: Any) -> date | None:
        try:
            return parse_date(raw)
        except ValueError as exc:
            fields[name] = str(exc)
            return None

    if not isinstance(key, str) or not _KEY.match(key):
        fields["key"] = "Kleinbuchstaben, Ziffern und _ (höchstens 80 Zeichen)."
    if land is not None and land not in LAENDER:
        fields["land"] = f"Erlaubt: {', '.join(LAENDER)}."
    start = day("valid_from", valid_from)
    end = day("valid_to", valid_to) if valid_to is not None else None
    if start and end and end < start:
        fields["valid_to"] = "Das Ende liegt vor dem Beginn."
    if key in DATE_VALUES and value is not None:
        day("value", value)
    if key in RANGE_VALUES:
        ranges = value if isinstance(value, list) else [None]
        for r in ranges:
            if not isinstance(r, dict) or not {"from", "to"} <= r.keys():
                fields["value"] = 'Liste von {"from": ..., "to": ...} erwartet.'
                break
            day("value", r["from"])
            day("value", r["to"])
    for name, text, limit in (("label", label, 200), ("source", source, 10_000)):
        if not isinstance(text, str) or not text.strip() or len(text) > limit:
            fields[name] = f"Pflichtfeld (höchstens {limit} Zeichen)."
    if unit is not None and (not isinstance(unit, str) or len(unit) > 40):
        fields["unit"] = "Höchstens 40 Zeichen."
    if fields:
        raise ValidationFailed("Der Rechtsparameter ist ungültig.", fields)
    assert start is not None  # noqa: S101 - checked above
    return LegalParameter(key=key, land=land, valid_from=start, valid_to=end, value=value, unit=unit,
                          label=label.strip(), source=source.strip())


def _info(row: LegalParameter) -> LegalValue:
    return LegalValue(row.id or 0, row.key, row.land, row.valid_from, row.valid_to, row.value, row.unit,
                      row.label, row.source)
