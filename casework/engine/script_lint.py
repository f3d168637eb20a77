"""Deploy-time warnings about designer code that the sandbox or the step limits stop when it runs,
and the check of DMN decision tables' cells, which are Python expressions like a gateway condition.

RestrictedPython compiles ``import os``, ``open(...)`` or ``getattr(x, ...)`` without complaint
and refuses them only when they run; ``while True`` compiles and runs into the time limit. A
designer should hear that at deploy, at the element, not from a failed case (README "Scripts").
"""

from __future__ import annotations

import ast
import re

from lxml import etree

from casework.errors import Problem

from .decisions import requirement_problems
from .feel_tests import python_cell
from .scripting import compile_problem
from .xmlsafe import local_name

# names scripts cannot use: the sandbox withholds them (files, reflection, dynamic code)
_WITHHELD = {
    "open": "files are not available to scripts",
    "getattr": "reflection is not available to scripts",
    "setattr": "reflection is not available to scripts",
    "type": "reflection is not available to scripts",
    "vars": "reflection is not available to scripts",
    "globals": "reflection is not available to scripts",
    "locals": "reflection is not available to scripts",
    "__import__": "scripts cannot import modules",
}
_DMN_CELLS = ("inputExpression", "inputEntry", "outputEntry")
# SpiffWorkflow's DMN engine puts the column's value where a cell has "?" (outside quotes)
_PLACEHOLDER = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def code_warnings(source: str, mode: str) -> list[str]:
    """What in ``source`` the sandbox refuses when it runs, or what runs until the time limit."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError):
        return []  # reported as an error by the compile check
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found["'import' is refused when the script runs: scripts cannot import modules"] = None
        elif isinstance(node, ast.Name) and node.id in _WITHHELD:
            found[f"'{node.id}' is refused when the script runs: {_WITHHELD[node.id]}"] = None
        elif isinstance(node, ast.While) and _always_true(node.test):
            if _breaks(node):
                found["'while True' runs until a 'break': if none is reached, the step is stopped at the "
                      "time limit (FALLWERK_SCRIPT_TIME_LIMIT) and the case fails"] = None
            else:
                found["'while True' without 'break' never ends: the step is stopped at the time limit "
                      "(FALLWERK_SCRIPT_TIME_LIMIT) and the case fails"] = None
    return list(found)


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _breaks(loop: ast.While) -> bool:
    """A ``break`` or ``return`` of this loop itself (not of a loop nested in it)."""
    pending: list[ast.AST] = list(loop.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Break, ast.Return)):
            return True
        if not isinstance(node, (ast.While, ast.For, ast.FunctionDef, ast.Lambda, ast.AsyncFunctionDef)):
            pending.extend(ast.iter_child_nodes(node))
    return False


def lint_dmn(root: etree._Element, file: str) -> list[Problem]:
    """Every cell of every decision table, checked like a gateway condition: a syntax error refuses
    the deploy, code the sandbox refuses is a warning at the cell's id; and the decisions' requirements
    (casework.engine.decisions)."""
    problems: list[Problem] = []
    for cell in root.iter():
        if not isinstance(cell.tag, str) or local_name(cell) not in _DMN_CELLS:
            continue
        texts = [c for c in cell if isinstance(c.tag, str) and local_name(c) == "text"]
        text = (texts[0].text or "").strip() if texts else ""
        if not text or (text == "-" and local_name(cell) == "inputEntry"):
            continue  # "-" or empty: any value
        if local_name(cell) == "inputEntry":  # as it runs: a Camunda FEEL test as its Python cell
            source = _dmn_expression(python_cell(text) or text)
        else:
            source = text
        problems.extend(_cell_problems(cell, file, local_name(cell), source))
    return problems + requirement_problems(root, file)


def _dmn_expression(text: str) -> str:
    """The Python expression SpiffWorkflow's DMN engine evaluates for an input entry."""
    if "?" in text:
        return _PLACEHOLDER.sub("value", text)
    try:
        ast.parse(text, mode="eval")
        return f"value == ({text})"
    except SyntaxError:
        return f"value {text}"  # an operator form such as '>= 1000'


def _cell_problems(cell: etree._Element, file: str, what: str, source: str) -> list[Problem]:
    element = cell.get("id") or (cell.getparent().get("id") if cell.getparent() is not None else None)
    reason = compile_problem(source, "eval")
    if reason:
        try:
            compile(source, "<dmn>", "eval")
        except SyntaxError:
            return [Problem(file, element, f"{what}: {reason}")]
        return [Problem(file, element, f"{what}: {reason} (the sandbox refuses it when it runs)", "warning")]
    return [Problem(file, element, f"{what}: {w}", "warning") for w in code_warnings(source, "eval")]
