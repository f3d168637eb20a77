"""Running an engine step without holding the write lock, and storing a step that went past a limit.

A step used to run inside its writing transaction; on SQLite that transaction holds the database's
write lock from its BEGIN, so one slow script made every other user's login and completion wait
(issue 11 §1). Now ``prepare`` reads, checks and runs the engine while the transaction holds no
lock (on SQLite it begins as a reader), and ``RuntimeService.persist`` then writes, guarded by the
instance's compare-and-set on ``lock_version``, so the write lock is held only while writing (see
:func:`run_step`). If another writer changed the case in between, the whole step runs again on the
fresh state (optimistic concurrency), a few times at most.

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
from casework.unit_of_work import DatabaseBusy, unit_of_work
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
    # checked as the step writes, before the case (e.g. that a worker still holds its lock); raises
    guard: Callable[[sa.orm.Session], None] | None = None


Written = tuple[Snapshot, TaskPlan]
Prepare = Callable[[sa.orm.Session], PreparedStep]
Write = Callable[[sa.orm.Session, PreparedStep, Written], T]


def run_step(runtime: Persisting, prepare: Prepare, write: Write[T], *, actor: Actor | None) -> T:
    """Run ``prepare`` (reads + engine), then persist and ``write``, without a write lock during the engine.

    One transaction serves both parts: on PostgreSQL nothing is locked before the compare-and-set;
    on SQLite it begins as a reader and takes the write lock only when ``persist`` writes. If another
    writer committed meanwhile, SQLite refuses that upgrade (it never waits for it): the same step is
    then written in a transaction of its own, still guarded by the case's version.

    Raises:
        Conflict: the case kept changing under the step (after :data:`ATTEMPTS` runs), or
            whatever ``prepare`` raises (NotFound, Forbidden, ValidationFailed, ...).
    """
    sqlite = _locks_at_begin()
    for attempt in range(1, ATTEMPTS + 1):
        prepared: list[PreparedStep] = []
        try:
            try:
                with unit_of_work(write=not sqlite) as session:
                    prepared.append(prepare(session))
                    return _persist(runtime, session, prepared[0], write, actor)
            except DatabaseBusy:
                if not sqlite or not prepared:
                    raise
                with unit_of_work() as session:
                    return _persist(runtime, session, _rewound(prepared[0]), write, actor)
        except CaseChanged:
            if attempt == ATTEMPTS:
                raise
        except LimitExceeded as exc:
            if not prepared:
                raise
            return _store_failure(runtime, _rewound(prepared[0]), exc, write, actor=actor)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _locks_at_begin() -> bool:
    """True where a writing transaction holds the database's write lock from its BEGIN (SQLite)."""
    return bool(db.session().get_bind().dialect.name == "sqlite")


def _persist(
    runtime: Persisting, session: sa.orm.Session, prepared: PreparedStep, write: Write[T], actor: Actor | None
) -> T:
    # persist appends to the events and replaces the parties when a script involved others: kept
    # so that a write that failed before anything was stored can be done again (_rewound)
    prepared.extra["before_persist"] = (list(prepared.loaded.events), prepared.loaded.parties)
    if prepared.guard is not None:
        prepared.guard(session)
    written = runtime.persist(session, prepared.loaded, actor=actor, effects=prepared.effects,
                              **prepared.persist_options)
    return write(session, prepared, written)


def _rewound(prepared: PreparedStep) -> PreparedStep:
    """``prepared`` as it was before a :func:`_persist` that was rolled back."""
    if "before_persist" in prepared.extra:
        events, parties = prepared.extra.pop("before_persist")
        prepared.loaded.events, prepared.loaded.parties = list(events), parties
    return prepared


def _store_failure(
    runtime: Persisting, prepared: PreparedStep, exc: LimitExceeded, write: Write[T], *, actor: Actor | None
) -> T:
    """Store the case as it was before the step, failed with the limit's message, in a fresh unit of work."""
    loaded = prepared.loaded
    loaded.workflow = prepared.before()
    runtime.engine.fail(loaded.workflow, exc.element, exc.message)
    loaded.events = list(prepared.failure_events)
    options = {k: v for k, v in prepared.persist_options.items() if k == "new_row"}
    with unit_of_work() as session:
        written = runtime.persist(session, loaded, actor=actor, effects=[], **options)
        return write(session, prepared, written)
