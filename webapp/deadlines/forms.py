"""Forms of the deadline calculator and of the admin pages for legal parameters and municipal holidays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from casework.dates import LAENDER, LAND_NAMES
from casework.time.durations import DurationError, to_iso_period
from casework.time.holidays import OrganisationChoice
from webapp.forms import BaseForm, GermanDateField, InputRequired

PERIOD_CHOICES = [
    SelectChoice("P14D", _l("14 days")),
    SelectChoice("P2W", _l("2 weeks")),
    SelectChoice("P1M", _l("1 month")),
    SelectChoice("P3M", _l("3 months")),
    SelectChoice("P6M", _l("6 months")),
    SelectChoice("P1Y", _l("1 year")),
    SelectChoice("P5Y", _l("5 years")),
]
KIND_LABELS = {
    "deadline": _l("Deadline for an act – moves off weekends and holidays (§ 193 BGB)"),
    "period": _l("Period, e.g. a term of office – its first day counts, it never moves"),
    "appointment": _l("Appointment fixed from an event – never moves"),
}
COUNTING_CHOICES = [
    SelectChoice("", _l("By kind (recommended)")),
    SelectChoice("event", _l("From an event: the event's day does not count (§ 187 Abs. 1 BGB)")),
    SelectChoice("beginning_of_day", _l("From the beginning of a day: that day counts (§ 187 Abs. 2 BGB)")),
]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def land_choices(blank: Any) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(code, LAND_NAMES.get(code, code)) for code in LAENDER)]


def organisation_choices(organisations: Iterable[OrganisationChoice], blank: Any) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(str(o.id), o.name) for o in organisations)]


def _period(text: str | None) -> str | None:
    """The typed-in duration as ISO 8601 (the form has validated it)."""
    if not text:
        return None
    try:
        return to_iso_period(text)
    except DurationError:
        return text  # not reached after validation; the service then names the field


def _readable_duration(form: Any, field: Any) -> None:
    if not field.data:
        return
    try:
        to_iso_period(field.data)
    except DurationError:
        raise ValidationError(
            _l("Please enter a duration such as “10 Tage”, “2 Wochen” or “3 Monate und 2 Tage” (or P10D).")
        ) from None


class DeadlineForm(BaseForm):
    """Either an event date or a posting date; the period from the list or typed in ISO 8601."""

    event_date = GermanDateField(
        _l("Event date"), validators=[Optional()],
        description=_l("The day of the event that starts the deadline; for a period, its first day."))
    posted_on = GermanDateField(
        _l("Posted on"), validators=[Optional()],
        description=_l("Instead of an event date: the day a letter was posted (§ 37 Abs. 2 SGB X)."))
    period = SelectField(_l("Period"), choices=PERIOD_CHOICES, default="P1M")
    period_other = StringField(
        _l("Other period"), filters=[_strip], validators=[Optional(), Length(max=60), _readable_duration],
        description=_l("In words, e.g. “10 Tage”, “2 Wochen”, “3 Monate und 2 Tage” (or ISO 8601: P10D); "
                       "replaces the choice above."))
    land = SelectField(_l("Land"), choices=[])
    organisation = SelectField(_l("Organisation (its municipal holidays count too)"), choices=[])
    kind = RadioField(_l("Kind"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
                      default="deadline")
    counting = SelectField(_l("Counting the first day"), choices=COUNTING_CHOICES, default="")

    def fit(self, organisations: Iterable[OrganisationChoice], land: str | None) -> DeadlineForm:
        self.land.choices = land_choices(_l("Please choose"))
        self.organisation.choices = organisation_choices(organisations, _l("none"))
        if not self.is_submitted() and land:
            self.land.data = land
        return self

    def inputs(self) -> dict[str, Any]:
        """The keyword arguments of DeadlineService.compute."""
        return {
            "event_date": _iso(self.event_date.data),
            "posted_on": _iso(self.posted_on.data),
            "period": _period(self.period_other.data) or self.period.data,
            "land": self.land.data or None,
            "kind": self.kind.data,
            "counting": self.counting.data or None,
            "organisation_id": self.organisation.data or None,
        }

    def show_errors(self, fields: Mapping[str, str]) -> None:
        """The service names its inputs; a typed-in period's error belongs to that field."""
        renamed = {("period_other" if name == "period" and self.period_other.data else name): message
                   for name, message in fields.items()}
        self.form_errors.extend(self.apply_errors(renamed))


class LegalVersionForm(BaseForm):
    """A new version of a legal parameter; the open version of the same key and Land ends the day before."""

    key = StringField(_l("Key"), filters=[_strip], validators=[InputRequired(), Length(max=80)])
    land = SelectField(_l("Land"), choices=[])
    valid_from = GermanDateField(_l("Valid from"), validators=[InputRequired()])
    value = StringField(_l("Value (JSON)"), filters=[_strip], validators=[InputRequired(), Length(max=2000)],
                        description=_l('e.g. 84.8, "simple_majority", true or null'))
    unit = StringField(_l("Unit"), filters=[_strip], validators=[Optional(), Length(max=40)])
    label = StringField(_l("Label"), filters=[_strip], validators=[Optional(), Length(max=200)],
                        description=_l("Left empty, the label of the previous version is kept."))
    source = TextAreaField(_l("Legal source"), filters=[_strip], validators=[InputRequired(), Length(max=10000)])

    def fit(self) -> LegalVersionForm:
        self.land.choices = land_choices(_l("Federal law (all Länder)"))
        return self

    def inputs(self) -> dict[str, Any]:
        return {"key": self.key.data, "land": self.land.data or None, "valid_from": _iso(self.valid_from.data),
                "value": self.value.data, "unit": self.unit.data or None, "label": self.label.data or None,
                "source": self.source.data}


class HolidayForm(BaseForm):
    organisation = SelectField(_l("Organisation"), choices=[])
    day = GermanDateField(_l("Day"), validators=[InputRequired()])
    name = StringField(_l("Name"), filters=[_strip], validators=[InputRequired(), Length(max=120)])

    def fit(self, organisations: Iterable[OrganisationChoice]) -> HolidayForm:
        self.organisation.choices = organisation_choices(organisations, _l("Please choose"))
        return self

    def inputs(self) -> dict[str, Any]:
        return {"organisation_id": self.organisation.data or None, "day": _iso(self.day.data),
                "name": self.name.data}
