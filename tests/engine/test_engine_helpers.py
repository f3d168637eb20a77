"""Script helpers: § 188 BGB month arithmetic, working days per Land, notifications via contextvar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from casework.clock import FrozenClock
from casework.helpers import build_helpers, collect_effects

Helpers = dict[str, Callable[..., Any]]


@pytest.fixture
def h(fixed_clock: FrozenClock) -> Helpers:
    return build_helpers(fixed_clock)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2025-11-30", 3, "2026-02-28"),  # DOMAIN.md §5: a Saturday, a period, no shift
        ("2025-03-31", -1, "2025-02-28"),
        ("2025-08-31", 1, "2025-09-30"),
        ("2025-12-15", 1, "2026-01-15"),
        ("2026-01-01", 30, "2028-07-01"),  # 2½ years of rotation
    ],
)
def test_add_months_follows_section_188(h: Helpers, start: str, months: int, expected: str) -> None:
    assert h["add_months"](start, months) == expected


def test_add_years_and_days(h: Helpers) -> None:
    assert h["add_years"]("2024-02-29", 1) == "2025-02-28"
    assert h["add_years"]("2024-02-29", 4) == "2028-02-29"
    assert h["add_years"]("2026-03-01", 5) == "2031-03-01"
    assert h["add_days"]("2025-12-31", 1) == "2026-01-01"
    assert h["add_days"]("2024-03-01", -1) == "2024-02-29"
    assert h["days_between"]("2025-01-01", "2025-12-31") == 364
    assert h["days_between"]("2025-03-01", "2025-02-01") == -28


@pytest.mark.parametrize(
    ("start", "n", "land", "expected"),
    [
        ("2025-06-18", 1, "NW", "2025-06-20"),  # Fronleichnam 2025-06-19 is a holiday in NW
        ("2025-06-18", 1, "NI", "2025-06-19"),  # ... but not in Lower Saxony
        ("2025-06-19", 0, "NW", "2025-06-20"),  # 0 rolls a deadline forward (§ 193 BGB)
        ("2025-06-19", 0, "NI", "2025-06-19"),
        ("2025-07-06", 0, "NW", "2025-07-07"),  # DOMAIN.md §5: Sunday moves to Monday
        ("2025-06-06", 1, "NW", "2025-06-10"),  # Whit Monday 2025-06-09
        ("2025-06-02", 10, "NW", "2025-06-17"),
        ("2025-12-23", 3, "NW", "2025-12-30"),  # Christmas holidays and a weekend
        ("2025-06-20", -1, "NW", "2025-06-18"),
    ],
)
def test_add_working_days_skips_weekends_and_holidays_of_the_land(
    h: Helpers, start: str, n: int, land: str, expected: str
) -> None:
    assert h["add_working_days"](start, n, land) == expected


def test_today_is_the_german_calendar_day() -> None:
    late_evening_utc = FrozenClock(datetime(2025, 6, 1, 22, 30, tzinfo=UTC))
    assert build_helpers(late_evening_utc)["today"]() == "2025-06-02"


@pytest.mark.parametrize(
    ("name", "args", "fragment"),
    [
        ("add_days", ("2011-11-31", 1), "2011-11-31 does not exist"),
        ("add_months", ("31.12.2011", 1), "'YYYY-MM-DD'"),
        ("add_months", ("2025-01-31", 1.5), "whole number"),
        ("add_days", ("2025-01-31", True), "whole number"),
        ("add_working_days", ("2025-06-18", 1, "XX"), "unknown Land 'XX'"),
        ("parse_date", (20250101,), "'YYYY-MM-DD'"),
        ("notify", ([], "Betreff", "Text"), "recipients"),
        ("notify", (["gf", ""], "Betreff", "Text"), "recipient"),
        ("notify", ("gf", "", "Text"), "subject"),
    ],
)
def test_helpers_reject_bad_input_with_a_clear_message(
    h: Helpers, name: str, args: tuple[Any, ...], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        h[name](*args)


def test_parse_date_normalises(h: Helpers) -> None:
    assert h["parse_date"](" 2011-12-31 ") == "2011-12-31"


def test_notify_collects_only_inside_a_collector(h: Helpers) -> None:
    h["notify"]("gf", "Ohne Sammler", "geht verloren")  # no collector: a no-op, no error
    with collect_effects() as outer:
        h["notify"](["mitarbeiterin", " gf "], "Betreff", "Text")
        with collect_effects() as inner:
            h["notify"]("gf", "Innen", "")
        h["notify"]("gf", "Wieder außen", "")
    assert [e["subject"] for e in outer] == ["Betreff", "Wieder außen"]
    assert outer[0] == {
        "type": "notify",
        "recipients": ["mitarbeiterin", "gf"],
        "subject": "Betreff",
        "text": "Text",
    }
    assert [e["subject"] for e in inner] == ["Innen"]
