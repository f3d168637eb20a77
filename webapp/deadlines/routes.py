"""GET+POST /deadlines (calculator), /admin/legal-parameters and /admin/holidays (admins)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.dates import LAND_NAMES, Period
from casework.errors import ValidationFailed
from webapp.common import actor, services
from webapp.deadlines import bp
from webapp.deadlines.forms import KIND_LABELS, DeadlineForm, HolidayForm, LegalVersionForm
from webapp.i18n import current_locale

Page = tuple[str, int]


def long_day(value: date | None) -> str:
    """A date with its weekday, which is what decides a shift: "Montag, 07.07.2025"."""
    if value is None:
        return ""
    return str(format_date(value, "EEEE, dd.MM.yyyy" if current_locale() == "de" else "EEEE, d MMM yyyy"))


@bp.route("/deadlines", methods=["GET", "POST"])
def calculator() -> Page:
    holidays = services().holidays
    form = DeadlineForm().fit(holidays.list_organisations(), holidays.land_of(actor().primary_organisation_id))
    result = None
    if form.validate_on_submit():
        try:
            result = services().deadlines.compute(**form.inputs())
        except ValidationFailed as exc:
            form.show_errors(exc.fields)
    status = 422 if form.is_submitted() and result is None else 200
    return render_template("deadlines/calculator.html", form=form, result=result, kinds=KIND_LABELS,
                           long_day=long_day, describe_period=describe_period, land_names=LAND_NAMES), status


@bp.route("/admin/legal-parameters", methods=["GET", "POST"])
def legal_parameters() -> Response | Page:
    versions = services().legal.list(actor=actor())  # Forbidden (403) for everyone but admins
    form = LegalVersionForm().fit()
    if form.validate_on_submit():
        try:
            added = services().legal.add_version(actor=actor(), **form.inputs())
        except ValidationFailed as exc:
            form.form_errors.extend(form.apply_errors(exc.fields))
        else:
            flash(_("New version of %(key)s from %(day)s saved.", key=added.key, day=long_day(added.valid_from)),
                  "success")
            return redirect(url_for("deadlines.legal_parameters"))
    status = 422 if form.is_submitted() else 200
    return render_template("deadlines/legal_parameters.html", versions=versions, form=form,
                           show_value=show_value), status


@bp.route("/admin/holidays", methods=["GET", "POST"])
def holidays() -> Response | Page:
    listed = services().holidays.list_holidays(actor=actor())  # Forbidden (403) for everyone but admins
    form = HolidayForm().fit(services().holidays.list_organisations())
    if form.validate_on_submit():
        try:
            added = services().holidays.add_holiday(actor=actor(), **form.inputs())
        except ValidationFailed as exc:
            form.form_errors.extend(form.apply_errors(exc.fields))
        else:
            flash(_("%(name)s on %(day)s added.", name=added.name, day=long_day(added.day)), "success")
            return redirect(url_for("deadlines.holidays"))
    status = 422 if form.is_submitted() else 200
    return render_template("deadlines/holidays.html", holidays=listed, form=form, long_day=long_day), status


@bp.post("/admin/holidays/<int:holiday_id>/delete")
def delete_holiday(holiday_id: int) -> Response:
    # the CSRF token is checked by CSRFProtect for every POST before we get here
    services().holidays.delete_holiday(holiday_id, actor=actor())
    flash(_("The holiday has been deleted."), "success")
    return redirect(url_for("deadlines.holidays"))


def describe_period(text: str) -> str:
    """"P1Y6M" as "1 Jahr, 6 Monate" (years and months, weeks and days as the BGB counts them)."""
    period = Period.parse(text)
    years, months = divmod(period.months, 12)
    days = period.days - 7 * period.weeks
    parts = [
        ngettext("%(num)d year", "%(num)d years", years) if years else "",
        ngettext("%(num)d month", "%(num)d months", months) if months else "",
        ngettext("%(num)d week", "%(num)d weeks", period.weeks) if period.weeks else "",
        ngettext("%(num)d day", "%(num)d days", days) if days else "",
    ]
    return ", ".join(p for p in parts if p)


def show_value(value: Any) -> str:
    """A parameter's value as an admin reads it; null is the law's "no limit"."""
    if value is None:
        return _("none (unlimited)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(f"{r.get('from')} – {r.get('to')}" if isinstance(r, dict) else str(r) for r in value)
    if isinstance(value, float):
        return str(value).replace(".", ",") if current_locale() == "de" else str(value)
    return str(value)
