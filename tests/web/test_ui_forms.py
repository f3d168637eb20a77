"""webapp.forms.build_form: WTForms classes made from a FormSpec, checked without HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from wtforms import BooleanField, StringField, TextAreaField

from casework.records import FormField, FormOption, FormSpec
from webapp.forms import (
    ChoiceRadioField,
    ChoiceSelectField,
    DecimalNumberField,
    GermanDateField,
    WholeNumberField,
    YesNoField,
    build_form,
)
from webapp.i18n import compile_translations

OPTIONS = tuple(FormOption(v, v.upper()) for v in ("a", "b", "c", "d", "e"))
SPEC = FormSpec(
    (
        FormField("name", "string", "Name", required=True, maxlength=20),
        FormField("note", "text", "Notiz"),
        FormField("count", "integer", "Anzahl", min=1, max=10),
        FormField("share", "number", "Anteil"),
        FormField("agreed", "boolean", "Einverstanden"),
        FormField("consent", "boolean", "Zustimmung", required=True),
        FormField("day", "date", "Tag", required=True),
        FormField("side", "enum", "Seite", options=OPTIONS[:2]),
        FormField("item", "enum", "Posten", options=OPTIONS, required=True),
        FormField("who", "user", "Person"),
    )
)


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context("/", method="POST", headers={"Accept-Language": "de"}):
        yield


def make(data: dict[str, Any] | None = None, values: dict[str, Any] | None = None) -> Any:
    from werkzeug.datastructures import MultiDict

    form_class = build_form(SPEC, values)
    return form_class(formdata=MultiDict(data) if data is not None else None, meta={"csrf": False})


def test_field_types(request_context: None) -> None:
    form = {spec.name: field for spec, field in make().spec_fields()}
    assert isinstance(form["name"], StringField) and form["name"].flags.required
    assert isinstance(form["note"], TextAreaField)
    assert isinstance(form["count"], WholeNumberField)
    assert isinstance(form["share"], DecimalNumberField)
    assert isinstance(form["agreed"], BooleanField)
    assert isinstance(form["consent"], YesNoField)  # a required boolean asks yes or no
    assert isinstance(form["day"], GermanDateField) and 'type="date"' in form["day"]()
    assert isinstance(form["side"], ChoiceRadioField)
    assert isinstance(form["item"], ChoiceSelectField)  # more than four options
    assert form["name"].label.text == "Name" and form["name"].name == "name"


def test_valid_data_becomes_a_payload(request_context: None) -> None:
    form = make(
        {
            "name": " Erika ",
            "count": "3",
            "share": "1,5",
            "agreed": "y",
            "consent": "false",
            "day": "31.12.2026",
            "side": "b",
            "item": "e",
            "who": "gf",
        }
    )
    assert form.validate(), form.errors
    assert form.payload() == {
        "name": "Erika",
        "count": 3,
        "share": 1.5,
        "agreed": True,
        "consent": False,
        "day": "2026-12-31",
        "side": "b",
        "item": "e",
        "who": "gf",
    }


def test_messages_are_german_and_impossible_dates_are_named(request_context: None) -> None:
    form = make({"name": "", "count": "11", "share": "x", "day": "2011-11-31", "item": "z"})
    assert not form.validate()
    errors = {spec.name: field.errors for spec, field in form.spec_fields() if field.errors}
    assert errors["name"] == ["Bitte füllen Sie dieses Feld aus."]
    assert errors["day"] == ["Das Datum 31.11.2011 gibt es nicht."]
    assert errors["count"] == ["Bitte geben Sie einen Wert von 1 bis 10 ein."]
    assert errors["share"] == ["Bitte geben Sie eine Zahl ein, z. B. 12.500,50."]
    assert errors["consent"] == ["Bitte füllen Sie dieses Feld aus."]
    assert errors["item"] == ["Bitte wählen Sie eine der Möglichkeiten."]
    assert "side" not in errors  # optional radios may stay empty
    summary = form.error_summary()
    assert [link.anchor for link in summary][:2] == ["field-name", "field-count"]
    assert any(link.anchor == "field-consent-0" for link in summary)


def test_service_errors_land_on_fields(request_context: None) -> None:
    form = make({"name": "Erika"})
    leftover = form.apply_errors({"note": "Pflichtfeld.", "ghost": "Unbekanntes Feld."})
    assert form.field_for("note").errors == ["Pflichtfeld."]
    assert leftover == ["ghost: Unbekanntes Feld."]


def test_values_prefill_the_form(request_context: None) -> None:
    form = make(values={"name": "Erika", "day": "2027-01-31", "consent": True, "share": 2.5, "side": "a"})
    fields = {spec.name: field for spec, field in form.spec_fields()}
    assert 'value="Erika"' in fields["name"]()
    assert 'value="2027-01-31"' in fields["day"]()
    assert fields["consent"].data == "true"
    assert fields["share"]._value() == "2,5"
    assert fields["side"].data == "a"


def test_catalog_compiles_when_missing_or_older(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "webapp/translations/de/LC_MESSAGES/messages.po"
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(source.read_bytes())
    assert compile_translations(tmp_path) == [target / "messages.mo"]
    assert compile_translations(tmp_path) == []  # up to date: nothing to do
    assert (target / "messages.mo").stat().st_size > 1000


def test_every_ui_text_has_a_german_translation() -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    # every area keeps its own catalog; the app merges them all into one
    catalog: dict[str, Any] = {}
    for po_path in sorted((root / "webapp/translations/de/LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog.update({m.id[0] if isinstance(m.id, tuple) else m.id: m for m in read_po(handle) if m.id})
    mapping = [
        ("webapp/templates/**.html", "jinja2"),
        ("webapp/**.py", "python"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    missing = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=mapping, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{filename}: {msgid}")
    assert missing == [], "\n".join(missing)
