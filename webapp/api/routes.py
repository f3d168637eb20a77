"""The API blueprint: authentication for every view, the JSON error answers, the OpenAPI document.

Authentication is a bearer token or the browser session; with the session, unsafe methods need
a CSRF token (header ``X-CSRFToken``). Every error of ``/api/*`` -- domain errors, HTTP errors,
unknown paths -- is answered by :mod:`webapp.api.errors` as ``{"error", "message", "details"}``.
The views live in one module per area (account, definitions, instances, tasks, deadlines, ...).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user

from webapp.api import errors
from webapp.api.errors import ApiError, error_response
from webapp.api.spec import document, endpoint, json_body
from webapp.auth_setup import bearer_token
from webapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.issue_token", "api.openapi_document"})

errors.register(bp)


@bp.record_once
def _exempt_from_csrf(state: Any) -> None:
    # bearer-token calls need no CSRF token; session calls are checked in _authenticate
    csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if bearer_token(request) is not None:
        # webapp/outage.py resolved the caller already; a token found then is not looked up again
        user = g.get("_login_user")
        if not getattr(user, "via_token", False):
            user = current_app.login_manager.request_callback(request)  # type: ignore[attr-defined]
        if user is None:
            raise ApiError("not_authenticated", 401, reason="invalid_token")
        g._login_user = user  # a token wins over a session cookie sent along (flask-login's slot)
        return
    if not current_user.is_authenticated:
        raise ApiError("not_authenticated", 401)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # only unsafe methods are checked


@bp.get("/openapi.json")
@endpoint("system", 200, None, "OpenAPI 3.0, generated from the endpoints' models", public=True)
def openapi_document() -> Response:
    """This document."""
    return jsonify(document())


__all__ = ["ApiError", "bp", "error_response", "json_body"]
