"""Quartz cron expressions (Camunda 7's ``timeCycle`` such as ``0 0 8 ? * MON-FRI``) as timer cycles.

Fields: seconds, minutes, hours, day of month, month, day of week (1 = Sunday, or SUN-SAT), and an
optional year; each ``*``, ``?``, a number or name, a range ``a-b``, a step ``a/n`` or ``a-b/n``, or
a comma list of these. Quartz's ``L``, ``W`` and ``#`` are refused at deploy. Times are German
wall-clock time, as everywhere in Fallwerk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_DAYS = {d: i + 1 for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
# (name, lowest, highest, names)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("seconds", 0, 59, {}),
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 1, 7, _DAYS),
    ("year", 1970, 2199, {}),
)
_SEARCH_DAYS = 366 * 5


class CronError(ValueError):
    """Not a Quartz cron expression Fallwerk runs; the message names the field."""


@dataclass(frozen=True)
class Cron:
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # Quartz numbering: 1 = Sunday
    years: frozenset[int]
    any_day: bool  # day of month '?' or '*': the weekday decides
    any_weekday: bool

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        weekday = day.isoweekday() % 7 + 1  # Monday 1 → 2, Sunday 7 → 1
        if self.any_day:
            return weekday in self.weekdays
        if self.any_weekday:
            return day.day in self.days
        return day.day in self.days and weekday in self.weekdays

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing strictly after ``moment`` (UTC), or None within five years."""
        local = moment.astimezone(BERLIN)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self._day_matches(day):
                continue
            for hour in self.hours:
                for minute in self.minutes:
                    for second in self.seconds:
                        candidate = datetime.combine(day, time(hour, minute, second), BERLIN)
                        if candidate > moment:
                            return candidate.astimezone(UTC)
        return None


_CRON_SHAPE = re.compile(r"^\s*\S+(\s+\S+){5,6}\s*$")


def looks_like_cron(text: str) -> bool:
    """Six or seven space-separated fields: what a Camunda ``timeCycle`` holds when it is cron."""
    return bool(_CRON_SHAPE.match(text)) and not text.strip().upper().startswith(("R", "P"))


def _value(token: str, field: tuple[str, int, int, dict[str, int]]) -> int:
    name, low, high, names = field
    if token.upper() in names:
        return names[token.upper()]
    if not token.isdigit() or not low <= int(token) <= high:
        raise CronError(f"{name}: '{token}' is not a value from {low} to {high}")
    return int(token)


def _part(part: str, field: tuple[str, int, int, dict[str, int]]) -> set[int]:
    name, low, high, _names = field
    if any(mark in part.upper() for mark in ("L", "W", "#")) and part.upper() not in field[3]:
        raise CronError(f"{name}: Quartz's 'L', 'W' and '#' are not supported ('{part}')")
    span, _, step_text = part.partition("/")
    step = _value(step_text, (name, 1, high, {})) if step_text else 1
    if span in ("*", "?"):
        start, end = low, high
    elif "-" in span:
        first, last = span.split("-", 1)
        start, end = _value(first, field), _value(last, field)
    else:
        start = _value(span, field)
        end = high if step_text else start
    if start > end:
        raise CronError(f"{name}: the range '{span}' runs backwards")
    return set(range(start, end + 1, step))


def parse_cron(text: str) -> Cron:
    """Parse a Quartz cron expression.

    Raises:
        CronError: the expression is malformed or uses what is not supported.
    """
    fields = text.split()
    if len(fields) not in (6, 7):
        raise CronError(f"a Quartz cron expression has 6 or 7 fields, '{text}' has {len(fields)}")
    if len(fields) == 6:
        fields.append("*")
    values = [set().union(*(_part(p, spec) for p in raw.split(","))) for raw, spec in zip(fields, _FIELDS, strict=True)]
    if fields[3] != "?" and fields[5] != "?":
        raise CronError("day of month or day of week must be '?' (Quartz needs one of them open)")
    return Cron(tuple(sorted(values[0])), tuple(sorted(values[1])), tuple(sorted(values[2])),
                frozenset(values[3]), frozenset(values[4]), frozenset(values[5]), frozenset(values[6]),
                fields[3] == "?", fields[5] == "?")


# --- the timer event ------------------------------------------------------------------------

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer  # noqa: E402

CRON_PREFIX = "cron:"


class CronCycleTimerEventDefinition(_spiff_timer.CycleTimerEventDefinition):  # type: ignore[misc]
    """A ``timeCycle`` whose value is ``cron:<Quartz expression>`` (translated at deploy): fires at each
    cron time, without end. The event value keeps SpiffWorkflow's cycle shape (``cycles`` counting
    down from -1, ``next``, ``duration`` the last gap), so the timer rows and catch-up work unchanged.
    """

    def cycle_complete(self, my_task: object) -> bool:
        value = my_task._get_internal_data("event_value")  # type: ignore[attr-defined]
        # the module's datetime is the engine clock (timing.install_engine_clock)
        now = _spiff_timer.datetime.now(UTC)
        if value is None:
            text = my_task.workflow.script_engine.evaluate(my_task, self.expression)  # type: ignore[attr-defined]
            cron = str(text)[len(CRON_PREFIX):]
            first = parse_cron(cron).next_after(now)
            value = {"cycles": -1 if first else 0, "next": (first or now).isoformat(), "duration": 0.0, "cron": cron}
        ready = False
        if value["cycles"] != 0 and datetime.fromisoformat(value["next"]) < now:
            due = datetime.fromisoformat(value["next"])
            following = parse_cron(value["cron"]).next_after(due)
            value["cycles"] = value["cycles"] - 1 if following else 0
            value["duration"] = (following - due).total_seconds() if following else 0.0
            value["next"] = (following or due).isoformat()
            ready = True
        my_task._set_internal_data(event_value=value)  # type: ignore[attr-defined]
        return ready


def use_cron_timers(specs: list[object]) -> None:
    """Give the cycle timers whose translated value is a cron expression their cron behaviour."""
    for spec in specs:
        for task_spec in spec.task_specs.values():  # type: ignore[attr-defined]
            definition = getattr(task_spec, "event_definition", None)
            if (isinstance(definition, _spiff_timer.CycleTimerEventDefinition)
                    and str(definition.expression or "").strip().strip("'\"").startswith(CRON_PREFIX)):
                definition.__class__ = CronCycleTimerEventDefinition
