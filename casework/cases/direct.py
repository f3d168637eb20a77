"""The row writes of a step, straight to the database driver.

SQLAlchemy builds an execution context around every statement; for the small writes of a step that
costs several times the statement itself (bench/engine.py: about 50 µs against SQLite's 7 µs), and
a step writes a dozen of them. ``Direct`` keeps what matters of that work and skips the rest: the
statement is compiled by SQLAlchemy once per dialect and set of columns, its values go through the
same bind processors (JSON, dates), it runs on the cursor of the transaction's own connection, and
a driver error is translated by SQLAlchemy as before (IntegrityError, OperationalError, a lost
connection invalidated). A statement that needs more of SQLAlchemy -- Python-side column defaults,
expanding IN lists, RETURNING -- runs through ``Connection.execute`` unchanged.

Imports SQLAlchemy only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Plan:
    """A statement compiled for one dialect and one set of keys: how each value reaches the driver."""

    sql: str
    positional: bool
    # per bind parameter in the order of the SQL: its name, the key it is read from (None: the
    # statement's own value), that value, and SQLAlchemy's processor for its type
    binds: tuple[tuple[str, str | None, Any, Callable[[Any], Any] | None], ...]


class Direct:
    """A prebuilt INSERT, UPDATE or DELETE (or a text statement) run on the driver's cursor."""

    # statements sent to a driver this way, across all instances: they pass no SQLAlchemy events,
    # so bench/engine.py adds them to the statements it counts through those
    executed = 0

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan | None] = {}

    def execute(self, conn: sa.Connection, params: Params | Sequence[Params]) -> int:
        """Run once, or once per parameter set of a list (executemany); returns the rowcount.

        Raises:
            sqlalchemy.exc.DBAPIError: the driver refused it, translated as ``Connection.execute`` does.
        """
        rows = [params] if isinstance(params, Mapping) else list(params)
        if not rows:
            return 0
        plan = self._plan(conn.dialect, tuple(rows[0]))
        if plan is None or any(tuple(r) != tuple(rows[0]) for r in rows[1:]):
            return int(conn.execute(self.statement, params).rowcount)
        values = [_values(plan, row) for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        Direct.executed += 1
        try:
            if len(values) == 1:
                cursor.execute(plan.sql, values[0])
            else:
                cursor.executemany(plan.sql, values)
            return int(cursor.rowcount)
        except Exception as exc:  # noqa: BLE001 - translated (and re-raised) by SQLAlchemy
            conn._handle_dbapi_exception(exc, plan.sql, values[0] if len(values) == 1 else values, cursor, None)
            raise  # pragma: no cover - _handle_dbapi_exception always raises
        finally:
            cursor.close()

    def _plan(self, dialect: sa.Dialect, keys: tuple[str, ...]) -> _Plan | None:
        key = (dialect.name, keys)
        if key not in self._plans:
            self._plans[key] = _compile(self.statement, dialect, keys)
        return self._plans[key]


def _compile(statement: Any, dialect: sa.Dialect, keys: tuple[str, ...]) -> _Plan | None:
    """The plan for ``statement`` with values for ``keys``, or None where only SQLAlchemy can run it."""
    try:
        # as for executemany: no RETURNING of a generated key (PostgreSQL adds one to a single insert)
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    except sa.exc.SQLAlchemyError:
        return None  # Connection.execute reports it
    if (
        getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None)
        or getattr(compiled, "returning", None) or compiled.post_compile_params
        or compiled.literal_execute_params or getattr(compiled, "escaped_bind_names", None)
        or any(b.callable is not None or b.expanding for b in compiled.bind_names)
    ):
        return None
    processors = compiled._bind_processors
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    order = compiled.positiontup if compiled.positional else list(by_name)
    binds = []
    for name in order:
        bind = by_name[name]
        # read as SQLAlchemy's construct_params does: the parameter's key, then its compiled name
        source = bind.key if bind.key in keys else (name if name in keys else None)
        if source is None and bind.required:
            return None  # a missing value: SQLAlchemy's own message
        binds.append((name, source, bind.effective_value, processors.get(name)))
    return _Plan(compiled.string, bool(compiled.positional), tuple(binds))


def _values(plan: _Plan, row: Params) -> Any:
    values = []
    for _name, source, own, process in plan.binds:
        value = row[source] if source is not None else own
        values.append(process(value) if process is not None else value)
    if plan.positional:
        return tuple(values)
    return {name: value for (name, *_), value in zip(plan.binds, values, strict=True)}
