"""Forms for user tasks that have none: the variables the model reads, with the type it reads them as.

Camunda models often set the variables their gateways read (``${approved}``) from a task without
``camunda:formData`` (an embedded HTML form, a ``camunda:formKey``, or the REST API). Here such a
task offers, as optional fields, every variable that the process's conditions and expressions read
but no form, script or event of the process sets; each field's type comes from how the model reads
it: tested as a truth value or against ``True`` → boolean, compared with a number → number, with
text → string. Names whose type cannot be told are left out rather than guessed.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable

from lxml import etree

from casework.records import FormField, FormSpec

from .scripting import normalise_script, unwrap_expression
from .xmlsafe import BPMN_NS, CAMUNDA_NS, camunda_attr, local_name

# variables every case has (runtime._start_data) and the case's result
_ALWAYS_SET = frozenset({"land", "started_by", "outcome"})
_EXPRESSION_TAGS = ("conditionExpression", "loopCondition", "completionCondition", "loopCardinality")
_RANK = {"boolean": 3, "number": 2, "string": 1}


def _parse(source: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError:
        return None


def _constant_type(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "boolean"
        if isinstance(node.value, (int, float)):
            return "number"
        if isinstance(node.value, str):
            return "string"
    return None


class _Reads(ast.NodeVisitor):
    """Names an expression reads, and the type each is read as where it shows."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.names: set[str] = set()
        self.called: set[str] = set()
        self.written: set[str] = set()

    def note(self, node: ast.AST, kind: str) -> None:
        if isinstance(node, ast.Name):
            old = self.types.get(node.id)
            if old is None or _RANK[kind] > _RANK[old]:
                self.types[node.id] = kind

    def visit_Name(self, node: ast.Name) -> None:  # noqa: N802 - ast.NodeVisitor's naming
        (self.written if isinstance(node.ctx, ast.Store) else self.names).add(node.id)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        if isinstance(node.func, ast.Name):
            self.called.add(node.func.id)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:  # noqa: N802
        for value in node.values:
            self.note(value, "boolean")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:  # noqa: N802
        if isinstance(node.op, ast.Not):
            self.note(node.operand, "boolean")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:  # noqa: N802
        operands = [node.left, *node.comparators]
        for left, right in zip(operands, operands[1:], strict=False):
            for name, other in ((left, right), (right, left)):
                kind = _constant_type(other)
                if kind is not None:
                    self.note(name, kind)
        self.generic_visit(node)


def _expressions(process: etree._Element) -> Iterable[str]:
    for tag in _EXPRESSION_TAGS:
        for node in process.iter(f"{{{BPMN_NS}}}{tag}"):
            if (node.text or "").strip():
                yield unwrap_expression(node.text)
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        for attr in ("candidateGroups", "candidateUsers", "assignee", "dueDate", "priority"):
            value = camunda_attr(element, attr)
            if value and value.strip().startswith("${"):
                yield unwrap_expression(value)


def _set_by_model(process: etree._Element) -> set[str]:
    """Variables a form, script, multi-instance or message of the process sets."""
    found = set(_ALWAYS_SET)
    for field in process.iter(f"{{{CAMUNDA_NS}}}formField"):
        ident = field.get("id") or ""
        found.add(ident.split("__", 1)[0])
    for script in process.iter(f"{{{BPMN_NS}}}script"):
        tree = _parse(normalise_script(script.text or ""), "exec")
        if tree is not None:
            reads = _Reads()
            reads.visit(tree)
            found |= reads.written
    for tag in ("inputDataItem", "outputDataItem"):
        found |= {n.get("name") or n.get("id") or "" for n in process.iter(f"{{{BPMN_NS}}}{tag}")}
    for tag in ("loopDataOutputRef",):
        found |= {(n.text or "").strip() for n in process.iter(f"{{{BPMN_NS}}}{tag}")}
    for start in process.iter(f"{{{BPMN_NS}}}startEvent"):
        if camunda_attr(start, "initiator"):
            found.add(str(camunda_attr(start, "initiator")))
    return found


def inferred_fields(process: etree._Element) -> tuple[FormField, ...]:
    """The optional fields a formless user task of ``process`` offers, sorted by name."""
    reads = _Reads()
    for source in _expressions(process):
        tree = _parse(source, "eval")
        if tree is not None:
            reads.visit(tree)
    _bare_truth_values(process, reads)
    skip = _set_by_model(process) | reads.called | set(dir(builtins))
    return tuple(
        FormField(name=name, type=kind, label=name, help="Vom Modell gelesene Variable (ohne Formular)")
        for name, kind in sorted(reads.types.items())
        if name not in skip and not name.startswith("_") and name in reads.names
    )


def _bare_truth_values(process: etree._Element, reads: _Reads) -> None:
    """A condition that is one name (``approved``, translated from ``${approved}``) reads a boolean."""
    for node in process.iter(f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}loopCondition",
                             f"{{{BPMN_NS}}}completionCondition"):
        tree = _parse(unwrap_expression(node.text or ""), "eval")
        if isinstance(tree, ast.Expression):
            reads.note(tree.body, "boolean")


def form_for_formless_task(task: etree._Element, form: FormSpec) -> FormSpec:
    """``form`` itself when the task has fields; else the inferred fields of its process."""
    if form.fields or local_name(task) != "userTask":
        return form
    process = task
    while process is not None and local_name(process) != "process":
        process = process.getparent()
    return FormSpec(fields=inferred_fields(process)) if process is not None else form
