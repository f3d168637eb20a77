"""The one place that opens, commits and rolls back database transactions for the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from casework.errors import Conflict
from models import db

# Execution option read by the SQLite "begin" hook (webapp/extensions.py): writers take the
# database lock at BEGIN, so a read-then-write transaction never fails on lock upgrade.
WRITE_OPTION = "fallwerk_write"
# Execution option read by the same hook: no BEGIN at all, the statement runs in SQLite's autocommit mode
READ_ONCE_OPTION = "fallwerk_read_once"
_HOOKS = "fallwerk_after_commit"


class DatabaseBusy(Conflict):
    """The database refused a lock (SQLite: another writer committed since this transaction began)."""


@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[Session]:
    """One service call = one transaction: commit on success, roll back on any error.

    Raises:
        Conflict: the database reported a lock or serialization conflict.
    """
    session: Session = db.session()
    if session.in_transaction():
        # a read transaction left open by the request (e.g. loading the user) must not
        # become part of this unit of work, nor hold an old snapshot
        session.commit()
    if write:
        session.connection(execution_options={WRITE_OPTION: True})
    elif session.get_bind().dialect.name != "sqlite":
        # PostgreSQL reads in READ COMMITTED, where every statement sees its own snapshot, inside a
        # transaction or not: without one the BEGIN and the COMMIT, two round trips, are saved
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    hooks: list[Callable[[], None]] = []
    session.info[_HOOKS] = hooks
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if _is_lock_conflict(exc):
            raise DatabaseBusy("Die Datenbank ist gerade belegt; bitte erneut versuchen.") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_HOOKS, None)
    for hook in hooks:
        hook()


@contextmanager
def read_once() -> Iterator[Connection]:
    """A connection for ONE read statement outside any transaction: no BEGIN and no COMMIT, so on
    PostgreSQL one round trip instead of three (a single statement reads one consistent state anyway).
    Only for a statement that reads; anything that must see several statements alike takes
    ``unit_of_work(write=False)``. The request's session is left alone.
    """
    engine = db.engine
    options = ({READ_ONCE_OPTION: True} if engine.dialect.name == "sqlite" else {"isolation_level": "AUTOCOMMIT"})
    with engine.connect().execution_options(**options) as connection:
        yield connection


def after_commit(session: Session, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the current unit of work has committed (never after a rollback)."""
    session.info[_HOOKS].append(hook)


def is_outage(exc: BaseException) -> bool:
    """The database is away (refused, dropped, timed out, not set up), as opposed to refusing one
    statement: callers answer 503 and try again later instead of reporting a bug."""
    if isinstance(exc, (InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, OperationalError) and not _is_lock_conflict(exc)


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text
