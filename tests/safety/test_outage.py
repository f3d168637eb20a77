"""Issue 11 §5: with the database unreachable, every page and API call answers 503, never 500.

The outage is real to the app: the pool is emptied and every new connection the driver tries
fails as the driver fails when the server is gone (its own OperationalError), on SQLite and on
PostgreSQL alike. The server-level proof with a real process and a PostgreSQL behind a cut proxy
is tests/safety/test_outage_server.py (bench/outage.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from models import db
from tests.conftest import Browser

PAGES = ["/", "/cases", "/cases/new", "/deadlines", "/account", "/account/password", "/nirgends"]
API = [("get", "/api/v1/me"), ("get", "/api/v1/tasks"), ("get", "/api/v1/process-instances"),
       ("get", "/api/v1/process-definitions"), ("post", "/api/v1/process-instances"),
       ("get", "/api/v1/nirgends")]


class Outage:
    """Cuts the app off its database and restores it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.down = False
        with app.app_context():
            self.engine = db.engine
        self.error = self.engine.dialect.loaded_dbapi.OperationalError

        @event.listens_for(self.engine, "do_connect")
        def _refuse(*_args: Any) -> None:
            if self.down:
                raise self.error("connection refused: the database server is gone (test outage)")

        self._listener = _refuse

    def cut(self) -> None:
        self.down = True
        self.engine.dispose()  # the pooled connections go with the server

    def restore(self) -> None:
        self.down = False

    def remove(self) -> None:
        self.down = False
        event.remove(self.engine, "do_connect", self._listener)


@pytest.fixture
def outage(app: Any) -> Iterator[Outage]:
    cut = Outage(app)
    yield cut
    cut.remove()


def test_every_page_answers_503_with_retry_after_in_german(app, outage):
    browser = Browser(app.test_client())
    assert browser.login("gf").status_code == 200
    outage.cut()
    for path in PAGES:
        response = browser.client.get(path)
        assert response.status_code == 503, path
        assert response.mimetype == "text/html" and int(response.headers["Retry-After"]) > 0
        assert "Datenbank ist gerade nicht erreichbar" in response.text
    outage.restore()
    assert browser.client.get("/").status_code == 200  # the same session works again, no restart


def test_signing_in_during_an_outage_is_503_not_500(app, outage):
    browser = Browser(app.test_client())
    page = browser.client.get("/login")
    outage.cut()
    from tests.conftest import csrf_token

    response = browser.client.post("/login", data={"username": "gf", "password": "demo",
                                                   "csrf_token": csrf_token(page.text)})
    assert response.status_code == 503 and "Retry-After" in response.headers
    token = browser.client.post("/api/v1/auth/token", json={"username": "gf", "password": "demo"})
    assert token.status_code == 503 and token.json["error"] == "unavailable"


def test_every_api_call_answers_503_json(app, api, outage):
    client = api("gf")
    outage.cut()
    for method, path in API:
        response = getattr(client, method)(path) if method == "get" else client.post(path, json={})
        assert response.status_code == 503, path
        assert response.json["error"] == "unavailable" and "nicht erreichbar" in response.json["message"]
        assert int(response.headers["Retry-After"]) > 0
    english = client.client.get("/api/v1/me", headers={**client.headers, "Accept-Language": "en"})
    assert "unreachable" in english.json["message"]
    outage.restore()
    assert client.get("/api/v1/me").status_code == 200


def test_healthz_keeps_its_contract(client, outage):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    outage.cut()
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json["database"] == "unreachable"
    outage.restore()
    assert client.get("/healthz").status_code == 200


def test_the_scheduler_logs_one_line_when_the_database_goes_and_one_when_it_is_back(app, outage, caplog):
    from webapp.scheduler import tick

    caplog.set_level("INFO")
    outage.cut()
    for _ in range(5):
        tick(app)
    outage.restore()
    for _ in range(3):
        tick(app)
    lines = [r for r in caplog.records if r.name == "webapp.scheduler"]
    assert [r.levelname for r in lines] == ["WARNING", "WARNING"]
    assert "nicht erreichbar" in lines[0].getMessage() and "wieder erreichbar" in lines[1].getMessage()
    assert not any(r.exc_info for r in caplog.records)
