"""Issue 11 §4: sign-in throttling per client address and per account, never a lock strangers control."""

from __future__ import annotations

import re
from typing import Any

import pytest

from webapp import create_app
from webapp.throttle import KNOWN_COOKIE, LoginThrottle, ThrottleLimits

REDIS = "redis://127.0.0.1:6379/5"


@pytest.fixture
def throttle(app: Any, monkeypatch: pytest.MonkeyPatch) -> LoginThrottle:
    """The production defaults (config/testing.py relaxes them for the rest of the suite)."""
    fresh = LoginThrottle("memory://", ThrottleLimits(), app.config["SECRET_KEY"])
    monkeypatch.setitem(app.extensions, "login_throttle", fresh)
    return fresh


def token_attempt(client: Any, username: str, password: str, address: str) -> Any:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def form_attempt(client: Any, username: str, password: str, address: str) -> Any:
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                       environ_base={"REMOTE_ADDR": address})


def test_strangers_cannot_lock_the_owner_out(app, throttle):
    stranger, owner = app.test_client(), app.test_client()
    for _ in range(10):
        assert token_attempt(stranger, "gf", "falsch", "203.0.113.7").status_code == 401
    refused = token_attempt(stranger, "gf", "demo", "203.0.113.7")
    assert refused.status_code == 429 and refused.json["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 120
    # the owner, from her own address, is not affected at all
    assert token_attempt(owner, "gf", "demo", "198.51.100.4").status_code == 200


def test_guessing_from_many_addresses_slows_the_account_but_not_the_owners_browser(app, throttle):
    for i in range(50):  # 5 guesses each from 10 addresses: under every per-address limit
        assert token_attempt(app.test_client(), "gf", "falsch", f"203.0.113.{i // 5}").status_code == 401
    other = token_attempt(app.test_client(), "gf", "demo", "198.51.100.4")
    assert other.status_code == 429 and 1 <= int(other.headers["Retry-After"]) <= 15 * 60
    # a browser gf signed in from before is known and gets in at once
    owner = app.test_client()
    owner.set_cookie(KNOWN_COOKIE, throttle._known.dumps(["gf"]))
    assert form_attempt(owner, "gf", "demo", "198.51.100.4").status_code == 302


def test_a_successful_sign_in_makes_the_browser_known(app, throttle):
    browser = app.test_client()
    assert form_attempt(browser, "gf", "demo", "198.51.100.4").status_code == 302
    assert throttle._known.loads(browser.get_cookie(KNOWN_COOKIE).value) == ["gf"]
    from flask import request

    signed = browser.get_cookie(KNOWN_COOKIE).value
    for cookie, known in ((signed, True), ('["gf"]', False), (signed[:-2] + "xx", False)):
        with app.test_request_context(headers={"Cookie": f"{KNOWN_COOKIE}={cookie}"}):
            assert throttle.knows(request, "gf") is known and not throttle.knows(request, "admin")


def test_password_spraying_from_one_address_is_throttled(app, throttle):
    client = app.test_client()
    names = [f"user{i}" for i in range(20)]
    assert all(token_attempt(client, n, "Sommer2026!", "203.0.113.9").status_code == 401 for n in names)
    refused = token_attempt(client, "gf", "demo", "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60
    assert token_attempt(client, "gf", "demo", "203.0.113.10").status_code == 200


def test_the_login_form_answers_429_with_an_html_page(app, throttle):
    client = app.test_client()
    for _ in range(10):
        assert form_attempt(client, "gf", "falsch", "203.0.113.7").status_code == 401
    refused = form_attempt(client, "gf", "demo", "203.0.113.7")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert "Zu viele Anmeldeversuche" in refused.text and int(refused.headers["Retry-After"]) >= 1


def test_unknown_and_known_accounts_are_throttled_alike(app, throttle):
    client = app.test_client()
    answers = []
    for name in ("gf", "niemand"):
        for _ in range(10):
            token_attempt(client, name, "falsch", "203.0.113.7")
        refused = token_attempt(client, name, "falsch", "203.0.113.7")
        answers.append((refused.status_code, refused.json["error"]))
    assert answers == [(429, "too_many_requests")] * 2


def _app_on(storage: str, tmp_path: Any, name: str) -> Any:
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / name}.db", "LOGIN_THROTTLE_STORAGE": storage})


def test_redis_storage_is_shared_by_several_server_processes(tmp_path):
    """Two apps stand for two server processes: with Redis they count together."""
    first, second = _app_on(REDIS, tmp_path, "a"), _app_on(REDIS, tmp_path, "b")
    one, two = first.extensions["login_throttle"], second.extensions["login_throttle"]
    one.reset()
    for _ in range(5):
        one.failed("gf", "203.0.113.7", known=False)
        two.failed("gf", "203.0.113.7", known=False)
    assert two.refuse("gf", "203.0.113.7", known=False) is not None
    assert one.refuse("gf", "198.51.100.4", known=False) is None
    one.reset()


def test_an_unreachable_storage_falls_back_to_memory(tmp_path):
    app = _app_on("redis://127.0.0.1:1/5", tmp_path, "c")
    throttle = app.extensions["login_throttle"]
    for _ in range(10):
        throttle.failed("gf", "203.0.113.7", known=False)
    assert throttle.refuse("gf", "203.0.113.7", known=False) is not None


def test_behind_a_trusted_proxy_each_client_counts_on_its_own(tmp_path):
    """With TRUSTED_PROXIES=1 (nginx) the throttle sees X-Forwarded-For, not the proxy's address."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p'}.db", "TRUSTED_PROXIES": 1})
    seen = []

    @app.get("/_address")
    def _address() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    client = app.test_client()
    for forwarded in ("203.0.113.7", "198.51.100.4"):
        client.get("/_address", headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == ["203.0.113.7", "198.51.100.4"]
    plain = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'q'}.db"})
    assert plain.wsgi_app.__class__.__name__ != "ProxyFix"
