"""Authentication wiring: session logins for the browser, bearer tokens for the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.common import CurrentUser, services
from webapp.extensions import login_manager

TOKEN_SALT = "fallwerk-api-token"  # noqa: S105 - a namespace, not a secret


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_token)


def _load_user(user_id: str) -> CurrentUser | None:
    try:
        actor = services().directory.actor(int(user_id))
    except ValueError:
        return None
    return CurrentUser(actor) if actor else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def issue_token(user_id: int) -> tuple[str, datetime]:
    """A signed, expiring bearer token for the API."""
    ttl = int(current_app.config["API_TOKEN_TTL"])
    token = _serializer().dumps({"uid": user_id})
    return token, datetime.now(UTC) + timedelta(seconds=ttl)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _load_from_token(request: Request) -> CurrentUser | None:
    token = bearer_token(request)
    if token is None:
        return None
    try:
        payload: Any = _serializer().loads(token, max_age=int(current_app.config["API_TOKEN_TTL"]))
        user_id = int(payload["uid"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    actor = services().directory.actor(user_id)
    return CurrentUser(actor, via_token=True) if actor else None
