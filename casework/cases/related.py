"""Script helper ``count_cases``: whether other cases of a process exist with given data.

A process may depend on another one's result: a Land's target agreement with a zugelassener
kommunaler Träger should follow the year's agreement between BMAS and the Land (§ 48b Abs. 4
SGB II), so it asks ``count_cases('target_agreement', ['concluded', 'reviewed'], pair='bmas_land',
year=year, agreement_land=agreement_land)``. Only a count comes back: a script learns nothing of
the other cases' data, whoever may see them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from casework.context import current_case
from models import ProcessInstance

_LIMIT = 10_000  # cases read at most; the outcome filter keeps the candidates few


def build_related_helpers() -> dict[str, Callable[..., Any]]:
    """``count_cases(process_key, outcomes=None, **variables)`` for BPMN scripts."""

    def count_cases(process_key: Any, outcomes: Any = None, **variables: Any) -> int:
        """Cases of ``process_key`` (other than this one, not terminated) whose outcome is one of
        ``outcomes`` (any when None) and whose variables equal the given values."""
        case = current_case()
        if case is None or case.session is None:
            raise ValueError("count_cases only works while a case runs")
        if not isinstance(process_key, str) or not process_key:
            raise ValueError("count_cases needs a process key")
        if outcomes is not None and not (isinstance(outcomes, list) and all(isinstance(o, str) for o in outcomes)):
            raise ValueError("count_cases: outcomes must be a list of texts, e.g. ['concluded']")
        query = sa.select(ProcessInstance.variables).where(
            ProcessInstance.process_key == process_key, ProcessInstance.status != "terminated"
        )
        if case.instance_id is not None:
            query = query.where(ProcessInstance.id != case.instance_id)
        if outcomes is not None:
            query = query.where(ProcessInstance.outcome.in_(outcomes))
        rows = case.session.scalars(query.limit(_LIMIT)).all()
        return sum(1 for found in rows if all((found or {}).get(k) == v for k, v in variables.items()))

    return {"count_cases": count_cases}
