"""validate_form: coercion per type, German messages, conditional requirements, all errors at once."""

from __future__ import annotations

from typing import Any

import pytest

from casework.engine import Engine, validate_form
from casework.errors import ValidationFailed
from casework.records import FormField, FormOption, FormSpec


def _form(*fields: FormField) -> FormSpec:
    return FormSpec(tuple(fields))


def _check(engine: Engine, form: FormSpec, raw: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return validate_form(form, raw, context=kw.pop("context", {}), evaluate=engine.evaluate, **kw)


def _errors(engine: Engine, form: FormSpec, raw: dict[str, Any], **kw: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        _check(engine, form, raw, **kw)
    assert raised.value.message == "Die Eingaben sind ungültig."
    return raised.value.fields


@pytest.mark.parametrize(
    ("ftype", "raw", "expected"),
    [
        ("string", "  Erika  ", "Erika"),
        ("text", "Zeile 1\nZeile 2\n", "Zeile 1\nZeile 2"),
        ("integer", "12", 12),
        ("integer", " -3 ", -3),
        ("integer", 7, 7),
        ("integer", 4.0, 4),
        ("number", "1.5", 1.5),
        ("number", "1,5", 1.5),
        ("number", 3, 3.0),
        ("boolean", True, True),
        ("boolean", "on", True),
        ("boolean", "false", False),
        ("boolean", "0", False),
        ("boolean", "y", True),
        ("boolean", "n", False),
        ("date", "2024-02-29", "2024-02-29"),
        ("user", "personal.ba", "personal.ba"),
    ],
)
def test_values_are_coerced_per_type(engine: Engine, ftype: str, raw: Any, expected: Any) -> None:
    clean = _check(engine, _form(FormField("value", ftype, "Wert")), {"value": raw})
    assert clean == {"value": expected}
    assert type(clean["value"]) is type(expected)


@pytest.mark.parametrize(
    ("ftype", "raw", "message"),
    [
        ("integer", "1.5", "Ganze Zahl erwartet."),
        ("integer", 1.5, "Ganze Zahl erwartet."),
        ("integer", "abc", "Ganze Zahl erwartet."),
        ("integer", True, "Ganze Zahl erwartet."),
        ("number", "zwölf", "Zahl erwartet: eine JSON-Zahl oder Text ohne Tausenderpunkte wie 12500.50."),
        ("number", "nan", "Zahl erwartet: eine JSON-Zahl oder Text ohne Tausenderpunkte wie 12500.50."),
        # the API never guesses grouping: 12.500,50 is the HTML form's German notation, not a JSON value
        ("number", "12.500,50", "Zahl erwartet: eine JSON-Zahl oder Text ohne Tausenderpunkte wie 12500.50."),
        ("boolean", "vielleicht", "Ja oder Nein erwartet."),
        ("date", "31.12.2011", "Datum im Format JJJJ-MM-TT erwartet."),
        ("date", "2011-11-31", "Ungültiges Datum: 2011-11-31 gibt es nicht"),
        ("date", "2025-02-29", "Ungültiges Datum: 2025-02-29 gibt es nicht"),
        ("string", ["a"], "Text erwartet."),
        ("user", "no spaces allowed", "Benutzername erwartet."),
    ],
)
def test_invalid_values_get_a_german_message(engine: Engine, ftype: str, raw: Any, message: str) -> None:
    assert _errors(engine, _form(FormField("value", ftype, "Wert")), {"value": raw}) == {"value": message}


def test_enum_accepts_only_option_values(engine: Engine) -> None:
    field = FormField(
        "decision", "enum", "Entscheidung", options=(FormOption("yes", "Ja"), FormOption("no", "Nein"))
    )
    assert _check(engine, _form(field), {"decision": "no"}) == {"decision": "no"}
    assert "yes, no" in _errors(engine, _form(field), {"decision": "maybe"})["decision"]


def test_required_and_empty_strings(engine: Engine) -> None:
    form = _form(FormField("name", "string", "Name", required=True), FormField("note", "text", "Notiz"))
    assert _errors(engine, form, {"name": "   ", "note": ""}) == {"name": "Pflichtfeld."}
    # An optional field left empty is a variable all the same: None, never "".
    assert _check(engine, form, {"name": "Erika", "note": ""}) == {"name": "Erika", "note": None}
    # Saving a draft skips the required checks but still checks types.
    assert _check(engine, form, {}, partial_ok=True) == {}


def test_required_if_sees_submitted_data_and_task_data(engine: Engine) -> None:
    form = _form(
        FormField(
            "decision",
            "enum",
            "Entscheidung",
            required=True,
            options=(FormOption("objection", "Widerspruch"), FormOption("no_objection", "Kein Widerspruch")),
        ),
        FormField("objection_reason", "text", "Grund", required_if="decision == 'objection'"),
        FormField("reason", "text", "Wichtiger Grund", required_if="initiator == 'employee'"),
    )
    traeger = {"initiator": "traeger"}
    assert _errors(engine, form, {"decision": "objection"}, context=traeger) == {
        "objection_reason": "Pflichtfeld."
    }
    assert _check(engine, form, {"decision": "no_objection"}, context=traeger) == {
        "decision": "no_objection", "objection_reason": None, "reason": None}
    # The old value in the task data does not satisfy the requirement: the submission decides.
    errors = _errors(
        engine, form, {"decision": "objection"}, context={"initiator": "employee", "objection_reason": "alt"}
    )
    assert set(errors) == {"objection_reason", "reason"}


def test_min_max_and_lengths(engine: Engine) -> None:
    form = _form(
        FormField("members", "integer", "Mitglieder", min=1, max=99),
        FormField("share", "number", "Anteil", min=0, max=1),
        FormField("code", "string", "Kürzel", minlength=2, maxlength=3),
    )
    errors = _errors(engine, form, {"members": "100", "share": "-0,5", "code": "A"})
    assert errors == {"members": "Höchstens 99.", "share": "Mindestens 0.", "code": "Mindestens 2 Zeichen."}
    assert _check(engine, form, {"members": 1, "share": "0,848", "code": "BA"}) == {
        "members": 1,
        "share": 0.848,
        "code": "BA",
    }


def test_unknown_fields_readonly_fields_and_all_errors_at_once(engine: Engine) -> None:
    form = _form(
        FormField("end_date", "date", "Ende", required=True),
        FormField("employee_name", "string", "Name", readonly=True, required=True),
        FormField("count", "integer", "Anzahl"),
    )
    errors = _errors(
        engine, form, {"end_date": "2011-11-31", "count": "x", "hacker": "1", "employee_name": "Neu"}
    )
    assert errors == {
        "end_date": "Ungültiges Datum: 2011-11-31 gibt es nicht",
        "count": "Ganze Zahl erwartet.",
        "hacker": "Unbekanntes Feld.",
    }
    # A readonly field is never taken from the input, and never demanded from it.
    assert _check(engine, form, {"end_date": "2011-12-31", "employee_name": "Neu"}) == {
        "end_date": "2011-12-31", "count": None
    }


def test_a_broken_required_if_is_reported_on_the_field(engine: Engine) -> None:
    form = _form(FormField("x", "string", "X", required_if="undefined_name == 1"))
    message = _errors(engine, form, {})["x"]
    assert message.startswith("Die Bedingung dieses Feldes ist fehlerhaft: NameError")
