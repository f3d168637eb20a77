"""The one place that turns errors into the JSON answer of API.md: ``{"error", "message", "details"}``.

Domain errors (casework.errors), errors the API finds itself (:class:`ApiError`: bad JSON, bad
credentials, invalid data found by a schema), HTTP errors and unknown paths under ``/api/`` all end
here. Messages are German, or English when Accept-Language prefers it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.errors import (
    CaseworkError,
    Conflict,
    DefinitionInvalid,
    Forbidden,
    NotFound,
    ScriptFailed,
    TooLarge,
    Unavailable,
    UnsupportedType,
    ValidationFailed,
)

API_ROOT = "/api/"

# code -> (German, English); German is the default, Accept-Language may prefer English
MESSAGES: dict[str, tuple[str, str]] = {
    "bad_request": ("Die Anfrage ist ungültig.", "The request is invalid."),
    "malformed_json": (
        "Der Anfragekörper ist kein gültiges JSON-Objekt.",
        "The request body is not a valid JSON object.",
    ),
    "json_too_deep": (
        "Der Anfragekörper ist zu tief verschachtelt (details.max_depth nennt die Grenze).",
        "The request body is nested too deep (details.max_depth gives the limit).",
    ),
    "non_finite_number": (
        "Zahlen müssen endlich sein: NaN, Infinity und Werte wie 1e400 sind nicht erlaubt.",
        "Numbers must be finite: NaN, Infinity and values such as 1e400 are not allowed.",
    ),
    "too_many_requests": (
        "Zu viele Anmeldeversuche; bitte nach der in Retry-After genannten Zeit erneut versuchen.",
        "Too many sign-in attempts; please try again after the time given in Retry-After.",
    ),
    "not_authenticated": (
        "Anmeldung erforderlich: Token oder Sitzung fehlt oder ist ungültig.",
        "Authentication required: the token or session is missing or invalid.",
    ),
    "invalid_credentials": ("Benutzername oder Passwort ist falsch.", "Wrong username or password."),
    "forbidden": ("Dazu sind Sie nicht berechtigt.", "You are not allowed to do this."),
    "csrf_failed": (
        "Das CSRF-Token fehlt oder ist ungültig (Header X-CSRFToken).",
        "The CSRF token is missing or invalid (header X-CSRFToken).",
    ),
    "not_found": ("Nicht gefunden oder für Sie nicht sichtbar.", "Not found, or not visible to you."),
    "method_not_allowed": ("Diese Methode ist hier nicht erlaubt.", "This method is not allowed here."),
    "conflict": (
        "Konflikt: inzwischen geändert, übernommen oder erledigt.",
        "Conflict: changed, claimed or completed by someone else in the meantime.",
    ),
    "payload_too_large": ("Die Anfrage ist zu groß.", "The request is too large."),
    "unsupported_media_type": ("Dieses Format wird nicht unterstützt.", "This media type is not supported."),
    "validation_failed": ("Die Eingaben sind ungültig.", "The data is invalid."),
    "definition_invalid": (
        "Bereitstellung abgelehnt; nichts wurde bereitgestellt.",
        "Deployment refused; nothing was deployed.",
    ),
    "script_failed": (
        "Ein Ausdruck oder Skript des Prozesses ist fehlgeschlagen.",
        "An expression or script of the process failed.",
    ),
    "server_error": ("Interner Fehler.", "Internal server error."),
    "unavailable": ("Vorübergehend nicht verfügbar; bitte später erneut versuchen.",
                    "Temporarily unavailable; please try again later."),
    "http_error": ("Die Anfrage konnte nicht bearbeitet werden.", "The request could not be handled."),
}
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
}
DOMAIN_STATUS: tuple[tuple[type[CaseworkError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (ValidationFailed, 422),
    (DefinitionInvalid, 422),
    (ScriptFailed, 422),
    (TooLarge, 413),
    (UnsupportedType, 415),
    (Unavailable, 503),
)


class ApiError(Exception):
    """An error the API itself detects (bad JSON, bad credentials), answered like domain errors."""

    def __init__(self, code: str, status: int, **details: Any) -> None:
        super().__init__(code)
        self.code, self.status, self.details = code, status, details


def _english() -> bool:
    return request.accept_languages.best_match(("de", "en"), default="de") == "en"


def error_response(
    code: str,
    status: int,
    details: dict[str, Any] | None = None,
    message: str | None = None,
    suffix: str = "",
) -> Response:
    """``message``, if given, is the German text of a service; English callers get ours.
    ``suffix`` (the same in both languages) names what went wrong, e.g. the failing element ids."""
    german, english = MESSAGES.get(code, MESSAGES["http_error"])
    text = (english if _english() else (message or german)) + suffix
    response = jsonify(error=code, message=text, details=details or {})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fallwerk"'
    return response


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.code, exc.status, exc.details)


def _domain_error(exc: CaseworkError) -> Response:
    status = next((s for cls, s in DOMAIN_STATUS if isinstance(exc, cls)), 400)
    if isinstance(exc, DefinitionInvalid):
        # the message names the failing elements too; details.errors has every problem in full
        errors = [p for p in exc.problems if p.severity == "error"]
        listed = "; ".join(f"{p.file} [{p.element_id or '-'}]: {p.message}" for p in errors[:3])
        more = f" (+{len(errors) - 3})" if len(errors) > 3 else ""
        return error_response(exc.code, status, dict(exc.details), suffix=f" {listed}{more}")
    response = error_response(exc.code, status, dict(exc.details), exc.message)
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def http_error(exc: HTTPException) -> Response:
    if isinstance(exc, CSRFError):
        return error_response("csrf_failed", 403)
    status = exc.code or 500
    response = error_response(HTTP_CODES.get(status, "http_error"), status)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
    return response


def _routing_errors() -> Response | None:
    """Unknown paths and methods under /api/ never reach a blueprint: answer them in JSON here."""
    exc = request.routing_exception
    if exc is None or not request.path.startswith(API_ROOT):
        return None
    if isinstance(exc, HTTPException) and (exc.code or 500) >= 400:
        return http_error(exc)
    return None


def register(bp: Blueprint) -> None:
    """Every error of the blueprint's views, and of unknown paths under /api/, answers in JSON."""
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(CaseworkError, _domain_error)
    # Registered per status code: Flask looks up app handlers by code before blueprint handlers by
    # class, so a generic HTTPException handler here would lose to the HTML 404 page of webapp/errors.py.
    for status in (400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429, 500):
        bp.register_error_handler(status, http_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.before_app_request(_routing_errors)
