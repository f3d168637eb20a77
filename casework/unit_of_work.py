"""The one place that opens, commits and rolls back database transactions for the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from casework.errors import Conflict
from models import db

# Execution option read by the SQLite "begin" hook (webapp/extensions.py): writers take the
# database lock at BEGIN, so a read-then-write transaction never fails on lock upgrade.
WRITE_OPTION = "fallwerk_write"
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
