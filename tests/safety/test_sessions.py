"""Issue 11 §3: sessions and tokens live on the server and die when they should."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from casework.clock import FrozenClock
from models import AuthSession, db
from tests.conftest import Browser, csrf_token
from webapp import create_app


@pytest.fixture
def wall_clock(app: Any, monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """The sessions' own (wall) clock, frozen for the test so it can be moved."""
    sessions = app.extensions["casework"].sessions
    clock = FrozenClock(sessions.clock.now())
    monkeypatch.setattr(sessions, "clock", clock)
    return clock


def signed_in(app: Any, username: str = "gf", password: str = "demo") -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(username, password).status_code == 200
    return browser


def cookie_of(browser: Browser) -> str:
    return browser.client.get_cookie("session").value


def with_cookie(app: Any, value: str) -> Any:
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def is_signed_in(client: Any) -> bool:
    return client.get("/api/v1/me").status_code == 200


def token(client: Any, username: str = "gf", password: str = "demo") -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return str(response.json["token"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_a_copied_cookie_dies_with_logout(app):
    browser = signed_in(app)
    copied = cookie_of(browser)
    assert is_signed_in(with_cookie(app, copied))
    page = browser.client.get("/")
    browser.client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert not is_signed_in(browser.client)
    thief = with_cookie(app, copied)
    assert not is_signed_in(thief)
    assert thief.get("/").status_code == 302  # the inbox sends to the sign-in page


def test_delete_token_revokes_exactly_the_presented_token(client):
    first, second = token(client), token(client)
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 200
    response = client.delete("/api/v1/auth/token", headers=bearer(first))
    assert response.status_code == 204 and response.data == b""
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_the_token_itself_is_never_stored(app, client):
    secret = token(client)
    with app.app_context():
        stored = db.session.scalars(sa.select(AuthSession.id)).all()
        db.session.remove()
    assert stored and secret not in stored and all(len(s) == 64 for s in stored)


def test_a_password_change_ends_every_session_and_token(app, client):
    from models import User

    with app.app_context():
        demo_hash = db.session.scalar(sa.select(User.password_hash).where(User.username == "gf"))
        db.session.remove()
    other_browser, api_token = signed_in(app, "gf"), token(client)
    browser = signed_in(app, "gf")
    page = browser.client.get("/account/password")
    form = {"password": "demo", "new_password": "ein-langes-neues-Passwort", "repeat": "ein-langes-neues-Passwort",
            "csrf_token": csrf_token(page.text)}
    try:
        changed = browser.client.post("/account/password", data=form)
        assert changed.status_code == 302
        assert is_signed_in(browser.client)  # the browser that changed it gets a fresh session
        assert not is_signed_in(other_browser.client)
        assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401
        assert client.post("/api/v1/auth/token", json={"username": "gf", "password": "demo"}).status_code == 401
        assert token(client, "gf", "ein-langes-neues-Passwort")
    finally:
        with app.app_context():
            db.session.execute(sa.update(User).where(User.username == "gf").values(password_hash=demo_hash))
            db.session.commit()
            db.session.remove()


def test_the_password_page_refuses_differing_repetitions(app):
    browser = signed_in(app, "gf")
    page = browser.client.get("/account/password")
    assert page.status_code == 200 and "Passwort ändern" in page.text
    response = browser.client.post("/account/password", data={
        "password": "demo", "new_password": "ein-langes-neues-Passwort", "repeat": "ein-anderes-Passwort",
        "csrf_token": csrf_token(page.text)})
    assert response.status_code == 422 and "stimmen nicht überein" in response.text


def test_a_wrong_current_password_changes_nothing(app, client):
    api_token = token(client)
    response = client.put("/api/v1/me/password", headers=bearer(api_token),
                          json={"password": "falsch", "new_password": "ein-langes-neues-Passwort"})
    assert response.status_code == 422 and list(response.json["details"]["fields"]) == ["password"]
    short = client.put("/api/v1/me/password", headers=bearer(api_token),
                       json={"password": "demo", "new_password": "kurz"})
    assert short.status_code == 422 and list(short.json["details"]["fields"]) == ["new_password"]
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200


def test_deactivation_by_an_admin_ends_every_session_and_token(app, client, api):
    browser, api_token = signed_in(app, "tv.ba1"), token(client, "tv.ba1")
    assert api("gf").post("/api/v1/users/tv.ba1/deactivate").status_code == 403
    try:
        done = api("admin").post("/api/v1/users/tv.ba1/deactivate")
        assert done.status_code == 200 and done.json == {"username": "tv.ba1", "active": False}
        assert not is_signed_in(browser.client)
        assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401
        assert client.post("/api/v1/auth/token", json={"username": "tv.ba1", "password": "demo"}).status_code == 401
    finally:
        assert api("admin").post("/api/v1/users/tv.ba1/activate").status_code == 200
    assert is_signed_in(signed_in(app, "tv.ba1").client)


def test_the_operator_deactivates_at_the_command_line(app, client):
    api_token = token(client, "tv.ba2")
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["users", "deactivate", "tv.ba2"])
        assert result.exit_code == 0, result.output
        assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401
    finally:
        assert runner.invoke(args=["users", "activate", "tv.ba2"]).exit_code == 0
    assert runner.invoke(args=["users", "deactivate", "niemand"]).exit_code != 0


def test_idle_timeout_and_absolute_lifetime(app, client, wall_clock):
    browser, api_token = signed_in(app), token(client)
    wall_clock.advance(minutes=29)
    assert is_signed_in(browser.client)  # use within the idle time moves "last seen"
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    wall_clock.advance(minutes=29)
    assert is_signed_in(browser.client)
    wall_clock.advance(minutes=31)
    assert not is_signed_in(browser.client)  # idle for 31 minutes
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401

    active = signed_in(app)
    for _ in range(21):  # busy all day: every 29 minutes, for 10 h 9 min
        wall_clock.advance(minutes=29)
        still = is_signed_in(active.client)
    assert not still


def test_last_seen_is_written_at_most_once_a_minute(app, wall_clock):
    browser = signed_in(app)

    def last_seen() -> Any:
        with app.app_context():
            value = db.session.scalar(sa.select(sa.func.max(AuthSession.last_seen_at)))
            db.session.remove()
        return value

    first = last_seen()
    wall_clock.advance(seconds=30)
    assert is_signed_in(browser.client) and last_seen() == first
    wall_clock.advance(seconds=31)
    assert is_signed_in(browser.client) and last_seen() == first + timedelta(seconds=61)


def test_a_short_secret_key_refuses_to_start_outside_debug_and_testing(tmp_path, monkeypatch):
    monkeypatch.setenv("FALLWERK_SECRET_KEY", "zu-kurz")
    monkeypatch.setenv("FALLWERK_DEPLOY_ON_STARTUP", "false")
    monkeypatch.setenv("FALLWERK_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("FALLWERK_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RuntimeError, match="mindestens 32"):
        create_app()
    monkeypatch.setenv("FALLWERK_SECRET_KEY", "x" * 32)
    assert create_app().config["SECRET_KEY"] == "x" * 32


def test_the_generated_instance_secret_is_long_enough(tmp_path):
    from webapp import _instance_secret

    assert len(_instance_secret(tmp_path)) >= 32
