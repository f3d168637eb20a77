"""XSD validation of BPMN and DMN documents, reported as problems pointing at elements.

SpiffWorkflow's XSDs accept Camunda's extension attributes (the BPMN schema allows foreign
attributes and extension elements), so uploads are validated like any BPMN 2.0 file.
"""

from __future__ import annotations

import copy
import threading

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS

from casework.errors import Problem

from .xmlsafe import BPMN_NS, namespace, nearest_id

# Built once (about 8 ms each). An lxml schema keeps its error log on the object, so validation
# is serialised with a lock; deploys are rare, so the lock costs nothing.
_LOCK = threading.Lock()
_VALIDATORS: dict[str, BpmnValidator] = {}


def _validator(ns: str) -> BpmnValidator | None:
    if ns not in _VALIDATORS:
        if ns == BPMN_NS:
            _VALIDATORS[ns] = BpmnValidator()
        elif ns in DMN_SCHEMAS:
            _VALIDATORS[ns] = BpmnValidator(DMN_SCHEMAS[ns])
        else:
            return None
    return _VALIDATORS[ns]


def schema_problems(root: etree._Element, file: str) -> list[Problem]:
    """Every XSD violation of the document, each with the id of the nearest enclosing element."""
    with _LOCK:
        validator = _validator(namespace(root))
        if validator is None:
            return []
        # SpiffWorkflow rewrites bpmn-js' invalid correlation markup before validating; it does so
        # in place, so work on a copy and leave the tree the parser will read untouched.
        candidate = copy.deepcopy(root)
        validator.preprocess(candidate)
        schema = validator.validator
        if schema.validate(candidate):
            return []
        problems = []
        for entry in schema.error_log:
            element = next((e for e in root.iter() if getattr(e, "sourceline", None) == entry.line), None)
            problems.append(Problem(file, nearest_id(element), f"line {entry.line}: {entry.message}"))
        return problems
