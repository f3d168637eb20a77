"""Calendar rules without a database: strict ISO dates, ISO periods, the Länder and their public
holidays, § 188 BGB month arithmetic and working days.

The bottom of the house: the engine (due dates, timers), the cases (a Land of a party), the deadline
calculator, reminders and the governance helpers all count days with these functions. Imports only
the standard library and the ``holidays`` package.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import holidays

# The subdivisions the holidays package knows for Germany: the 16 Länder and the city of Augsburg.
LAENDER: tuple[str, ...] = tuple(holidays.list_supported_countries()["DE"])
LAND_NAMES = {
    "BB": "Brandenburg", "BE": "Berlin", "BW": "Baden-Württemberg", "BY": "Bayern", "HB": "Bremen",
    "HE": "Hessen", "HH": "Hamburg", "MV": "Mecklenburg-Vorpommern", "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz", "SH": "Schleswig-Holstein", "SL": "Saarland",
    "SN": "Sachsen", "ST": "Sachsen-Anhalt", "TH": "Thüringen", "Augsburg": "Augsburg (Stadt, Bayern)",
}
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 8601 durations in whole days or more; a time part (PT12H) has no meaning for a Frist.
_PERIOD = re.compile(r"^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?$")


# --- parsing ---------------------------------------------------------------------------------------


def parse_date(value: Any) -> date:
    """A strict ISO date: "2011-11-31" is an error, never silently December 1st.

    Raises:
        ValueError: not 'YYYY-MM-DD', or no such day.
    """
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError(f"expected a date as 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"the date {value.strip()} does not exist") from None


@dataclass(frozen=True)
class Period:
    """An ISO 8601 duration split into the parts the BGB counts differently."""

    text: str
    months: int  # years are counted as 12 months (§ 188 Abs. 2 treats both alike)
    days: int  # weeks are counted as 7 days
    weeks: int = 0  # only to name the rule: weeks end by weekday (§ 188 Abs. 2), days by count (Abs. 1)

    @classmethod
    def parse(cls, value: Any) -> Period:
        """Raises ValueError for anything but PnYnMnWnD with at least one day in total.

        Combined periods (P1Y6M2W3D) count whole months first (§ 188 Abs. 2), then the days.
        """
        text = value.strip().upper() if isinstance(value, str) else ""
        match = _PERIOD.match(text)
        if not match:
            raise ValueError(f"expected an ISO 8601 period like P14D, P2W, P1M or P1Y6M, got {value!r}")
        years, months, weeks, days = (int(g or 0) for g in match.groups())
        period = cls(text, 12 * years + months, 7 * weeks + days, weeks)
        if period.months == 0 and period.days == 0:
            raise ValueError("the period must be at least one day long")
        return period


def check_land(land: Any) -> str:
    """Raises ValueError unless ``land`` is a subdivision code of the holidays package ('NW', ...)."""
    if not isinstance(land, str) or land.strip() not in LAENDER:
        raise ValueError(f"unknown Land {land!r}; expected one of {', '.join(LAENDER)}")
    return land.strip()


# --- calendar --------------------------------------------------------------------------------------


def months_later(start: date, months: int) -> date:
    """§ 188 Abs. 2/3 BGB: the day with the same number, or the month's last day if it has none."""
    year, month = month_index(start, months)
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def month_index(start: date, months: int) -> tuple[int, int]:
    """(year, month) ``months`` after ``start``'s month; raises ValueError outside years 1..9999."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("the resulting date is out of range")
    return year, month0 + 1


@lru_cache(maxsize=512)
def land_holidays(land: str, year: int) -> Mapping[date, str]:
    """The public holidays of a Land in one year, with their German names."""
    found = holidays.country_holidays("DE", subdiv=land, years=year, language="de")
    return MappingProxyType(dict(found.items()))


def holiday_name(day: date, land: str, extra: Mapping[date, str] = MappingProxyType({})) -> str | None:
    """The holiday's name if ``day`` is one in the Land or among the organisation's ``extra`` days."""
    return land_holidays(land, day.year).get(day) or extra.get(day)


def is_working_day(day: date, land: str, extra: Mapping[date, str] = MappingProxyType({})) -> bool:
    """Not a Saturday, Sunday or public holiday of the Land (§ 193 BGB, § 26 Abs. 3 SGB X)."""
    return day.weekday() < 5 and holiday_name(day, land, extra) is None


def working_days_later(start: date, count: int, land: str) -> date:
    """``count`` working days after ``start`` (before it if negative); 0 rolls forward to a working day."""
    check_land(land)
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
