"""Turning a ``camunda:dueDate`` value into an aware datetime.

A due date may be an ISO date (due at the end of that German calendar day), an ISO datetime, or an
ISO 8601 duration counted from the task's creation. Kept apart from the runner so deploy-time lint
can check literal values with the very same rules.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from casework.clock import LEGAL_TZ
from casework.helpers import months_later

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
