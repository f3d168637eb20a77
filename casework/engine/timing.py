"""Turning a ``camunda:dueDate`` value into an aware datetime.

A due date may be an ISO date (due at the end of that German calendar day), an ISO datetime, or an
ISO 8601 duration counted from the task's creation. Kept apart from the runner so deploy-time lint
can check literal values with the very same rules.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from casework.clock import LEGAL_TZ
from casework.dates import months_later

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_END_OF_DAY = time(23, 59, 59)


def add_duration(start: datetime, text: str) -> datetime | None:
    """``start`` plus an ISO 8601 duration such as ``P10D`` or ``P1M``; None if ``text`` is not one.

    Months and years follow § 188 BGB (same day number, else the month's last day).
    """
    match = _DURATION.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT"):
        return None
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    months = int(parts["years"]) * 12 + int(parts["months"])
    shifted = start
    if months:
        local = start.astimezone(LEGAL_TZ) if start.tzinfo else start
        moved = months_later(local.date(), months)
        shifted = local.replace(year=moved.year, month=moved.month, day=moved.day)
    return shifted + timedelta(
        weeks=parts["weeks"],
        days=parts["days"],
        hours=parts["hours"],
        minutes=parts["minutes"],
        seconds=parts["seconds"],
    )


def _aware(moment: datetime) -> datetime:
    # A datetime without zone is meant as German local time, like every date in this domain.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LEGAL_TZ)
    return moment.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """23:59:59 Europe/Berlin on that day, in UTC."""
    return _aware(datetime.combine(day, _END_OF_DAY))


def resolve_due(value: Any, now: datetime) -> datetime | None:
    """The due instant (UTC) for a dueDate value, relative to ``now`` for durations.

    Raises:
        ValueError: the value is neither a date, a datetime nor an ISO 8601 duration.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return end_of_day(value)
    if not isinstance(value, str):
        raise ValueError(f"a due date must be a date, datetime or ISO 8601 duration, got {value!r}")
    text = value.strip()
    if _DATE.match(text):
        try:
            return end_of_day(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"the date {text} does not exist") from None
    if text.upper().startswith("P"):
        moved = add_duration(_aware(now), text)
        if moved is None:
            raise ValueError(f"'{text}' is not an ISO 8601 duration (e.g. P10D, PT12H, P1M)")
        return moved.astimezone(UTC)
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO date (2025-06-30), datetime (2025-06-30T12:00:00+02:00) "
            "or duration (P10D)"
        ) from None


# --- the engine's clock ---------------------------------------------------------------------
#
# SpiffWorkflow computes and checks timer due times with ``datetime.now(timezone.utc)`` inside
# ``SpiffWorkflow.bpmn.specs.event_definitions.timer`` and offers no way to pass a time in (guide
# §3). So that module's global ``datetime`` is replaced, once, by a subclass whose ``now()`` asks the
# clock the Engine put in a context variable around its call. A context variable, not a global, so
# two threads (or two Casework objects with different clocks, as in the scheduler tests) never see
# each other's time; outside an Engine call the wall clock is used, as before.

_ENGINE_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("fallwerk_engine_clock", default=None)
# Fristablauf: a bare date means the end of that German calendar day, like a task's dueDate
_NEXT_DAY = timedelta(days=1)


class _EngineDatetime(datetime):
    """``datetime`` as SpiffWorkflow's timer module sees it: the app's clock, German local dates.

    Every result is an instance of this class, because that module tests ``isinstance(x, datetime)``.
    """

    @classmethod
    def _of(cls, moment: datetime) -> _EngineDatetime:
        return cls(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                   moment.microsecond, tzinfo=moment.tzinfo, fold=moment.fold)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _EngineDatetime:
        source = _ENGINE_CLOCK.get()
        moment = source() if source is not None else datetime.now(UTC)
        return cls._of(moment.astimezone(tz) if tz is not None else moment.astimezone(LEGAL_TZ).replace(tzinfo=None))

    @classmethod
    def fromisoformat(cls, text: str) -> _EngineDatetime:
        # A helper such as deadline() gives "2026-12-10": the timer fires when that day has ended
        # in Germany (00:00 of the next day), never a day early because the server runs in UTC.
        if isinstance(text, str) and _DATE.match(text.strip()):
            day = date.fromisoformat(text.strip())
            return cls._of(datetime.combine(day + _NEXT_DAY, time(0, 0), LEGAL_TZ))
        moment = datetime.fromisoformat(text)
        # SpiffWorkflow reads a naive datetime in the server's zone; ours are German local time
        return cls._of(moment.replace(tzinfo=LEGAL_TZ) if moment.tzinfo is None else moment)


_installed = threading.Lock()


def _calendar_timedelta(parsed: dict[str, float], start: datetime | None = None) -> timedelta:
    """How long an ISO 8601 duration lasts from ``start`` (default: the engine's now), as for a dueDate.

    SpiffWorkflow adds the lengths of the months passed (P1M from 31 January ends on 3 March) and
    counts days as 24 hours; a legal month ends on the same day number or the month's last day
    (§ 188 BGB), and "ten days" ends at the same wall-clock time in Germany across a DST change
    (hours stay elapsed hours).
    """
    start = start or _EngineDatetime.now(UTC)
    fields = dict(parsed)
    months = fields.pop("years", 0) * 12 + fields.pop("months", 0)
    if months != int(months):
        return _SPIFF_TIMEDELTA(parsed, start)  # a fractional month has no calendar meaning
    local = start.astimezone(LEGAL_TZ)
    day = months_later(local.date(), int(months)) if months else local.date()
    # aware arithmetic within one zone object is wall-clock arithmetic: 09:00 stays 09:00 for
    # calendar units; hours, minutes and seconds are elapsed time
    calendar = timedelta(weeks=fields.get("weeks", 0), days=fields.get("days", 0))
    clock = timedelta(hours=fields.get("hours", 0), minutes=fields.get("minutes", 0),
                      seconds=fields.get("seconds", 0))
    end = (datetime.combine(day, local.timetz()) + calendar).astimezone(UTC) + clock
    return end - start.astimezone(UTC)


_SPIFF_TIMEDELTA: Callable[..., timedelta]


def install_engine_clock() -> None:
    """Replace the timer module's ``datetime`` and month arithmetic (idempotent, safe from every Engine)."""
    global _SPIFF_TIMEDELTA
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    with _installed:
        if timer.datetime is not _EngineDatetime:
            _SPIFF_TIMEDELTA = timer.TimerEventDefinition.get_timedelta_from_start
            timer.datetime = _EngineDatetime
            timer.TimerEventDefinition.get_timedelta_from_start = staticmethod(_calendar_timedelta)


@contextmanager
def engine_time(now: Callable[[], datetime]) -> Iterator[None]:
    """Let SpiffWorkflow's timers read ``now()`` for the length of the block (this thread/context only)."""
    token = _ENGINE_CLOCK.set(now)
    try:
        yield
    finally:
        _ENGINE_CLOCK.reset(token)


_TIMER_EXAMPLES = {
    "timeDuration": 'a duration such as "P10D" or "PT12H"',
    "timeDate": 'a date "2026-12-31" or datetime "2026-12-31T12:00:00+01:00"',
    "timeCycle": 'a cycle such as "R3/PT1H" or "R/2026-12-01T08:00:00+01:00/P1D"',
}


def timer_value_problem(element: str, value: Any) -> str | None:
    """Why ``value`` cannot be the result of a ``timeDuration``/``timeDate``/``timeCycle`` body; None if it can.

    Uses SpiffWorkflow's own parsers, so deploy accepts exactly what the engine will understand.
    """
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Spiff

    expected = _TIMER_EXAMPLES.get(element, "an ISO 8601 value")
    if not isinstance(value, str) or not value.strip():
        return f"{value!r} is not an ISO 8601 value: write {expected}, in quotes"
    text = value.strip()
    try:
        if element == "timeDuration":
            ok = text.upper().startswith("P") and bool(Spiff.parse_iso_duration(text))
        elif element == "timeDate":
            ok = not text.upper().startswith("P") and isinstance(Spiff.get_datetime(text), datetime)
        else:
            ok = text.upper().startswith("R") and len(text.split("/")) in (2, 3)
            with engine_time(lambda: datetime.now(UTC)):
                Spiff.parse_iso_recurring_interval(text)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception, ValueError, AttributeError
        ok = False
    return None if ok else f"'{text}' is not an ISO 8601 {element[4:].lower()}: write {expected}"
