"""GET /healthz (API.md): 200 {"status": "ok", "database": "ok"}; 503 when the database is unreachable,
also when it was already unreachable when the app started (regression: the app did not start at all)."""

from __future__ import annotations

from typing import Any

from webapp import create_app


def test_healthz_ok(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_is_unreachable_from_the_start(tmp_path: Any) -> None:
    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'fallwerk.db'}"
    app = create_app({"DATABASE_URL": unreachable, "DEPLOY_ON_STARTUP": True})  # must not raise
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] != "ok" and response.json["status"] != "ok"


def test_pages_and_api_answers_carry_security_headers(client):
    for path in ("/login", "/healthz", "/api/v1/openapi.json"):
        response = client.get(path)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
