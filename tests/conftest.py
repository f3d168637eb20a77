"""Shared fixtures: one migrated database with the demo world per run, runtime tables emptied per test.

The suite runs on SQLite (a file, so several connections can race) unless
FALLWERK_TEST_DATABASE_URL names a PostgreSQL database, whose public schema is then rebuilt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from casework import Casework
from casework.clock import FrozenClock
from casework.records import Actor
from models import db
from webapp import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_TABLES = (
    "auth_sessions",
    "scheduler_heartbeats",
    "holiday_overrides",
    "process_drafts",
    "outbox_mails",
    "timers", "message_subscriptions", "external_tasks",
    "absences", "case_notes", "case_documents",
    "saved_filters", "case_search", "history_events", "task_candidates", "task_candidate_users", "human_tasks", "case_readers", "case_parties", "process_instances",
)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("FALLWERK_TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'fallwerk-test.db'}"


@pytest.fixture(scope="session")
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, clock: FrozenClock) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": _database_url(tmp_path_factory),
            "CLOCK": clock,
            "WTF_CSRF_ENABLED": True,
            "DOCUMENTS_DIR": str(tmp_path_factory.mktemp("documents")),
        }
    )
    with app.app_context():
        runner = app.test_cli_runner()
        result = runner.invoke(args=["setup", "--demo"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        app.config["BASELINE_DEFINITION_ID"] = db.session.scalar(
            sa.text("SELECT COALESCE(MAX(id), 0) FROM process_definitions")
        )
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_runtime(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty the case tables after each test that used the app; definitions deployed by it go too."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    app.extensions["login_throttle"].reset()
    with app.app_context():
        with db.engine.begin() as conn:
            for table in RUNTIME_TABLES:
                conn.execute(sa.text(f"DELETE FROM {table}"))
            conn.execute(
                sa.text("DELETE FROM process_definitions WHERE id > :base"),
                {"base": app.config["BASELINE_DEFINITION_ID"]},
            )
            conn.execute(sa.text("UPDATE users SET new_task_mail = 'daily'"))
        db.session.remove()


@pytest.fixture(autouse=True)
def _reset_clock(clock: FrozenClock) -> None:
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def casework(app: Flask) -> Iterator[Casework]:
    with app.app_context():
        yield app.extensions["casework"]


@pytest.fixture
def actor(casework: Casework) -> Any:
    """actor("gf") -> the demo user's Actor."""

    def make(username: str) -> Actor:
        from models import User

        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
        assert user_id is not None, username
        found = casework.directory.actor(user_id)
        assert found is not None
        return found

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1) or match.group(2)


class Browser:
    """A logged-in test client that carries CSRF tokens like a browser does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = "demo") -> Any:
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
            follow_redirects=True,
        )

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def submit(self, url: str, data: dict[str, Any], *, page_url: str | None = None, **kw: Any) -> Any:
        """POST ``data`` with the CSRF token from the page at ``page_url`` (default: ``url``)."""
        page = self.client.get(page_url or url)
        return self.client.post(url, data={**data, "csrf_token": csrf_token(page.text)}, **kw)


@pytest.fixture
def browser(app: Flask) -> Any:
    """browser("gf") -> a Browser logged in as that demo user."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 200
        return b

    return make


class Api:
    """A JSON API client with a bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=json, headers=self.headers, **kw)


@pytest.fixture
def api(app: Flask) -> Any:
    """api("gf") -> an Api client authenticated as that demo user."""

    def make(username: str, password: str = "demo") -> Api:
        client = app.test_client()
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return Api(client, response.json["token"])

    return make


@pytest.fixture
def committees_restored(app: Flask) -> Iterator[None]:
    """The demo committees serve every test of the run; a test whose case writes a chair into them
    (tv_chair) gets their rows put back afterwards."""
    from models import Body, BodyMember

    tables = (Body.__table__, BodyMember.__table__)
    with app.app_context():
        saved = [(t, [dict(r._mapping) for r in db.session.execute(sa.select(t))]) for t in tables]
        db.session.remove()
    yield
    with app.app_context():
        for table, rows in saved:
            for row in rows:
                db.session.execute(sa.update(table).where(table.c.id == row["id"]).values(**row))
        db.session.commit()
        db.session.remove()
