"""DMN decision requirements: a decision that requires others' outputs gets them evaluated first.

A DMN file may hold several decisions, one requiring another's output through
``informationRequirement/requiredDecision href="#id"`` (a decision requirements graph, as the Camunda
Modeler draws it). SpiffWorkflow evaluates one decision table and knows no requirements: a business
rule task naming the top decision would read the required outputs as unset variables. Here the
required decisions run first, in dependency order (each once), their outputs visible to the ones
that require them; the task receives the top decision's result only, as in Camunda. A requirement
on a decision that is not in the file, or a cycle, refuses the deploy at the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from casework.errors import Problem

from .xmlsafe import local_name


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if isinstance(c.tag, str) and local_name(c) == name]


def requirements(root: etree._Element) -> dict[str, list[str]]:
    """{decision id: ids of the decisions it requires} for every decision of a DMN document."""
    found: dict[str, list[str]] = {}
    for decision in _children(root, "decision"):
        required = []
        for requirement in _children(decision, "informationRequirement"):
            for ref in _children(requirement, "requiredDecision"):
                target = (ref.get("href") or "").rpartition("#")[2].strip()
                if target and target not in required:
                    required.append(target)
        found[str(decision.get("id"))] = required
    return found


_NEEDS_ID = ("decision", "decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")


def with_ids(root: etree._Element) -> None:
    """Give the elements SpiffWorkflow reads by id an id where the file has none (in place)."""
    for number, element in enumerate(root.iter()):
        if isinstance(element.tag, str) and local_name(element) in _NEEDS_ID and not element.get("id"):
            element.set("id", f"fallwerk_{local_name(element)}_{number}")


def requirement_problems(root: etree._Element, file: str) -> list[Problem]:
    """A required decision missing from the file, or a decision requiring itself (directly or through
    others), refuses the deploy at the requiring decision."""
    graph = requirements(root)
    problems = []
    for decision, required in graph.items():
        for target in required:
            if target not in graph:
                problems.append(Problem(file, decision, f"decision '{decision}' requires decision '{target}', "
                                        "which is not in this file"))
        cycle = _cycle_through(decision, graph)
        if cycle:
            problems.append(Problem(file, decision, f"decision '{decision}' requires itself "
                                    f"({' -> '.join(cycle)}): the decisions cannot be evaluated in any order"))
    return problems


def _cycle_through(start: str, graph: Mapping[str, list[str]]) -> list[str] | None:
    """A path ``start -> ... -> start`` through the requirements, if there is one."""
    pending: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while pending:
        node, path = pending.pop()
        for target in graph.get(node, ()):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                pending.append((target, [*path, target]))
    return None


def evaluation_order(top: str, graph: Mapping[str, list[str]]) -> list[str]:
    """The decisions ``top`` needs, each once, required ones before those requiring them; ``top`` last.
    A cycle (refused at deploy) is cut where it closes."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(decision: str) -> None:
        if decision in order or decision in visiting:
            return
        visiting.add(decision)
        for target in graph.get(decision, ()):
            visit(target)
        visiting.discard(decision)
        order.append(decision)

    visit(top)
    return order


class DecisionChain:
    """Stands in for SpiffWorkflow's ``DMNEngine`` on a business rule task whose decision requires
    others: ``result`` evaluates the required decisions first against the task's data plus the
    outputs so far, and returns the top decision's result."""

    def __init__(self, engines: list[Any]) -> None:
        self.engines = engines
        self.decision_table = engines[-1].decision_table

    def result(self, task: Any) -> dict[str, Any]:
        original = task.data
        context = dict(original)
        try:
            for engine in self.engines[:-1]:
                task.data = context
                # a required decision no rule matches gives its outputs as null, as in Camunda
                unset = {o.name: None for o in engine.decision_table.outputs if o.name}
                context = {**context, **unset, **engine.result(task)}
            task.data = context
            return dict(self.engines[-1].result(task))
        finally:
            task.data = original


class DecisionRequirementsMixin:
    """For the deploy parser (a ``BpmnDmnParser``): business rule tasks get a :class:`DecisionChain`
    when their decision requires others (``decision_requirements`` is filled as DMN files are added)."""

    decision_requirements: dict[str, list[str]]

    def add_decision_requirements(self, root: etree._Element) -> None:
        if not hasattr(self, "decision_requirements"):
            self.decision_requirements = {}
        self.decision_requirements.update(requirements(root))

    def get_engine(self, decision_ref: str, node: Any) -> Any:
        order = evaluation_order(decision_ref, getattr(self, "decision_requirements", {}))
        parent = super()
        if len(order) <= 1:
            return parent.get_engine(decision_ref, node)  # type: ignore[attr-defined]
        return DecisionChain([parent.get_engine(d, node) for d in order])  # type: ignore[attr-defined]
