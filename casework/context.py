"""What a script helper may know about the case it runs in, for the length of one engine call.

Script helpers such as ``members("tv")`` or ``notify(...)`` are plain functions bound once per app;
the case they act for (its id, organisation, the unit of work's session) and the effects they
produce are handed to them through a context variable, so concurrent requests on different threads
never see each other's case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass
class CaseContext:
    """The case an engine call runs for; ``effects`` collects what scripts ask to send.

    ``parties`` grows when a script calls ``involve(...)`` (casework.cases.parties), so the helpers run
    later in the same call see the new organisations; the ``involve`` effect carries them to
    ``RuntimeService.persist``, which stores them.
    """

    session: sa.orm.Session | None = None
    instance_id: str | None = None
    organisation_id: int | None = None
    parties: tuple[int, ...] = ()
    effects: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[CaseContext | None] = ContextVar("casework_case", default=None)


@contextmanager
def running_case(
    session: sa.orm.Session | None = None,
    instance_id: str | None = None,
    organisation_id: int | None = None,
    parties: tuple[int, ...] | list[int] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Run the block on behalf of a case; yields the effects list the service sends after commit."""
    context = CaseContext(session, instance_id, organisation_id, tuple(parties))
    token = _current.set(context)
    try:
        yield context.effects
    finally:
        _current.reset(token)


def current_case() -> CaseContext | None:
    """The case the current engine call runs for; None outside one (a dry run, a lint)."""
    return _current.get()
