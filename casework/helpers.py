"""Domain functions offered to BPMN scripts and ``${...}`` expressions (deadlines, notifications).

Dates travel through task data as ISO strings ("YYYY-MM-DD") because task data is stored as JSON;
every helper accepts such a string (or a ``date``) and returns a string, so scripts can chain them:
``add_working_days(today(), 10, land)``. The deadline rules are those of DOMAIN.md §3 (BGB §§ 187,
188, 193). Each helper checks its arguments and raises ``ValueError`` with a message a process
designer can act on, which the engine reports as the script task's error.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from casework.clock import Clock
from casework.context import current_case, running_case

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The subdivisions the holidays package knows for Germany: the 16 Länder (and Augsburg).
_LAENDER: tuple[str, ...] = tuple(holidays.list_supported_countries()["DE"])


def collect_effects() -> AbstractContextManager[list[dict[str, Any]]]:
    """Collect the effects scripts produce inside the block, for no case in particular (tests, dry runs)."""
    return running_case()


def parse_date(value: Any) -> date:
    """A strict ISO date: "2011-11-31" is an error, never silently December 1st."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError(f"expected a date as 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"the date {value.strip()} does not exist") from None


def _count(value: Any, what: str = "n") -> int:
    # bool is an int subclass; add_days(d, True) is almost certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return value


def months_later(start: date, months: int) -> date:
    """§ 188 Abs. 2/3 BGB: the day with the same number, or the month's last day if it has none."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("the resulting date is out of range")
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


@lru_cache(maxsize=256)
def _holidays_of(land: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DE", subdiv=land, years=year).keys())


def _check_land(land: Any) -> str:
    if not isinstance(land, str) or land not in _LAENDER:
        known = ", ".join(_LAENDER)
        raise ValueError(f"unknown Land {land!r}; expected one of {known}")
    return land


def is_working_day(day: date, land: str) -> bool:
    """Not a Saturday, Sunday or public holiday of the Land (§ 193 BGB, § 26 Abs. 3 SGB X)."""
    return day.weekday() < 5 and day not in _holidays_of(land, day.year)


def working_days_later(start: date, count: int, land: str) -> date:
    """``count`` working days after ``start`` (before it if negative); 0 rolls forward to a working day."""
    _check_land(land)
    day = start
    if count == 0:
        while not is_working_day(day, land):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if count > 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day, land):
            remaining -= 1
    return day


def build_helpers(clock: Clock) -> dict[str, Callable[..., Any]]:
    """The functions BPMN scripts may call, bound to the injected clock."""

    def today() -> str:
        """Today's date in Germany (Europe/Berlin), as 'YYYY-MM-DD'."""
        return clock.today().isoformat()

    def add_days(d: Any, n: Any) -> str:
        """Calendar days later (earlier if n < 0)."""
        return (parse_date(d) + timedelta(days=_count(n))).isoformat()

    def add_months(d: Any, n: Any) -> str:
        """Months later by § 188 BGB: 2025-01-31 + 1 month = 2025-02-28."""
        return months_later(parse_date(d), _count(n)).isoformat()

    def add_years(d: Any, n: Any) -> str:
        """Years later by § 188 BGB: 2024-02-29 + 1 year = 2025-02-28."""
        return months_later(parse_date(d), 12 * _count(n)).isoformat()

    def add_working_days(d: Any, n: Any, land: Any) -> str:
        """Working days later, skipping weekends and the public holidays of the Land (e.g. 'NW')."""
        return working_days_later(parse_date(d), _count(n), _check_land(land)).isoformat()

    def days_between(a: Any, b: Any) -> int:
        """Days from a to b (negative if b is earlier)."""
        return (parse_date(b) - parse_date(a)).days

    def notify(recipients: Any, subject: Any, text: Any) -> None:
        """Queue a notification; the service delivers it once the engine call has committed."""
        names = [recipients] if isinstance(recipients, str) else recipients
        if not isinstance(names, (list, tuple)) or not names:
            raise ValueError("notify: recipients must be a user name or a non-empty list of user names")
        if not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError(f"notify: every recipient must be a non-empty user name, got {recipients!r}")
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError("notify: subject must be a non-empty text")
        if not isinstance(text, str):
            raise ValueError("notify: text must be a text")
        case = current_case()
        if case is not None:  # outside an engine call (e.g. a dry run) nothing is sent
            case.effects.append(
                {"type": "notify", "recipients": [n.strip() for n in names], "subject": subject, "text": text}
            )

    def parse_date_helper(s: Any) -> str:
        """Check and normalise a date; raises a clear error for impossible dates like 2011-11-31."""
        return parse_date(s).isoformat()

    return {
        "today": today,
        "add_days": add_days,
        "add_months": add_months,
        "add_years": add_years,
        "add_working_days": add_working_days,
        "days_between": days_between,
        "parse_date": parse_date_helper,
        "notify": notify,
    }
