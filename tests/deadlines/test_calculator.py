"""The pure calculator: BGB §§ 187, 188, 193 by kind, month ends, leap years, every Land's holidays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from casework.dates import Period
from casework.time.deadlines import calculate, notification_day


def calc(event: str, period: str, land: str = "NW", kind: str = "deadline", **kw: Any) -> Any:
    return calculate(event_date=date.fromisoformat(event), period=Period.parse(period), land=land, kind=kind, **kw)


def ending_on(day: str, land: str, kind: str = "deadline") -> Any:
    """A 14-day deadline whose unshifted end is ``day``."""
    event = (date.fromisoformat(day) - timedelta(days=14)).isoformat()
    return calc(event, "P14D", land, kind)


# --- DOMAIN.md §3 and §5 examples ------------------------------------------------------------------


def test_fronleichnam_moves_a_deadline_in_nw_but_not_in_ni() -> None:
    nw = calc("2025-05-19", "P1M", "NW")
    assert (nw.unshifted_end, nw.end, nw.shifted_because) == (date(2025, 6, 19), date(2025, 6, 20), ("Fronleichnam",))
    assert "§ 193 BGB" in nw.rule_refs and "§ 26 Abs. 3 SGB X" in nw.rule_refs
    ni = calc("2025-05-19", "P1M", "NI")
    assert (ni.end, ni.shifted_because) == (date(2025, 6, 19), ())
    assert "§ 193 BGB" not in ni.rule_refs


def test_one_month_after_notification_ends_sunday_and_moves_to_monday() -> None:
    result = calc("2025-06-06", "P1M", posted_on=date(2025, 6, 2), fiction_days=4)
    assert result.notified_on == date(2025, 6, 6)
    assert result.start == date(2025, 6, 7)
    assert (result.unshifted_end, result.end, result.shifted_because) == (
        date(2025, 7, 6), date(2025, 7, 7), ("Sonntag",))
    assert result.rule_refs == ("§ 37 Abs. 2 SGB X", "§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB", "§ 193 BGB",
                                "§ 26 Abs. 3 SGB X")


@pytest.mark.parametrize("counting", [None, "event"])
def test_assignment_notice_period_ends_on_a_saturday_without_shift(counting: str | None) -> None:
    result = calc("2025-11-30", "P3M", kind="period", counting=counting)
    assert result.end == result.unshifted_end == date(2026, 2, 28)
    assert result.end.weekday() == 5
    assert result.shifted_because == ()


def test_one_month_from_31_january_is_28_february() -> None:
    result = calc("2025-01-31", "P1M")
    assert result.end == date(2025, 2, 28)
    assert "§ 188 Abs. 3 BGB" in result.rule_refs


@pytest.mark.parametrize(
    ("first_day", "period", "expected"),
    [
        ("2026-03-01", "P5Y", "2031-02-28"),  # the GF's term (§ 187 Abs. 2)
        ("2026-01-01", "P2Y6M", "2028-06-30"),  # rotation: 2½ years
        ("2024-03-01", "P1M", "2024-03-31"),
        ("2023-12-01", "P3M", "2024-02-29"),  # leap year
        ("2024-01-31", "P1M", "2024-02-29"),  # no "day before 31 February": the month's last day
        ("2025-03-15", "P1M", "2025-04-14"),
        ("2025-06-02", "P14D", "2025-06-15"),  # the first day counts
        ("2025-06-02", "P1W", "2025-06-08"),
        ("2025-01-01", "P1Y", "2025-12-31"),
    ],
)
def test_periods_count_their_first_day(first_day: str, period: str, expected: str) -> None:
    result = calc(first_day, period, kind="period")
    assert result.start == date.fromisoformat(first_day)
    assert result.end.isoformat() == expected
    assert "§ 187 Abs. 2 BGB" in result.rule_refs


# --- § 188: month ends, leap years, weeks, days ----------------------------------------------------


@pytest.mark.parametrize(
    ("event", "period", "expected"),
    [
        ("2024-01-31", "P1M", "2024-02-29"),
        ("2025-03-31", "P1M", "2025-04-30"),
        ("2025-05-31", "P1M", "2025-06-30"),
        ("2025-08-31", "P1M", "2025-09-30"),
        ("2025-01-30", "P1M", "2025-02-28"),
        ("2025-04-30", "P1M", "2025-05-30"),  # 30 stays 30 in a 31-day month
        ("2023-11-30", "P3M", "2024-02-29"),
        ("2024-02-29", "P1Y", "2025-02-28"),
        ("2024-02-29", "P4Y", "2028-02-29"),
        ("2024-02-28", "P1Y", "2025-02-28"),
        ("2025-06-02", "P2W", "2025-06-16"),  # Monday to Monday
        ("2025-06-06", "P1W", "2025-06-13"),  # Friday to Friday
        ("2025-06-02", "P14D", "2025-06-16"),
        ("2025-01-15", "P1Y6M", "2026-07-15"),
        ("2025-01-31", "P1M3D", "2025-03-03"),  # months first, then days
    ],
)
def test_deadline_ends_by_section_188(event: str, period: str, expected: str) -> None:
    result = calc(event, period)
    assert result.unshifted_end.isoformat() == expected
    assert result.start == date.fromisoformat(event) + timedelta(days=1)  # § 187 Abs. 1


def test_leap_day_plus_one_year_cites_section_188_3_and_days_cite_188_1() -> None:
    assert "§ 188 Abs. 3 BGB" in calc("2024-02-29", "P1Y").rule_refs
    assert "§ 188 Abs. 3 BGB" not in calc("2024-02-29", "P4Y").rule_refs
    days = calc("2025-06-02", "P14D").rule_refs
    assert "§ 188 Abs. 1 BGB" in days and "§ 188 Abs. 2 BGB" not in days
    assert "§ 188 Abs. 2 BGB" in calc("2025-06-02", "P2W").rule_refs


def test_month_end_on_a_sunday_moves_to_monday() -> None:
    result = calc("2025-10-31", "P1M")
    assert (result.unshifted_end, result.end, result.shifted_because) == (
        date(2025, 11, 30), date(2025, 12, 1), ("Sonntag",))


# --- § 193: holidays of each Land -----------------------------------------------------------------


@pytest.mark.parametrize("land", ["NI", "SN", "HH", "HB", "SH", "BB", "MV", "ST", "TH"])
def test_reformationstag_moves_over_the_weekend_where_it_is_a_holiday(land: str) -> None:
    result = ending_on("2025-10-31", land)
    assert result.end == date(2025, 11, 3)
    assert result.shifted_because == ("Reformationstag", "Samstag", "Sonntag")


@pytest.mark.parametrize("land", ["NW", "BY", "BW", "HE", "RP", "SL", "BE"])
def test_reformationstag_is_a_working_day_elsewhere(land: str) -> None:
    assert ending_on("2025-10-31", land).end == date(2025, 10, 31)


@pytest.mark.parametrize(
    ("day", "holiday", "lands", "not_in", "expected"),
    [
        ("2024-11-01", "Allerheiligen", ["NW", "BY", "BW", "RP", "SL"], ["NI", "HE"], "2024-11-04"),
        ("2025-06-19", "Fronleichnam", ["BW", "BY", "HE", "NW", "RP", "SL"], ["NI", "BE", "HH"], "2025-06-20"),
        ("2025-11-19", "Buß- und Bettag", ["SN"], ["NW", "TH", "BY"], "2025-11-20"),
        ("2024-03-08", "Frauentag", ["BE", "MV"], ["NW", "BB"], "2024-03-11"),
        ("2024-09-20", "Weltkindertag", ["TH"], ["NW", "SN"], "2024-09-23"),
        ("2025-08-15", "Mariä Himmelfahrt", ["SL", "Augsburg"], ["NW", "BY"], "2025-08-18"),
        ("2025-01-06", "Heilige Drei Könige", ["BW", "BY", "ST"], ["NW", "SN"], "2025-01-07"),
        ("2025-08-08", "Augsburger Hohes Friedensfest", ["Augsburg"], ["BY"], "2025-08-11"),
        ("2025-10-03", "Tag der Deutschen Einheit", ["NW", "BE", "SN", "BY"], [], "2025-10-06"),
    ],
)
def test_land_holidays_move_deadlines_only_where_they_apply(
    day: str, holiday: str, lands: list[str], not_in: list[str], expected: str
) -> None:
    for land in lands:
        result = ending_on(day, land)
        assert result.end.isoformat() == expected, land
        assert result.shifted_because[0] == holiday, land
    for land in not_in:
        assert ending_on(day, land).end.isoformat() == day, land


def test_saturday_sunday_easter_monday_chain() -> None:
    nw = ending_on("2025-04-19", "NW")
    assert nw.end == date(2025, 4, 22)
    assert nw.shifted_because == ("Samstag", "Sonntag", "Ostermontag")
    # Brandenburg keeps Easter Sunday as a holiday of its own
    assert ending_on("2025-04-19", "BB").shifted_because == ("Samstag", "Ostersonntag", "Ostermontag")


def test_good_friday_to_tuesday_and_whit_monday() -> None:
    good_friday = ending_on("2025-04-18", "HE")
    assert good_friday.shifted_because == ("Karfreitag", "Samstag", "Sonntag", "Ostermontag")
    assert good_friday.end == date(2025, 4, 22)
    whitsun = ending_on("2025-06-07", "SH")
    assert (whitsun.end, whitsun.shifted_because) == (date(2025, 6, 10), ("Samstag", "Sonntag", "Pfingstmontag"))


def test_christmas_and_a_weekend_in_a_row() -> None:
    result = ending_on("2025-12-25", "NW")
    assert result.shifted_because == ("Erster Weihnachtstag", "Zweiter Weihnachtstag", "Samstag", "Sonntag")
    assert result.end == date(2025, 12, 29)


def test_new_year_moves_ten_days_from_22_december() -> None:
    result = calc("2025-12-22", "P10D", "BY")
    assert (result.unshifted_end, result.end, result.shifted_because) == (
        date(2026, 1, 1), date(2026, 1, 2), ("Neujahr",))


def test_extra_municipal_holidays_shift_like_land_holidays() -> None:
    extra = {date(2025, 8, 8): "Friedensfest (städtisch)"}
    result = calc("2025-07-25", "P14D", "BY", extra_holidays=extra)
    assert result.end == date(2025, 8, 11)
    assert result.shifted_because == ("Friedensfest (städtisch)", "Samstag", "Sonntag")
    assert calc("2025-07-25", "P14D", "BY").end == date(2025, 8, 8)


# --- kinds: the same inputs, three answers --------------------------------------------------------


def test_deadline_appointment_and_period_differ_on_the_same_inputs() -> None:
    deadline = calc("2025-06-06", "P1M", kind="deadline")
    appointment = calc("2025-06-06", "P1M", kind="appointment")
    period = calc("2025-06-06", "P1M", kind="period")
    assert (deadline.start, deadline.end) == (date(2025, 6, 7), date(2025, 7, 7))
    assert (appointment.start, appointment.end) == (date(2025, 6, 7), date(2025, 7, 6))  # a Sunday, kept
    assert (period.start, period.end) == (date(2025, 6, 6), date(2025, 7, 5))  # a Saturday, kept
    assert appointment.shifted_because == period.shifted_because == ()
    assert "§ 193 BGB" not in appointment.rule_refs + period.rule_refs


@pytest.mark.parametrize("kind", ["period", "appointment"])
def test_periods_and_appointments_never_shift_even_over_holidays(kind: str) -> None:
    result = ending_on("2025-06-19", "NW", kind) if kind == "appointment" else calc(
        "2025-06-06", "P14D", "NW", kind)
    assert result.end == result.unshifted_end
    assert any(s.code == "no_shift_kind" for s in result.steps)


def test_explanation_steps_name_each_rule() -> None:
    result = calc("2025-05-19", "P1M", "NW")
    assert [s.code for s in result.steps] == ["start", "end", "shift", "working_day"]
    assert result.steps[2].detail == "Fronleichnam"


# --- § 37 Abs. 2 SGB X ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "days", "expected"),
    [
        ("2025-06-02", 4, "2025-06-06"),
        ("2024-12-30", 3, "2025-01-02"),
        ("2025-01-01", 4, "2025-01-05"),  # a Sunday: the fiction day itself never moves
    ],
)
def test_notification_day_is_the_nth_day_after_posting(posted: str, days: int, expected: str) -> None:
    assert notification_day(date.fromisoformat(posted), days).isoformat() == expected


# --- strict input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["P", "1M", "P1.5M", "PT12H", "P0D", "P-1M", "", "P1M1Y", "P99999Y", "14"])
def test_malformed_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        Period.parse(text)


def test_period_parts_are_read() -> None:
    assert Period.parse("p1y6m") == Period("P1Y6M", 18, 0, 0)
    assert Period.parse("P2W3D") == Period("P2W3D", 0, 17, 2)


@pytest.mark.parametrize(("event", "period"), [("9999-12-01", "P1M"), ("9999-12-31", "P1D"), ("9999-12-20", "P3W")])
def test_a_result_beyond_9999_is_an_error(event: str, period: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        calc(event, period)


# --- script helpers without a database (the pure engine's build_helpers) ---------------------------


def test_build_helpers_offer_the_calculator_and_the_shipped_law_without_a_database() -> None:
    from casework.clock import FrozenClock
    from casework.helpers import build_helpers, collect_effects

    h = build_helpers(FrozenClock())
    with collect_effects() as effects:
        assert h["deadline"]("2025-05-19", "P1M", "NW") == "2025-06-20"
        assert h["deadline"]("2026-01-01", "P2Y6M", "NW", "period") == "2028-06-30"
        assert h["notified_on"]("2024-12-30") == "2025-01-02"
        assert h["notified_on"]("2025-01-02") == "2025-01-06"
        assert h["legal_parameter"]("council_quorum_rule", "2014-10-07") == "simple_majority"
        assert h["add_months"]("2025-01-31", 1) == "2025-02-28"  # the old helpers stay
        with pytest.raises(ValueError, match="kind"):
            h["deadline"]("2025-05-19", "P1M", "NW", "frist")
    assert effects == [{"type": "legal_parameter", "key": "council_quorum_rule", "valid_from": "2014-10-07",
                        "value": "simple_majority", "land": None, "on": "2014-10-07"}]
