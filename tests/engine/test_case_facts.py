"""The presentation designers declare (issue 13 §1): facts, code lists and titles read from the BPMN,
checked at deploy, and formatted for people with Babel."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casework.engine import parse_deployment
from casework.errors import DefinitionInvalid
from casework.presentation import (
    Column,
    Fact,
    FactSyntaxError,
    format_number,
    merge_facts,
    parse_fact,
    present,
    render_title,
)

Make = Callable[..., bytes]


def _task(properties: str, ident: str = "review") -> str:
    return (f'<bpmn:userTask id="{ident}" name="Prüfen" camunda:candidateGroups="gf"><bpmn:extensionElements>'
            f"<camunda:properties>{properties}</camunda:properties></bpmn:extensionElements></bpmn:userTask>")


def _prop(name: str, value: str) -> str:
    return f'<camunda:property name="{name}" value="{value}"/>'


def test_facts_titles_and_codes_are_read_in_order(make_process: Make) -> None:
    bpmn = make_process(_task(_prop("title", "Prüfen: {item.name}") + _prop("fact:item.name", "Name")
                              + _prop("fact:amount", "Betrag | money") + _prop("fact:*", "-")))
    model = parse_deployment({"probe.bpmn": bpmn}).processes["probe"]
    meta = model.user_tasks["review"]
    assert meta.title_template == "Prüfen: {item.name}"
    assert [(f.path, f.label, f.kind) for f in meta.facts] == [
        ("item.name", "Name", "auto"), ("amount", "Betrag", "money"), ("*", "-", "auto")]
    assert model.element_names["review"] == "Prüfen"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("fact:amount", "Betrag | cash", "unknown format 'cash'"),
    ("fact:amount", "", "has no label"),
    ("fact:1amount", "Betrag", "is not a variable path"),
    ("fact:rows", "Zeilen | table", "a table needs its columns"),
    ("fact:rows", "Zeilen | table: name", "write columns as key=Heading"),
    ("fact:side", "Seite | code: ba Agentur", "is no form field name"),
    ("title", "Abstimmung über {vote item}", "is not a variable path"),
    ("title", "Abstimmung über {nominee|cash}", "unknown format 'cash'"),
    ("codes:side", "Agentur", "write the codes as code=Label"),
])
def test_unreadable_declarations_are_deploy_errors_naming_the_element(
    make_process: Make, name: str, value: str, message: str
) -> None:
    with pytest.raises(DefinitionInvalid) as raised:
        parse_deployment({"probe.bpmn": make_process(_task(_prop(name, value)))})
    errors = [(p.element_id, p.message) for p in raised.value.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0][0] == "review" and message in errors[0][1], errors


def test_values_are_formatted_for_people() -> None:
    options = {"employer": {"ba": "Bundesagentur für Arbeit"}}
    facts = [
        Fact("employer", "Arbeitgeber", "code"), Fact("end", "Ende", "date"), Fact("sum", "Summe", "money"),
        Fact("share", "Anteil", "percent"), Fact("ok", "Geprüft"), Fact("count", "Anzahl"),
        Fact("missing", "Fehlt"), Fact("names", "Namen"),
    ]
    data = {"employer": "ba", "end": "2026-12-04", "sum": 12500.5, "share": 84.8, "ok": True, "count": 1000,
            "names": ["Anna", "Ben"]}
    shown = present(facts, data, options, {}, "de")
    assert [(s.label, s.text or list(s.items)) for s in shown] == [
        ("Arbeitgeber", "Bundesagentur für Arbeit"), ("Ende", "04.12.2026"), ("Summe", "12.500,50 €"),
        ("Anteil", "84,8 %"), ("Geprüft", "Ja"), ("Anzahl", "1.000"), ("Namen", ["Anna", "Ben"])]
    english = present(facts[:3], data, options, {}, "en")
    assert [s.text for s in english] == ["Bundesagentur für Arbeit", "4 Dec 2026", "€12,500.50"]
    assert format_number(245000.5, "number", "de") == "245.000,5"


def test_lists_of_records_are_tables_with_headings_never_reprs() -> None:
    reviews = {"ba": {"side": "ba", "maintained": True, "statement": "Bleibt"},
               "kommune": {"side": "kommune", "maintained": False, "statement": None}}
    fact = Fact("reviews", "Prüfung", "table", columns=(
        Column("side", "Träger", "code"), Column("maintained", "Hält fest", "yesno"), Column("statement", "Text")))
    (table,) = present([fact], {"reviews": reviews}, {"side": {"ba": "Agentur", "kommune": "Kommune"}}, {}, "de")
    assert table.headers == ("Träger", "Hält fest", "Text")
    assert table.rows == (("Agentur", "Ja", "Bleibt"), ("Kommune", "Nein", "–"))
    # without declared columns only labelled keys appear; an object alone is never printed as {'...'}
    (auto,) = present([Fact("rows", "Zeilen")], {"rows": [{"name": "A", "secret": 1}]}, {}, {"name": "Name"}, "de")
    assert auto.headers == ("Name",) and auto.rows == (("A",),)
    (obj,) = present([Fact("item", "Eintrag", "text")], {"item": {"voter": "tv.kom3"}}, {}, {}, "de")
    assert "{" not in (obj.text or "") and "tv.kom3" not in str(obj)


def test_a_task_adds_to_hides_or_replaces_the_process_facts() -> None:
    process = (Fact("a", "A"), Fact("b", "B"))
    assert [f.path for f in merge_facts(process, (Fact("c", "C"),))] == ["a", "b", "c"]
    assert [f.label for f in merge_facts(process, (Fact("b", "Bee"),))] == ["A", "Bee"]
    assert [f.path for f in merge_facts(process, (parse_fact("a", "-"),))] == ["b"]
    assert [f.path for f in merge_facts(process, (parse_fact("*", "-"), Fact("c", "C")))] == ["c"]


def test_titles_carry_their_subject_or_fall_back_to_the_name() -> None:
    data = {"vote_item": {"nominee": "Sabine Gewerk"}, "due": "2026-12-31"}
    template = "Abstimmung über die Berufung von {vote_item.nominee} in den Beirat"
    assert render_title(template, data, {}, "Abstimmung") == "Abstimmung über die Berufung von Sabine Gewerk in den Beirat"
    assert render_title("Frist {due|date}", data, {}, "X") == "Frist 31.12.2026"
    assert render_title(template, {}, {}, "Abstimmung") == "Abstimmung"
    assert render_title("{task}: {due|date}", data, {}, "Antrag prüfen") == "Antrag prüfen: 31.12.2026"


def test_parse_fact_refuses_bad_paths() -> None:
    with pytest.raises(FactSyntaxError):
        parse_fact("a..b", "Label")
