"""Object variables in forms (``instruction_a__issuer`` → ``instruction_a["issuer"]``), confidential
fields, and the lint of embedded subprocesses: the engine changes the governance processes need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from casework.engine import Engine, parse_deployment, validate_form
from casework.errors import ValidationFailed
from casework.records import FormField, FormOption, FormSpec

ISSUERS = (FormOption("ba", "BA"), FormOption("kommune", "Kommune"))
FORM = FormSpec((
    FormField("order__issuer", "enum", "Issuer", required=True, options=ISSUERS),
    FormField("order__date", "date", "Date", required=True),
    FormField("order__note", "text", "Note"),
    FormField("caller", "string", "Caller", required=True),
))


def _errors(engine: Engine, form: FormSpec, raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        validate_form(form, raw, context={}, evaluate=engine.evaluate)
    return raised.value.fields


def test_an_object_is_read_into_its_fields_and_stored_nested(engine: Engine) -> None:
    clean = validate_form(FORM, {"order": {"issuer": "ba", "date": "2026-11-02"}, "caller": "gf"},
                          context={}, evaluate=engine.evaluate)
    assert clean == {"order": {"issuer": "ba", "date": "2026-11-02", "note": None}, "caller": "gf"}


def test_flat_fields_as_an_html_form_posts_them_are_nested_too(engine: Engine) -> None:
    clean = validate_form(FORM, {"order__issuer": "kommune", "order__date": "2026-11-02", "order__note": " n ",
                                 "caller": "tv"}, context={}, evaluate=engine.evaluate)
    assert clean == {"order": {"issuer": "kommune", "date": "2026-11-02", "note": "n"}, "caller": "tv"}


def test_errors_name_the_key_as_the_client_sent_it(engine: Engine) -> None:
    assert _errors(engine, FORM, {"order": {"issuer": "x", "date": "2011-11-31", "extra": 1}, "caller": "gf"}) == {
        "order.issuer": "Ungültige Auswahl; erlaubt: ba, kommune.",
        "order.date": "Ungültiges Datum: 2011-11-31 gibt es nicht",
        "order.extra": "Unbekanntes Feld.",
    }
    assert _errors(engine, FORM, {"order__issuer": "ba", "order__date": "2011-11-31", "caller": "gf"}) == {
        "order__date": "Ungültiges Datum: 2011-11-31 gibt es nicht"}
    # a missing object is reported key by key, a non-object once
    assert set(_errors(engine, FORM, {"caller": "gf"})) == {"order.issuer", "order.date"}
    assert _errors(engine, FORM, {"order": ["ba"], "caller": "gf"}) == {"order": "Objekt erwartet."}


def test_rules_see_the_flat_names(engine: Engine) -> None:
    form = FormSpec((
        FormField("a__issuer", "enum", "A", required=True, options=ISSUERS),
        FormField("b__issuer", "enum", "B", required=True, options=ISSUERS, valid_if="b__issuer != a__issuer",
                  invalid_message="different issuers"),
    ))
    assert _errors(engine, form, {"a": {"issuer": "ba"}, "b": {"issuer": "ba"}}) == {"b.issuer": "different issuers"}


def test_confidential_property_is_read_and_published(make_process: Callable[..., bytes]) -> None:
    task = (
        '<bpmn:userTask id="ballot" camunda:assignee="tv.ba1"><bpmn:extensionElements><camunda:formData>'
        '<camunda:formField id="vote" type="string"><camunda:properties>'
        '<camunda:property name="confidential" value="true" /></camunda:properties></camunda:formField>'
        '<camunda:formField id="remark" type="string" /></camunda:formData></bpmn:extensionElements>'
        '</bpmn:userTask>'
    )
    model = parse_deployment({"probe.bpmn": make_process(task)}).processes["probe"]
    vote, remark = model.user_tasks["ballot"].form.fields
    assert (vote.confidential, remark.confidential) == (True, False)
    assert vote.as_dict()["confidential"] is True and "confidential" not in remark.as_dict()


def test_an_embedded_subprocess_with_incoming_and_outgoing_lints_clean() -> None:
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
 <bpmn:process id="probe" isExecutable="true" camunda:candidateStarterGroups="admin">
  <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:subProcess id="sub"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
   <bpmn:startEvent id="ss"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
   <bpmn:endEvent id="se"><bpmn:incoming>g1</bpmn:incoming></bpmn:endEvent>
   <bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="se"/>
  </bpmn:subProcess>
  <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
  <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>
 </bpmn:process>
</bpmn:definitions>"""
    assert parse_deployment({"probe.bpmn": xml}).warnings == []



def test_an_object_key_alone_names_its_field_when_unambiguous(engine: Engine) -> None:
    clean = validate_form(FORM, {"issuer": "ba", "date": "2026-11-02", "caller": "gf"},
                          context={}, evaluate=engine.evaluate)
    assert clean == {"order": {"issuer": "ba", "date": "2026-11-02", "note": None}, "caller": "gf"}
    # a key two objects share stays unknown
    two = FormSpec((FormField("a__issuer", "string", "A"), FormField("b__issuer", "string", "B")))
    assert _errors(engine, two, {"issuer": "ba"}) == {"issuer": "Unbekanntes Feld."}
