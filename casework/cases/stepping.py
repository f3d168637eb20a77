"""Running an engine step without holding the write lock, and storing a step that went past a limit.

A step used to run inside its writing transaction; on SQLite that transaction holds the database's
write lock from its BEGIN, so one slow script made every other user's login and completion wait
(issue 11 §1). Now, on SQLite, a step runs in two units of work: ``prepare`` reads, checks and runs
the engine in a read-only transaction; ``RuntimeService.persist`` then writes in a short transaction
guarded by the instance's compare-and-set on ``lock_version``. (PostgreSQL locks nothing before that
compare-and-set, so there both parts share one transaction.) If another writer changed the case in between,
the whole step runs again on the fresh state (optimistic concurrency), a few times at most.

A step whose resulting state exceeds the case data limit cannot be stored. Its case is stored as it
was before the step, marked failed with the limit's message, in a fresh unit of work; an admin's
retry runs the step again (``Engine.retry``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

from casework.cases.history import PendingEvent
from casework.cases.steps import LoadedInstance, TaskPlan
from casework.engine import Engine, LimitExceeded, Snapshot
from casework.errors import Conflict
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import db

T = TypeVar("T")
# runs of a step whose write found the case changed meanwhile, before the caller gets the Conflict
ATTEMPTS = 3


class Persisting(Protocol):
    """What a step needs of the runtime (casework.cases.runtime.RuntimeService), without importing it."""

    engine: Engine

    @property
    def persist(self) -> Callable[..., Written]: ...


class CaseChanged(Conflict):
    """The compare-and-set on the instance's version failed: someone else wrote the case."""


@dataclass
class PreparedStep:
    """A step run in memory, ready to be written.

    ``before`` rebuilds the workflow as stored before the step; ``failure_events`` are the events
    that stand even when the step itself cannot be stored (a start stays a start).
    """

    loaded: LoadedInstance
    effects: list[dict[str, Any]]
    before: Callable[[], Any]
    persist_options: dict[str, Any] = field(default_factory=dict)
    failure_events: list[PendingEvent] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


Written = tuple[Snapshot, TaskPlan]
Prepare = Callable[[sa.orm.Session], PreparedStep]
Write = Callable[[sa.orm.Session, PreparedStep, Written], T]


def run_step(runtime: Persisting, prepare: Prepare, write: Write[T], *, actor: Actor | None) -> T:
    """Run ``prepare`` (reads + engine), then persist and ``write``; on SQLite in two units of work.

    PostgreSQL takes no lock before the compare-and-set, so there one transaction serves both parts
    (two round trips fewer per step); SQLite's writers lock the database at BEGIN, so there the
    engine runs in a read-only transaction first.

    Raises:
        Conflict: the case kept changing under the step (after :data:`ATTEMPTS` runs), or
            whatever ``prepare`` raises (NotFound, Forbidden, ValidationFailed, ...).
    """
    split = _locks_at_begin()
    for attempt in range(1, ATTEMPTS + 1):
        prepared: list[PreparedStep] = []
        try:
            if split:
                with unit_of_work(write=False) as session:
                    prepared.append(prepare(session))
                with unit_of_work() as session:
                    return _persist(runtime, session, prepared[0], write, actor)
            with unit_of_work() as session:
                prepared.append(prepare(session))
                return _persist(runtime, session, prepared[0], write, actor)
        except CaseChanged:
            if attempt == ATTEMPTS:
                raise
        except LimitExceeded as exc:
            if not prepared:
                raise
            return _store_failure(runtime, prepared[0], exc, write, actor=actor)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _locks_at_begin() -> bool:
    """True where a writing transaction holds the database's write lock from its BEGIN (SQLite)."""
    return bool(db.session().get_bind().dialect.name == "sqlite")


def _persist(
    runtime: Persisting, session: sa.orm.Session, prepared: PreparedStep, write: Write[T], actor: Actor | None
) -> T:
    # persist replaces (never mutates) the parties list when a script involved others
    prepared.extra["parties_before"] = prepared.loaded.parties
    written = runtime.persist(session, prepared.loaded, actor=actor, effects=prepared.effects,
                              **prepared.persist_options)
    return write(session, prepared, written)


def _store_failure(
    runtime: Persisting, prepared: PreparedStep, exc: LimitExceeded, write: Write[T], *, actor: Actor | None
) -> T:
    """Store the case as it was before the step, failed with the limit's message, in a fresh unit of work."""
    loaded = prepared.loaded
    loaded.parties = prepared.extra.get("parties_before", loaded.parties)
    loaded.workflow = prepared.before()
    runtime.engine.fail(loaded.workflow, exc.element, exc.message)
    loaded.events = list(prepared.failure_events)
    options = {k: v for k, v in prepared.persist_options.items() if k == "new_row"}
    with unit_of_work() as session:
        written = runtime.persist(session, loaded, actor=actor, effects=[], **options)
        return write(session, prepared, written)
