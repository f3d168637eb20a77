"""DeadlineService: raw input checked field by field, the notification fiction by posting date,
municipal holidays of an organisation, and the script helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.helpers import collect_effects
from models import HolidayOverride, db


def test_domain_example_posted_monday_notified_friday_deadline_monday(casework: Any) -> None:
    result = casework.deadlines.compute(posted_on="2025-06-02", period="P1M", land="NW")
    assert result.notified_on == date(2025, 6, 6)
    assert (result.unshifted_end, result.end) == (date(2025, 7, 6), date(2025, 7, 7))
    assert result.as_dict() == {
        "start": "2025-06-07", "end": "2025-07-07", "unshifted_end": "2025-07-06", "shifted_because": ["Sonntag"],
        "notified_on": "2025-06-06",
        "rule_refs": ["§ 37 Abs. 2 SGB X", "§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB", "§ 193 BGB", "§ 26 Abs. 3 SGB X"],
    }


@pytest.mark.parametrize(
    ("posted", "notified", "end"),
    [
        ("2024-12-30", "2025-01-02", "2025-02-03"),  # 3 days; the month ends on Sunday 2 February
        ("2024-12-31", "2025-01-03", "2025-02-03"),  # still 3 days: the posting date decides
        ("2025-01-01", "2025-01-05", "2025-02-05"),
        ("2025-01-02", "2025-01-06", "2025-02-06"),  # 4 days from 2025
    ],
)
def test_notification_fiction_changes_from_three_to_four_days(
    casework: Any, posted: str, notified: str, end: str
) -> None:
    result = casework.deadlines.compute(posted_on=posted, period="P1M", land="NW")
    assert (result.notified_on.isoformat(), result.end.isoformat()) == (notified, end)
    assert casework.deadlines.notified_on(posted).isoformat() == notified


def test_event_date_answer_has_no_notification_and_no_shift_keys(casework: Any) -> None:
    answer = casework.deadlines.compute(event_date="2025-05-19", period="P1M", land="NI").as_dict()
    assert answer == {"start": "2025-05-20", "end": "2025-06-19", "unshifted_end": "2025-06-19",
                      "rule_refs": ["§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB"]}


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"event_date": "2011-11-31"}, "event_date"),
        ({"event_date": "31.12.2011"}, "event_date"),
        ({"event_date": None, "posted_on": "2025-02-29"}, "posted_on"),
        ({"event_date": None}, "event_date"),
        ({"posted_on": "2025-06-02"}, "posted_on"),  # both dates
        ({"period": "P1.5M"}, "period"),
        ({"period": "PT12H"}, "period"),
        ({"period": None}, "period"),
        ({"land": "XX"}, "land"),
        ({"land": "nw"}, "land"),
        ({"land": None}, "land"),
        ({"kind": "frist"}, "kind"),
        ({"counting": "sometimes"}, "counting"),
        ({"organisation_id": "abc"}, "organisation"),
        ({"organisation_id": "999999"}, "organisation"),
        ({"event_date": "9999-12-20"}, "period"),
        ({"event_date": "9999-12-31", "period": "P1D"}, "period"),
        ({"event_date": None, "posted_on": "9999-12-30"}, "posted_on"),
        ({"event_date": None, "posted_on": "1970-01-01"}, "posted_on"),  # before any fiction version
    ],
)
def test_bad_input_names_the_field(casework: Any, inputs: dict[str, Any], field: str) -> None:
    arguments = {"event_date": "2025-06-06", "period": "P1M", "land": "NW", "kind": "deadline", **inputs}
    with pytest.raises(ValidationFailed) as err:
        casework.deadlines.compute(**arguments)
    assert field in err.value.fields, err.value.fields


def test_every_bad_field_is_reported_at_once(casework: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        casework.deadlines.compute(event_date="2011-11-31", period="1M", land="XX", kind="x")
    assert set(err.value.fields) == {"event_date", "period", "land", "kind"}
    assert "2011-11-31" in err.value.fields["event_date"]


def test_municipal_holiday_of_the_organisation_moves_the_deadline(
    casework: Any, actor: Any, org_id: Any
) -> None:
    jobcenter = org_id("jc-musterkreis")
    casework.holidays.add_holiday(organisation_id=str(jobcenter), day="2025-08-15", name="Mariä Himmelfahrt",
                                   actor=actor("admin"))
    # Bavaria keeps 15 August only in its Catholic municipalities: the Land alone does not move it
    plain = casework.deadlines.compute(event_date="2025-08-01", period="P14D", land="BY")
    assert plain.end == date(2025, 8, 15)
    local = casework.deadlines.compute(event_date="2025-08-01", period="P14D", land="BY",
                                       organisation_id=str(jobcenter))
    assert local.end == date(2025, 8, 18)
    assert local.shifted_because == ("Mariä Himmelfahrt", "Samstag", "Sonntag")
    other = casework.deadlines.compute(event_date="2025-08-01", period="P14D", land="BY",
                                       organisation_id=org_id("aa-musterstadt"))
    assert other.end == date(2025, 8, 15)
    # a period ignores it: periods never shift
    term = casework.deadlines.compute(event_date="2025-08-02", period="P14D", land="BY", kind="period",
                                      organisation_id=jobcenter)
    assert term.end == date(2025, 8, 15)


def test_holidays_are_admin_only_and_checked(casework: Any, actor: Any, org_id: Any) -> None:
    jobcenter = org_id("jc-musterkreis")
    with pytest.raises(Forbidden):
        casework.holidays.add_holiday(organisation_id=jobcenter, day="2025-08-08", name="Friedensfest",
                                       actor=actor("gf"))
    with pytest.raises(Forbidden):
        casework.holidays.list_holidays(actor=actor("mitarbeiterin"))
    admin = actor("admin")
    with pytest.raises(ValidationFailed) as err:
        casework.holidays.add_holiday(organisation_id=None, day="2025-02-30", name=" ", actor=admin)
    assert set(err.value.fields) == {"organisation", "day", "name"}
    with pytest.raises(ValidationFailed) as err:
        casework.holidays.add_holiday(organisation_id=999999, day="2025-08-08", name="X", actor=admin)
    assert "organisation" in err.value.fields
    added = casework.holidays.add_holiday(organisation_id=jobcenter, day="2025-08-08", name="Friedensfest",
                                           actor=admin)
    with pytest.raises(ValidationFailed) as err:
        casework.holidays.add_holiday(organisation_id=jobcenter, day="2025-08-08", name="Doppelt", actor=admin)
    assert "day" in err.value.fields
    listed = casework.holidays.list_holidays(actor=admin)
    assert [(h.day, h.name, h.organisation_name) for h in listed] == [
        (date(2025, 8, 8), "Friedensfest", "Jobcenter Musterkreis")]
    with pytest.raises(Forbidden):
        casework.holidays.delete_holiday(added.id, actor=actor("gf"))
    casework.holidays.delete_holiday(added.id, actor=admin)
    with pytest.raises(NotFound):
        casework.holidays.delete_holiday(added.id, actor=admin)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayOverride)) == 0


def test_script_helpers_return_iso_dates_and_explain_errors(casework: Any) -> None:
    helpers = casework.deadlines.script_helpers()
    with collect_effects():
        assert helpers["deadline"]("2025-05-19", "P1M", "NW") == "2025-06-20"
        assert helpers["deadline"](date(2025, 5, 19), "P1M", "NI") == "2025-06-19"
        assert helpers["deadline"]("2026-03-01", "P5Y", "NW", "period") == "2031-02-28"
        assert helpers["deadline"]("2025-11-15", "P3M", "NW", "period", "event") == "2026-02-15"
        assert helpers["notified_on"]("2025-06-02") == "2025-06-06"
        with pytest.raises(ValueError, match="event_date"):
            helpers["deadline"]("2011-11-31", "P1M", "NW")
        with pytest.raises(ValueError, match="land"):
            helpers["deadline"]("2025-05-19", "P1M", "XX")
        with pytest.raises(ValueError, match="posted_on"):
            helpers["notified_on"]("2025-13-01")


def test_land_of_an_organisation_preselects_the_form(casework: Any, org_id: Any) -> None:
    assert casework.holidays.land_of(org_id("jc-musterkreis")) == "NW"
    assert casework.holidays.land_of(None) is None
