"""Flask extensions, created unbound here and bound in create_app."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from casework.unit_of_work import READ_ONCE_OPTION, WRITE_OPTION
from models import db

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and, on SQLite, set WAL mode and the explicit BEGIN handling."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
        else:
            _ping_when_idle(db.engine)


# A pooled connection unused this long is tested before use (a restarted database server has closed it;
# a failed statement also makes the pool replace every connection it holds).
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, but only for connections that sat idle: a request checks out a
    connection for each unit of work, and a ping each time was one more round trip to the server."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["fallwerk_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("fallwerk_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's own error for a closed connection
            raise DisconnectionError("stale pooled connection") from exc
        if not alive:
            raise DisconnectionError("stale pooled connection")


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # we issue BEGIN ourselves (below); the driver's implicit transactions would defeat it
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode never corrupts; a power cut may lose the last commits only
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # writers take the write lock up front: a deferred transaction that reads and then
        # writes fails with "database is locked" when another writer committed in between
        options = connection.get_execution_options()
        if options.get(READ_ONCE_OPTION):
            return  # casework.unit_of_work.read_once: one statement in autocommit mode
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")
