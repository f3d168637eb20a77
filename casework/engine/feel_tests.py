"""The input entries of Camunda 7 decision tables: FEEL simple unary tests, as Python cells.

Camunda 7 reads a DMN input entry as a FEEL *simple unary test*; SpiffWorkflow's DMN engine evaluates
a Python expression, compared with the input (``?`` stands for it). Most Camunda cells mean the same
in both (``"Winter"``, ``<= 8``, ``-``); these do not, and are translated when the file is loaded:

    "Fall","Winter"        any of the values      (? == ("Fall")) or (? == ("Winter"))
    [5..8]  ]5..8[  (5..8) a range, ends in or out (5 <= ? <= 8), (5 < ? < 8)
    not("Summer", > 8)     none of the tests      not ((? == ("Summer")) or (? > 8))
    true  false  null      FEEL's literals        ? == True, ? == False, ? == None

A cell that already uses ``?`` is Python written for Fallwerk and is left alone.
"""

from __future__ import annotations

import re

from lxml import etree

from .xmlsafe import local_name

_RANGE = re.compile(r"^([\[\](])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\])])$", re.S)
_COMPARISON = re.compile(r"^(<=|>=|<|>)\s*(.+)$", re.S)
_NOT = re.compile(r"^not\s*\((.*)\)$", re.S)
_LITERALS = {"true": "True", "false": "False", "null": "None"}


def _split(text: str) -> list[str]:
    """Comma-separated parts, outside quotes and brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])" and depth:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _test(part: str) -> str:
    ranged = _RANGE.match(part)
    if ranged:
        low, high = ranged.group(2), ranged.group(3)
        left = "<" if ranged.group(1) in "](" else "<="
        right = "<" if ranged.group(4) in "[)" else "<="
        return f"({_literal(low)} {left} ? {right} {_literal(high)})"
    compared = _COMPARISON.match(part)
    if compared:
        return f"(? {compared.group(1)} {_literal(compared.group(2).strip())})"
    return f"(? == ({_literal(part)}))"


def _literal(text: str) -> str:
    return _LITERALS.get(text.strip(), text.strip())


def python_cell(text: str) -> str | None:
    """The Python cell for a FEEL unary test whose meaning differs in Python, else None (as written)."""
    source = text.strip()
    if not source or source == "-" or "?" in source:
        return None
    negated = _NOT.match(source)
    inner = negated.group(1).strip() if negated else source
    parts = _split(inner)
    if not negated and len(parts) == 1 and not _RANGE.match(parts[0]) and parts[0] not in _LITERALS:
        return None
    if any(not p for p in parts):
        return None
    tests = " or ".join(_test(p) for p in parts)
    return f"not ({tests})" if negated else tests


def translate_cells(root: etree._Element) -> None:
    """Rewrite the input entries of a DMN document (a copy the parser gets) in place."""
    for cell in root.iter():
        if not isinstance(cell.tag, str) or local_name(cell) != "inputEntry":
            continue
        for text in (c for c in cell if isinstance(c.tag, str) and local_name(c) == "text"):
            translated = python_cell(text.text or "")
            if translated is not None:
                text.text = translated
