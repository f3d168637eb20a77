"""WTForms shared by the HTML blueprints: the base form and forms built from a ``FormSpec``.

Task and start forms are designed in BPMN, so their WTForms classes are made at request time
from the ``casework.records.FormSpec`` the services return. WTForms gives the browser UI its
field-by-field messages; the service validates again (``required_if``, bounds) and its
``ValidationFailed.fields`` are mapped onto the same fields, so the user sees one kind of error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired as _InputRequired
from wtforms.validators import Length, NumberRange, Optional, StopValidation
from wtforms.widgets import TextInput

from casework.records import FormField, FormSpec
from webapp.table_field import TableField

__all__ = ["BaseForm", "ErrorLink", "InputRequired", "anchor_for", "build_form", "csrf_failed"]

RADIO_LIMIT = 4  # up to this many options are shown as radio buttons, more as a select
FIELD_PREFIX = "fld_"  # attribute names of spec fields, so a field called "data" cannot shadow Form.data
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class InputRequired(_InputRequired):
    """WTForms' InputRequired, but input of blanks only counts as missing."""

    def __call__(self, form: Any, field: Field) -> None:
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        raise StopValidation(self.message or _l("Please fill in this field."))


class GermanDateField(DateField):
    """An HTML date input that also accepts 31.12.2026 and names impossible dates plainly."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        iso, german = _ISO_DATE.match(text), _GERMAN_DATE.match(text)
        if not (iso or german):
            self.data = None
            raise ValueError(_l("Please enter a date as DD.MM.YYYY."))
        year, month, day = iso.groups() if iso else german.groups()[::-1]  # type: ignore[union-attr]
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self.data = None
            raise ValueError(
                _l("The date %(date)s does not exist.", date=f"{int(day):02d}.{int(month):02d}.{year}")
            ) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.isoformat() if isinstance(self.data, date) else ""


def page_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "de"


def parse_localised(text: str, locale: str) -> Decimal:
    """A number as people of ``locale`` type it: de ``12.500,50`` or ``12500,5``; en ``12,500.50``.

    Grouping must sit where it belongs (strict), so ``1.5`` on a German page is refused rather than
    read as 15 -- or silently as 1.5.

    Raises:
        ValueError: not a number in this locale.
    """
    try:
        number = parse_decimal(text.replace(" ", ""), locale=locale, strict=True)
    except NumberFormatError:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def _example(locale: str) -> str:
    return str(format_decimal(Decimal("12500.50"), format="#,##0.00", locale=locale))


class WholeNumberField(IntegerField):
    """A whole number, with the page locale's grouping allowed (de: 1.000)."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        try:
            number = parse_localised(text, page_locale())
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value():
            self.data = None
            raise ValueError(_l("Please enter a whole number, e.g. 12."))
        self.data = int(number)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(format_decimal(self.data, locale=page_locale()))


class DecimalNumberField(FloatField):
    """A number typed the way the page's language writes it (de: 12.500,50; en: 12,500.50)."""

    widget = TextInput()

    def __init__(self, *args: Any, number_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number_format = number_format

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        locale = page_locale()
        try:
            self.data = float(parse_localised(str(valuelist[0]).strip(), locale))
        except ValueError:
            self.data = None
            raise ValueError(_l("Please enter a number such as %(example)s.", example=_example(locale))) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        pattern = "#,##0.00" if self.number_format == "money" else None
        return str(format_decimal(Decimal(str(self.data)), format=pattern, locale=page_locale(),
                                  decimal_quantization=pattern is not None))


class _OptionalChoice:
    """Nothing chosen is fine for an optional choice; required ones have InputRequired."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):  # type: ignore[attr-defined]
            return
        super().pre_validate(form)  # type: ignore[misc]


class ChoiceRadioField(_OptionalChoice, RadioField):
    pass


class ChoiceSelectField(_OptionalChoice, SelectField):
    pass


class YesNoField(ChoiceRadioField):
    """A required boolean: an unticked checkbox cannot say "I answered no", two radios can."""


class BaseForm(FlaskForm):
    """Every HTML form: CSRF from Flask-WTF; spec-built forms add the FormSpec mapping below."""

    spec: FormSpec = FormSpec()

    def spec_fields(self) -> Iterator[tuple[FormField, Field]]:
        """Pairs of (FormSpec field, bound WTForms field), in the designer's order."""
        for spec_field in self.spec.fields:
            yield spec_field, self._fields[FIELD_PREFIX + spec_field.name]

    def field_for(self, name: str) -> Field | None:
        """The bound field whose HTML name is ``name``."""
        return next((f for f in self._fields.values() if f.name == name), None)

    def restore_readonly(self) -> None:
        """Readonly fields show their given value again after a failed submit (they are not sent)."""
        for spec_field, field in self.spec_fields():
            if spec_field.readonly:
                field.process(None, field.default)
                field.raw_data = []

    def payload(self) -> dict[str, Any]:
        """The submitted values as JSON-friendly data for the services; empty fields are left out."""
        data: dict[str, Any] = {}
        for spec_field, field in self.spec_fields():
            value = _json_value(field)
            if spec_field.readonly or value is None:
                continue
            data[spec_field.name] = value
        return data

    def apply_errors(self, messages: Mapping[str, str]) -> list[str]:
        """Put a service's field messages on the fields; returns those no field can show."""
        leftover = []
        tables = [f for f in self._fields.values() if isinstance(f, TableField)]
        for name, message in messages.items():
            if any(t.add_service_error(name, message) for t in tables):
                continue
            field = self.field_for(name)
            if field is None or field.name == "csrf_token":
                leftover.append(f"{name}: {message}")
            else:
                field.errors = [*list(field.errors or ()), message]
        return leftover

    def error_summary(self) -> list[ErrorLink]:
        """One link per field error, for the summary at the top of the page."""
        links = []
        for field in self:
            if field.type == "CSRFTokenField":
                continue
            if isinstance(field, TableField) and field.cell_errors:
                label = str(field.label.text)
                links.extend(ErrorLink(anchor, label, message) for anchor, message in field.error_links())
                continue
            for message in field.errors or ():
                links.append(ErrorLink(anchor_for(field), str(field.label.text), str(message)))
        return links


@dataclass(frozen=True)
class ErrorLink:
    anchor: str
    label: str
    message: str


def anchor_for(field: Field) -> str:
    """The id to jump to for a field: a radio group's first button, else the input itself."""
    if isinstance(field, RadioField):
        return f"{field.id}-0"
    return str(field.id)


def _json_value(field: Field) -> Any:
    value = field.data
    if isinstance(field, YesNoField):
        return {"true": True, "false": False}.get(value or "")
    if isinstance(field, BooleanField):
        return bool(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(field, FileField):
        return None  # uploaded by the page first; the document's id goes into the data
    return value


def build_form(
    spec: FormSpec, values: Mapping[str, Any] | None = None, base: type[BaseForm] = BaseForm
) -> type[BaseForm]:
    """A form class for ``spec`` whose defaults are ``values`` (a task's ``form_values``)."""
    values = values or {}
    attrs: dict[str, Any] = {"spec": spec}
    for spec_field in spec.fields:
        attrs[FIELD_PREFIX + spec_field.name] = _unbound(spec_field, values.get(spec_field.name))
    return type("SpecForm", (base,), attrs)


def _unbound(spec: FormField, value: Any) -> Any:
    kind = spec.type
    options: dict[str, Any] = {
        "label": spec.label,
        "name": spec.name,
        "id": f"field-{spec.name}",
        "description": spec.help or "",
        "validators": _validators(spec),
        "render_kw": _render_kw(spec),
    }
    if kind == "table":
        # each cell is checked by the service; its messages come back onto the cells
        options["validators"] = []
        return TableField(spec=spec, locale_name=page_locale(), default=value if isinstance(value, list) else [],
                          **options)
    if kind == "text":
        return TextAreaField(filters=[_strip], default=value, **options)
    if kind == "integer":
        options["render_kw"]["inputmode"] = "numeric"
        return WholeNumberField(default=_number(value, int), **options)
    if kind == "number":
        options["render_kw"]["inputmode"] = "decimal"
        return DecimalNumberField(default=_number(value, float), number_format=spec.format, **options)
    if kind == "date":
        return GermanDateField(default=_date(value), **options)
    if kind == "boolean":
        return _boolean(spec, value, options)
    if kind == "enum":
        return _enum(spec, value, options)
    if kind == "user":
        options["render_kw"].update(autocomplete="off", spellcheck="false")
    if kind == "file":
        # the file is stored by the page before completing (webapp/casefile/uploads.py); "required"
        # is the service's check, since a document given earlier may already fill the field
        options["validators"] = [Optional()]
        if value:
            options["description"] = (options["description"] + " " if options["description"] else "") + str(
                _l("A document has already been given; choose a file only to give a new version."))
        return FileField(**options)
    return StringField(filters=[_strip], default=None if value is None else str(value), **options)


def _boolean(spec: FormField, value: Any, options: dict[str, Any]) -> Any:
    if spec.required:
        choices = [SelectChoice("true", str(_l("Yes"))), SelectChoice("false", str(_l("No")))]
        default = None if value is None else ("true" if value is True or value == "true" else "false")
        return YesNoField(
            choices=choices,
            default=default,
            invalid_choice_message=_l("Please choose one of the options."),
            **options,
        )
    return BooleanField(default=value is True or value == "true", **options)


def _enum(spec: FormField, value: Any, options: dict[str, Any]) -> Any:
    choices = [SelectChoice(o.value, o.label) for o in spec.options]
    default = None if value is None else str(value)
    options["invalid_choice_message"] = _l("Please choose one of the options.")
    if len(choices) <= RADIO_LIMIT:
        return ChoiceRadioField(choices=choices, default=default, **options)
    if not spec.required:
        choices.insert(0, SelectChoice("", str(_l("– no selection –"))))
    else:
        choices.insert(0, SelectChoice("", str(_l("– please choose –"))))
    return ChoiceSelectField(choices=choices, default=default, **options)


def _validators(spec: FormField) -> list[Any]:
    if spec.readonly:
        return [Optional()]
    found: list[Any] = [InputRequired()] if spec.required else [Optional()]
    if spec.minlength is not None or spec.maxlength is not None:
        found.append(
            Length(min=spec.minlength or -1, max=spec.maxlength or -1, message=_length_message(spec))
        )
    if spec.min is not None or spec.max is not None:
        found.append(NumberRange(min=spec.min, max=spec.max, message=_range_message(spec)))
    return found


def _length_message(spec: FormField) -> Any:
    if spec.minlength is not None and spec.maxlength is not None:
        return _l(
            "Please enter between %(min)d and %(max)d characters.", min=spec.minlength, max=spec.maxlength
        )
    if spec.minlength is not None:
        return _l("Please enter at least %(min)d characters.", min=spec.minlength)
    return _l("Please enter at most %(max)d characters.", max=spec.maxlength)


def _range_message(spec: FormField) -> Any:
    low, high = _fmt(spec.min), _fmt(spec.max)
    if low is not None and high is not None:
        return _l("Please enter a value from %(min)s to %(max)s.", min=low, max=high)
    if low is not None:
        return _l("Please enter at least %(min)s.", min=low)
    return _l("Please enter at most %(max)s.", max=high)


def _fmt(number: float | None) -> str | None:
    if number is None:
        return None
    return str(int(number)) if float(number).is_integer() else str(number)


def _render_kw(spec: FormField) -> dict[str, Any]:
    render: dict[str, Any] = {}
    if spec.readonly:
        render[
            "readonly" if spec.type in ("string", "text", "user", "integer", "number", "date") else "disabled"
        ] = True
    if spec.maxlength is not None:
        render["maxlength"] = spec.maxlength
    return render


def _number(value: Any, kind: type) -> Any:
    if value is None or isinstance(value, bool):
        return None
    try:
        return kind(str(value).replace(",", ".")) if kind is float else kind(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def csrf_failed(exc: Exception) -> tuple[str, int]:
    """A POST without a valid CSRF token: nothing was changed, say so plainly (400)."""
    return render_template(
        "error.html",
        status=400,
        title=_("The form could not be sent"),
        message=_(
            "Its security token is missing or has expired, so nothing was changed. "
            "Please reload the page and try again."
        ),
    ), 400


def signed_in_pages(bp: Blueprint) -> Blueprint:
    """A blueprint of HTML pages for signed-in users, with the German CSRF error page."""

    @bp.before_request
    def _sign_in_first():  # type: ignore[no-untyped-def]
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return None

    bp.register_error_handler(CSRFError, csrf_failed)
    return bp
