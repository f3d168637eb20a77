"""How deep SpiffWorkflow's parser will recurse into a model, checked before it does.

SpiffWorkflow parses a flow node by parsing its successors from within (``TaskParser.parse_node``),
so a long chain of elements one after another becomes a Python call chain of about two frames per
element; near 480 elements it ends in a RecursionError. Rather than raising the interpreter's
recursion limit for every thread, a deployment names the limit: a designer splits such a chain into
called processes (call activities), each parsed on its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from casework.errors import Problem

from .xmlsafe import BPMN_NS

# Elements one after another in one process or subprocess; with the stack of a web request below
# it this stays well clear of Python's default recursion limit of 1000 frames.
MAX_CHAIN = 300

_SCOPES = (f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")
_FLOW = f"{{{BPMN_NS}}}sequenceFlow"
_START = f"{{{BPMN_NS}}}startEvent"


def chain_problems(root: etree._Element, file: str) -> list[Problem]:
    """An error for each process or subprocess whose parse would go deeper than ``MAX_CHAIN``."""
    problems = []
    for scope in _scopes(root):
        depth, deepest = _parse_depth(scope)
        if depth > MAX_CHAIN:
            problems.append(Problem(
                file, deepest,
                f"Zu viele Elemente hintereinander: {depth}, erlaubt sind höchstens {MAX_CHAIN} je Prozess "
                "oder Teilprozess. Bitte die Kette in aufgerufene Prozesse (Call Activities) aufteilen.",
            ))
    return problems


def _scopes(root: etree._Element) -> Iterator[etree._Element]:
    for tag in _SCOPES:
        yield from root.iter(tag)


def _parse_depth(scope: etree._Element) -> tuple[int, str | None]:
    """The deepest path the parser's depth-first walk from the start events takes (iteratively,
    as the parser's own recursion is what must not be triggered), and the first element on it past
    ``MAX_CHAIN``."""
    successors: dict[str, list[str]] = {}
    for flow in scope.iterchildren(_FLOW):
        successors.setdefault(str(flow.get("sourceRef")), []).append(str(flow.get("targetRef")))
    starts = [str(s.get("id")) for s in scope.iterchildren(_START)]
    seen: set[str] = set()
    depth, deepest = 0, None
    for start in starts:
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(successors.get(start, ())))]
        while stack:
            if len(stack) > depth:
                depth = len(stack)
                if depth == MAX_CHAIN + 1:  # name the first element past the limit
                    deepest = stack[-1][0]
            following = next((t for t in stack[-1][1] if t not in seen), None)
            if following is None:
                stack.pop()
                continue
            seen.add(following)
            stack.append((following, iter(successors.get(following, ()))))
    return depth, deepest
