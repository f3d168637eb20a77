"""Reading the presentation a designer declared in the BPMN: facts (``fact:<path>``) and task titles.

Both are ``camunda:property`` entries of the process or of a user task (not of a form field), so
the Camunda properties panel edits them; their order in the file is the order on the page.
"""

from __future__ import annotations

from lxml import etree

from casework.errors import Problem
from casework.presentation import Fact, FactSyntaxError, check_title, parse_codes, parse_fact

from .xmlsafe import NSMAP

FACT_PREFIX = "fact:"
CODES_PREFIX = "codes:"
TITLE_PROPERTY = "title"


def _properties(node: etree._Element) -> list[tuple[str, str]]:
    found = []
    for prop in node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NSMAP):
        found.append(((prop.get("name") or prop.get("id") or "").strip(), prop.get("value") or ""))
    return found


def read_facts(node: etree._Element) -> tuple[Fact, ...]:
    """The facts declared on a process or user task, in order; unreadable ones are left out (lint names them)."""
    facts = []
    for name, value in _properties(node):
        if not name.startswith(FACT_PREFIX):
            continue
        try:
            facts.append(parse_fact(name[len(FACT_PREFIX):], value))
        except FactSyntaxError:
            continue
    return tuple(facts)


def read_codes(node: etree._Element) -> dict[str, dict[str, str]]:
    """The process's own code lists (``codes:<name>``), for values no form field offers."""
    found = {}
    for name, value in _properties(node):
        if name.startswith(CODES_PREFIX):
            try:
                codes = parse_codes(name[len(CODES_PREFIX):], value)
            except FactSyntaxError:
                continue
            if codes:
                found[name[len(CODES_PREFIX):].strip()] = codes
    return found


def read_title(node: etree._Element) -> str | None:
    """The task's title template (``title`` property), e.g. ``Abstimmung über {vote_item.nominee}``."""
    for name, value in _properties(node):
        if name == TITLE_PROPERTY and value.strip():
            return value.strip()
    return None


def fact_problems(node: etree._Element, file: str) -> list[Problem]:
    """Deploy errors for facts and a title that cannot be read, naming the element."""
    problems = []
    element_id = node.get("id")
    seen: set[str] = set()
    for name, value in _properties(node):
        if name.startswith(FACT_PREFIX):
            try:
                fact = parse_fact(name[len(FACT_PREFIX):], value)
            except FactSyntaxError as exc:
                problems.append(Problem(file, element_id, f"camunda:property {name}: {exc}"))
                continue
            if fact.path in seen:
                problems.append(Problem(file, element_id, f"the fact '{fact.path}' is declared twice"))
            seen.add(fact.path)
        elif name.startswith(CODES_PREFIX):
            try:
                if not parse_codes(name[len(CODES_PREFIX):], value):
                    raise FactSyntaxError("write the codes as code=Label; code=Label")
            except FactSyntaxError as exc:
                problems.append(Problem(file, element_id, f"camunda:property {name}: {exc}"))
        elif name == TITLE_PROPERTY:
            try:
                check_title(value)
            except FactSyntaxError as exc:
                problems.append(Problem(file, element_id, f"camunda:property title: {exc}"))
    return problems
