"""The deadline calculator (Fristenrechner) of DOMAIN.md §3: BGB §§ 187, 188, 193, SGB X §§ 26, 37.

One calculator serves timers, due dates, forms, the page and the API. ``calculate`` is pure; the
``DeadlineService`` adds what lives in the database: an organisation's municipal holidays and the
notification fiction's number of days (a legal parameter chosen by the posting date).

How the three kinds count, given a date D and a period:

* ``deadline`` (a Frist for an act, e.g. an objection): D is the triggering event, which does not
  count (§ 187 Abs. 1 BGB); the period starts the next day and ends on the day of the same number
  (§ 188 Abs. 2, or the month's last day, § 188 Abs. 3). An end on a Saturday, Sunday, holiday of
  the Land or of the organisation moves to the next working day (§ 193 BGB, § 26 Abs. 3 SGB X).
* ``period`` (a Zeitraum: a term of office, a benefit period): D is the first day of the period and
  counts (§ 187 Abs. 2); it ends on the day before the day of the same number (2026-03-01 + P5Y →
  2031-02-28). It never moves. A period that runs from an event instead (the three-month notice of
  an assignment: notice on 2025-11-30 → end 2026-02-28) passes ``counting="event"``.
* ``appointment`` (a Termin fixed by counting from an event, e.g. a hearing 14 days after the
  invitation): counted like a deadline, but never moved — § 193 BGB is for acts, not for dates.

With ``posted_on`` the counting starts from the § 37 Abs. 2 SGB X notification day (posted on
Monday 2025-06-02 → 2025-06-06), which itself never moves; only the end of a deadline does.
Holidays are the Land's public ones from the ``holidays`` package; days that only some
municipalities keep (15 August in Catholic Bavaria, 8 August in Augsburg) come from the
organisation's municipal holidays (casework.time.holidays) or, for Augsburg, its own subdivision code.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, Protocol

import sqlalchemy as sa

from casework.context import current_case
from casework.dates import (
    LAENDER,
    WEEKDAYS_DE,
    Period,
    check_land,
    holiday_name,
    is_working_day,
    month_index,
    months_later,
    parse_date,
)
from casework.errors import NotFound, ValidationFailed
from casework.unit_of_work import unit_of_work
from models import HolidayOverride, Organisation

KINDS = ("deadline", "period", "appointment")
COUNTINGS = ("event", "beginning_of_day")
FICTION_KEY = "notification_fiction_days"


# --- the calculation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of "how it was reached": ``code`` names the rule, the page words it."""

    code: str  # notified | start | end | month_end | shift | no_shift_kind | working_day
    day: date
    rule: str | None = None
    detail: str | None = None  # a holiday or weekday name, or the fiction's number of days


@dataclass(frozen=True)
class DeadlineResult:
    """The calculator's answer; ``shifted_because`` is empty when the end did not move."""

    kind: str
    counting: str
    land: str
    period: str
    start: date
    end: date
    unshifted_end: date
    shifted_because: tuple[str, ...] = ()
    notified_on: date | None = None
    posted_on: date | None = None
    event_date: date | None = None
    rule_refs: tuple[str, ...] = ()
    steps: tuple[Step, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The API shape (API.md): optional keys only when they apply."""
        d: dict[str, Any] = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "unshifted_end": self.unshifted_end.isoformat(),
            "rule_refs": list(self.rule_refs),
        }
        if self.shifted_because:
            d["shifted_because"] = list(self.shifted_because)
        if self.notified_on is not None:
            d["notified_on"] = self.notified_on.isoformat()
        return d


def default_counting(kind: str) -> str:
    return "beginning_of_day" if kind == "period" else "event"


def notification_day(posted_on: date, fiction_days: int) -> date:
    """§ 37 Abs. 2 SGB X: deemed received on the n-th day after posting; that day itself never moves.

    Raises:
        ValueError: the day lies beyond the year 9999.
    """
    try:
        return posted_on + timedelta(days=fiction_days)
    except OverflowError:
        raise ValueError("the resulting date is out of range") from None


def calculate(
    *,
    event_date: date,
    period: Period,
    land: str,
    kind: str = "deadline",
    counting: str | None = None,
    extra_holidays: Mapping[date, str] = MappingProxyType({}),
    posted_on: date | None = None,
    fiction_days: int | None = None,
) -> DeadlineResult:
    """The end of ``period`` from ``event_date`` by the rules of ``kind`` (see the module docstring).

    ``event_date`` is the notification day when ``posted_on`` is given (the caller computes it).

    Raises:
        ValueError: the result lies beyond the year 9999.
    """
    try:
        return _calculate(event_date, period, land, kind, counting or default_counting(kind), extra_holidays,
                          posted_on, fiction_days)
    except OverflowError:
        raise ValueError("the resulting date is out of range") from None


def _calculate(event_date: date, period: Period, land: str, kind: str, counting: str,
               extra_holidays: Mapping[date, str], posted_on: date | None, fiction_days: int | None,
               ) -> DeadlineResult:
    steps: list[Step] = []
    refs: list[str] = []
    if posted_on is not None:
        refs.append("§ 37 Abs. 2 SGB X")
        steps.append(Step("notified", event_date, "§ 37 Abs. 2 SGB X", str(fiction_days)))
    if counting == "event":
        start = event_date + timedelta(days=1)
        refs.append("§ 187 Abs. 1 BGB")
        steps.append(Step("start", start, "§ 187 Abs. 1 BGB"))
        end, capped = _end_from_event(event_date, period)
    else:
        start = event_date
        refs.append("§ 187 Abs. 2 BGB")
        steps.append(Step("start", start, "§ 187 Abs. 2 BGB"))
        end, capped = _end_from_first_day(start, period)
    end_rules = [rule for rule, applies in (("§ 188 Abs. 1 BGB", period.days > 7 * period.weeks),
                                           ("§ 188 Abs. 2 BGB", period.months or period.weeks)) if applies]
    refs += end_rules
    steps.append(Step("end", end, ", ".join(end_rules)))
    if capped:
        refs.append("§ 188 Abs. 3 BGB")
        steps.append(Step("month_end", end, "§ 188 Abs. 3 BGB"))
    unshifted = end
    reasons: list[str] = []
    if kind == "deadline":
        while not is_working_day(end, land, extra_holidays):
            reason = holiday_name(end, land, extra_holidays) or WEEKDAYS_DE[end.weekday()]
            reasons.append(reason)
            steps.append(Step("shift", end, "§ 193 BGB", reason))
            end += timedelta(days=1)
        if reasons:
            refs += ["§ 193 BGB", "§ 26 Abs. 3 SGB X"]
            steps.append(Step("working_day", end, "§ 26 Abs. 3 SGB X"))
    elif not is_working_day(end, land, extra_holidays):
        reason = holiday_name(end, land, extra_holidays) or WEEKDAYS_DE[end.weekday()]
        steps.append(Step("no_shift_kind", end, None, reason))
    return DeadlineResult(
        kind=kind, counting=counting, land=land, period=period.text, start=start, end=end,
        unshifted_end=unshifted, shifted_because=tuple(reasons),
        notified_on=event_date if posted_on is not None else None, posted_on=posted_on,
        event_date=None if posted_on is not None else event_date, rule_refs=tuple(refs), steps=tuple(steps),
    )


def _end_from_event(event: date, period: Period) -> tuple[date, bool]:
    # § 188 Abs. 2 first case: the day whose number (or weekday) is the event's; days simply add up
    end = event
    capped = False
    if period.months:
        end = months_later(event, period.months)
        capped = end.day != event.day
    return end + timedelta(days=period.days), capped


def _end_from_first_day(first: date, period: Period) -> tuple[date, bool]:
    # § 188 Abs. 2 second case: the day before the one whose number is the first day's
    if not period.months:
        return first + timedelta(days=period.days - 1), False
    year, month = month_index(first, period.months)
    if first.day == 1:
        end, capped = date(year, month, 1) - timedelta(days=1), False
    else:
        last_day = calendar.monthrange(year, month)[1]
        end, capped = date(year, month, min(first.day - 1, last_day)), first.day - 1 > last_day
    return end + timedelta(days=period.days), capped


# --- the service -----------------------------------------------------------------------------------


@contextmanager
def reading_session(session: sa.orm.Session | None = None) -> Iterator[sa.orm.Session]:
    """The caller's session, else the running case's, else a read-only unit of work of our own.

    A script helper runs inside the step's transaction: opening a unit of work there would commit it.
    """
    if session is not None:
        yield session
        return
    case = current_case()
    if case is not None and case.session is not None:
        yield case.session
        return
    with unit_of_work(write=False) as own:
        yield own


class LegalParameters(Protocol):
    """Where the notification fiction's days come from: casework.governance.legal's service, handed in
    by the facade (the calculator sits below the legal parameters and never imports them)."""

    def value(self, key: str, on: Any, land: str | None = None, *, session: sa.orm.Session | None = None) -> Any:
        ...


class DeadlineService:
    """The calculator with the database's part: municipal holidays and the notification fiction."""

    def __init__(self, legal: LegalParameters) -> None:
        self.legal = legal

    def compute(
        self,
        *,
        period: Any,
        land: Any,
        kind: Any = "deadline",
        event_date: Any = None,
        posted_on: Any = None,
        organisation_id: Any = None,
        counting: Any = None,
        session: sa.orm.Session | None = None,
    ) -> DeadlineResult:
        """Validate the raw inputs (strings from a form, JSON or a script) and calculate.

        Raises:
            ValidationFailed: every bad field named: an impossible date, both or neither of
                event_date/posted_on, a malformed period, an unknown Land, kind, counting or organisation.
        """
        given = _parse_inputs(event_date, posted_on, period, land, kind, counting, organisation_id)
        extra: dict[date, str] = {}
        event, days = given.event_date, None
        with ExitStack() as stack:
            # the organisation's holidays need the database; the pure engine tests have none
            if given.organisation_id is not None:
                session = stack.enter_context(reading_session(session))
                extra = self._overrides(session, given.organisation_id)
            if given.posted_on is not None:
                days = self.fiction_days(given.posted_on, session)
                event = _notified(given.posted_on, days)
        assert event is not None  # noqa: S101 - _parse_inputs demands one of the two dates
        try:
            return calculate(event_date=event, period=given.period, land=given.land, kind=given.kind,
                             counting=given.counting, extra_holidays=extra, posted_on=given.posted_on,
                             fiction_days=days)
        except ValueError:
            raise ValidationFailed("Die Frist endet außerhalb des Kalenders.",
                                   {"period": "Das Ende läge nach dem Jahr 9999."}) from None

    def fiction_days(self, posted_on: date, session: sa.orm.Session | None = None) -> int:
        """Days of the § 37 Abs. 2 SGB X fiction for a letter posted that day (a legal parameter).

        Raises:
            ValidationFailed: no version of the parameter covers that day (field ``posted_on``).
        """
        try:
            value = self.legal.value(FICTION_KEY, posted_on, session=session)
        except NotFound as exc:
            raise ValidationFailed(exc.message, {"posted_on": exc.message}) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"legal parameter {FICTION_KEY} must be a whole number, got {value!r}")
        return value

    def notified_on(self, posted_on: Any, session: sa.orm.Session | None = None) -> date:
        """The day a letter posted on ``posted_on`` is deemed received.

        Raises:
            ValidationFailed: an impossible or malformed date (field ``posted_on``).
        """
        fields: dict[str, str] = {}
        posted = parse_field(fields, "posted_on", parse_date, posted_on)
        if posted is None:
            raise ValidationFailed("Das Datum ist ungültig.", fields)
        return _notified(posted, self.fiction_days(posted, session))

    @staticmethod
    def _overrides(session: sa.orm.Session, organisation_id: int) -> dict[date, str]:
        if session.get(Organisation, organisation_id) is None:
            raise ValidationFailed("Die Eingaben zur Fristberechnung sind ungültig.",
                                   {"organisation": "Unbekannte Organisation."})
        rows = session.execute(
            sa.select(HolidayOverride.day, HolidayOverride.name).where(
                HolidayOverride.organisation_id == organisation_id
            )
        ).all()
        return {row.day: row.name for row in rows}

    # --- script helpers ---

    def script_helpers(self) -> dict[str, Callable[..., Any]]:
        """``deadline(...)`` and ``notified_on(...)`` for BPMN scripts; dates in and out as ISO strings."""

        def deadline(event_date: Any, period: Any, land: Any, kind: Any = "deadline",
                     counting: Any = None, organisation: Any = None) -> str:
            """The end of a period from an event by BGB §§ 187-193, e.g. deadline(d, "P1M", "NW")."""
            try:
                result = self.compute(event_date=_iso(event_date), period=period, land=land, kind=kind,
                                      counting=counting, organisation_id=organisation)
            except ValidationFailed as exc:
                raise ValueError(f"deadline: {_describe(exc)}") from None
            return result.end.isoformat()

        def notified_on(posted_on: Any) -> str:
            """The day a letter posted that day is deemed received (§ 37 Abs. 2 SGB X)."""
            try:
                return self.notified_on(_iso(posted_on)).isoformat()
            except (ValidationFailed, NotFound) as exc:
                raise ValueError(f"notified_on: {_describe(exc)}") from None

        return {"deadline": deadline, "notified_on": notified_on}


@dataclass(frozen=True)
class _Inputs:
    event_date: date | None
    posted_on: date | None
    period: Period
    land: str
    kind: str
    counting: str | None
    organisation_id: int | None


def _parse_inputs(event_date: Any, posted_on: Any, period: Any, land: Any, kind: Any, counting: Any,
                  organisation_id: Any) -> _Inputs:
    """Every raw input checked; all bad fields are reported at once (ValidationFailed)."""
    fields: dict[str, str] = {}
    dates = {name: parse_field(fields, name, parse_date, value)
             for name, value in (("event_date", event_date), ("posted_on", posted_on)) if value not in (None, "")}
    if not dates and not fields:
        fields["event_date"] = "Ereignisdatum oder Datum der Aufgabe zur Post angeben."
    if {"event_date", "posted_on"} <= set(dates) | set(fields):
        fields["posted_on"] = "Entweder Ereignisdatum oder Datum der Aufgabe zur Post angeben, nicht beides."
    parsed_period = parse_field(fields, "period", Period.parse, period)
    parsed_land = parse_field(fields, "land", check_land, land)
    if kind not in KINDS:
        fields["kind"] = f"{'Pflichtfeld' if kind in (None, '') else 'Unbekannte Art'}; erlaubt: {', '.join(KINDS)}."
    if counting not in (None, "", *COUNTINGS):
        fields["counting"] = f"Unbekannte Zählweise; erlaubt: {', '.join(COUNTINGS)}."
    org_id = organisation_id_of(fields, organisation_id)
    if fields:
        raise ValidationFailed("Die Eingaben zur Fristberechnung sind ungültig.", fields)
    return _Inputs(dates.get("event_date"), dates.get("posted_on"), parsed_period, parsed_land, kind,
                   counting or None, org_id)


def _notified(posted_on: date, days: int) -> date:
    try:
        return notification_day(posted_on, days)
    except ValueError:
        raise ValidationFailed("Das Datum ist ungültig.", {"posted_on": "Der Tag läge nach dem Jahr 9999."}) from None


def _iso(value: Any) -> Any:
    # scripts may pass a date object; the strict parser only accepts exact ISO strings otherwise
    return value.isoformat() if isinstance(value, date) and not hasattr(value, "hour") else value


def _describe(exc: ValidationFailed | NotFound) -> str:
    fields = getattr(exc, "fields", None)
    if fields:
        return "; ".join(f"{name}: {message}" for name, message in fields.items())
    return exc.message


def parse_field(fields: dict[str, str], name: str, parse: Callable[[Any], Any], value: Any) -> Any:
    """``parse(value)``, or None with the error (in German) recorded under ``name``."""
    if value is None or value == "":
        fields[name] = "Pflichtfeld."
        return None
    try:
        return parse(value)
    except ValueError as exc:
        fields[name] = _german(str(exc))
        return None


def _german(message: str) -> str:
    # the pure functions speak English to process designers; forms and the API answer in German
    if message.startswith("the date "):
        return f"Den Tag {message.split()[2]} gibt es nicht."
    if message.startswith("expected a date"):
        return "Datum im Format JJJJ-MM-TT erwartet."
    if message.startswith("expected an ISO 8601 period"):
        return "Zeitraum nach ISO 8601 erwartet, z. B. P14D, P2W, P1M, P1Y6M."
    if message.startswith("the period must"):
        return "Der Zeitraum muss mindestens einen Tag lang sein."
    if message.startswith("unknown Land"):
        return f"Unbekanntes Land; erlaubt: {', '.join(LAENDER)}."
    return message


def organisation_id_of(fields: dict[str, str], value: Any) -> int | None:
    """An organisation id from JSON or a form (int or digits), else None with the error recorded."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value) < 10:
        return int(value.strip())
    fields["organisation"] = "Kennung einer Organisation erwartet."
    return None
