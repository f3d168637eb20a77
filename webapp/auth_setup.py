"""Authentication wiring: session logins for the browser, bearer tokens for the API.

Both are server-side sign-ins (casework.sessions): the browser's signed session cookie carries
only a random session secret (``SESSION_KEY``), the API's bearer token is such a secret itself.
Ending the row (logout, revocation, password change, deactivation) ends the sign-in for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Request, session
from flask.sessions import SecureCookieSessionInterface

from webapp.common import CurrentUser, services
from webapp.extensions import login_manager

SESSION_KEY = "sid"


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signing serializer built once per key instead of on
    every request (an API call with a bearer token paid for it too)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_token)


def _load_user(user_id: str) -> CurrentUser | None:
    actor = services().sessions.resolve(session.get(SESSION_KEY), "web")
    if actor is None or str(actor.user_id) != user_id:
        return None
    return CurrentUser(actor)


def start_browser_session(user_id: int) -> None:
    """A new server-side session for the browser; the caller has cleared the old cookie's content."""
    secret, _expires = services().sessions.open(user_id, "web")
    session[SESSION_KEY] = secret


def end_browser_session() -> None:
    services().sessions.close(session.get(SESSION_KEY))


def issue_token(user_id: int) -> tuple[str, datetime]:
    """A bearer token for the API: a random secret, valid until revoked, idle too long or expired."""
    return services().sessions.open(user_id, "api")


def revoke_token(token: str) -> bool:
    return services().sessions.close(token)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _load_from_token(request: Request) -> CurrentUser | None:
    token = bearer_token(request)
    if token is None:
        return None
    actor = services().sessions.resolve(token, "api")
    return CurrentUser(actor, via_token=True) if actor else None
