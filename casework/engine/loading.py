"""Helpers of the deploy parser (casework.engine.parser): feeding documents to SpiffWorkflow, its
problems without Python reprs, message start events, and lint without echoes of the translation.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException

from casework.errors import Problem

from .decisions import with_ids
from .depth import MAX_CHAIN
from .feel_tests import translate_cells
from .xmlsafe import NSMAP, local_name

_PYTHON_REPR = re.compile(r"^(\w+)\((.*)\)$", re.S)


def spiff_problem(exc: Exception, file: str, fallback_id: str | None) -> Problem:
    element = getattr(exc, "id", None) or fallback_id
    if isinstance(exc, RecursionError):  # a shape chain_problems does not foresee; never the raw text
        return Problem(file, element, f"Das Modell ist zu tief geschachtelt (höchstens {MAX_CHAIN} "
                       "Elemente hintereinander); bitte in aufgerufene Prozesse aufteilen.")
    message = str(exc).rstrip(". ").strip() or type(exc).__name__
    if _PYTHON_REPR.match(message) or not isinstance(exc, SpiffWorkflowException):
        # a Python error inside SpiffWorkflow's parser: no repr, no bare exception text
        inner = _PYTHON_REPR.sub(r"\2", message).strip("'\"")
        message = f"this element cannot be read (SpiffWorkflow's parser failed on it: {inner})"
    return Problem(getattr(exc, "file_name", None) or file, element, message)


def add_to_parser(parser: Any, doc: Any) -> None:
    if doc.kind == "bpmn":
        parser.add_bpmn_xml(doc.root, doc.file)
        return
    # SpiffWorkflow registers a DMN document under its first decision only and then fails on a
    # second one: each decision goes in as a document of its own, so every decisionRef finds it
    # Camunda 7's FEEL input entries become Python cells, and the ids SpiffWorkflow needs (Camunda's
    # DMN 1.1 files leave them out on tables) are filled in -- on a copy, the file stays as written
    prepared = deepcopy(doc.root)
    translate_cells(prepared)
    with_ids(prepared)
    decisions = [d for d in prepared if isinstance(d.tag, str) and local_name(d) == "decision"]
    for decision in decisions if len(decisions) > 1 else [None]:
        root = prepared
        if decision is not None:
            root = deepcopy(prepared)
            for other in [d for d in root if isinstance(d.tag, str) and local_name(d) == "decision"]:
                if other.get("id") != decision.get("id"):
                    root.remove(other)
        parser.add_dmn_xml(root, doc.file)
    parser.add_decision_requirements(doc.root)  # casework.engine.decisions


def not_repeated(lint: list[Problem], adapted: list[Problem]) -> list[Problem]:
    """Lint's problems without those about an expression the translation already refused."""
    refused = {(p.element_id, _LABELS.get(label, label)) for p in adapted if p.severity == "error"
               for label in [p.message.split(":", 1)[0]]}
    return [p for p in lint if (p.element_id, p.message.split(":", 1)[0]) not in refused]


# the translation's German labels as lint names the same expression
_LABELS = {"Bedingung": "condition", "Timer timeDuration": "timer timeDuration", "Timer timeDate": "timer timeDate",
           "Timer timeCycle": "timer timeCycle"}


def message_starts(process: etree._Element) -> dict[str, str]:
    """{message name: start event id} for the process's own start events that wait for a message."""
    names = {m.get("id"): m.get("name") or m.get("id")
             for m in process.getroottree().getroot().xpath("./bpmn:message", namespaces=NSMAP)}
    found: dict[str, str] = {}
    for start in process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        for definition in start.xpath("./bpmn:messageEventDefinition", namespaces=NSMAP):
            name = names.get(definition.get("messageRef"))
            if name:
                found[str(name)] = str(start.get("id"))
    return found
