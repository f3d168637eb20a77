"""Strict JSON for request bodies: bounded nesting and finite numbers only.

``json.loads`` itself recurses per nesting level, so a body nested a thousand deep ends in a
RecursionError (a 500) inside the parser or later in the engine; and it reads ``1e400`` as
``inf`` and ``NaN`` as a number, which we would store and later serve as invalid JSON. Every
request body the app parses goes through ``loads`` here (the API's ``json_body`` and Flask's
``request.get_json`` alike, as the app's JSON provider).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import current_app
from flask.json.provider import DefaultJSONProvider

DEFAULT_MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    """Nested deeper than the configured limit: malformed for us (400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


class JsonNonFinite(ValueError):
    """A number JSON cannot carry (NaN, Infinity, or a literal beyond float range): invalid data (422)."""

    def __init__(self, literal: str) -> None:
        super().__init__(f"number out of range: {literal[:40]}")
        self.literal = literal[:40]


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonNonFinite(literal)
    return value


def _constant(literal: str) -> Any:
    raise JsonNonFinite(literal)


def max_depth() -> int:
    try:
        return int(current_app.config.get("JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))
    except RuntimeError:  # outside an app (scripts): the default
        return DEFAULT_MAX_DEPTH


def loads(raw: str | bytes, limit: int | None = None) -> Any:
    """Parse ``raw``; nesting up to ``limit`` levels (the app's JSON_MAX_DEPTH), finite numbers only.

    Raises:
        JsonTooDeep: nested deeper.  JsonNonFinite: NaN, Infinity or 1e400.
        ValueError: anything else that is not JSON.
    """
    limit = max_depth() if limit is None else limit
    try:
        value = json.loads(raw, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise JsonTooDeep(limit) from None
    if _deeper_than(value, limit):
        raise JsonTooDeep(limit)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative, so a deep value cannot exhaust the stack while it is measured."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's provider with ``loads`` above (``request.get_json``); answers never carry NaN."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)
