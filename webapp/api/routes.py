"""JSON API v1 (API.md): each route parses its input, calls one service method and serialises.

Authentication is a bearer token or the browser session; with the session, unsafe methods need
a CSRF token (header ``X-CSRFToken``). Every error of ``/api/*`` -- domain errors, HTTP errors,
unknown paths -- is answered here as ``{"error", "message", "details"}``.
"""

from __future__ import annotations

from functools import partial
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casework.errors import (
    CaseworkError,
    Conflict,
    DefinitionInvalid,
    Forbidden,
    NotFound,
    Problem,
    ScriptFailed,
    ValidationFailed,
)
from casework.records import Page
from webapp import auth_setup, json_input
from webapp.api import serialise
from webapp.api.openapi import build_document
from webapp.auth_setup import bearer_token
from webapp.common import actor, services
from webapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_ROOT = "/api/"
MAX_PER_PAGE = 200
INSTANCE_STATUSES = ("running", "completed", "terminated", "error")
PUBLIC_ENDPOINTS = frozenset({"api.issue_token", "api.openapi_document"})

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
    500: "server_error",
}
DOMAIN_STATUS: tuple[tuple[type[CaseworkError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (ValidationFailed, 422),
    (DefinitionInvalid, 422),
    (ScriptFailed, 422),
)


class ApiError(Exception):
    """An error the API itself detects (bad JSON, bad credentials), answered like domain errors."""

    def __init__(self, code: str, status: int, **details: Any) -> None:
        super().__init__(code)
        self.code, self.status, self.details = code, status, details


# --- error answers: the one place that maps errors to JSON ---------------------------------------


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


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.code, exc.status, exc.details)


@bp.errorhandler(CaseworkError)
def _domain_error(exc: CaseworkError) -> Response:
    status = next((s for cls, s in DOMAIN_STATUS if isinstance(exc, cls)), 400)
    if isinstance(exc, DefinitionInvalid):
        # the message names the failing elements too; details.errors has every problem in full
        errors = [p for p in exc.problems if p.severity == "error"]
        listed = "; ".join(f"{p.file} [{p.element_id or '-'}]: {p.message}" for p in errors[:3])
        more = f" (+{len(errors) - 3})" if len(errors) > 3 else ""
        return error_response(exc.code, status, dict(exc.details), suffix=f" {listed}{more}")
    return error_response(exc.code, status, dict(exc.details), exc.message)


def _http_error(exc: HTTPException) -> Response:
    if isinstance(exc, CSRFError):
        return error_response("csrf_failed", 403)
    status = exc.code or 500
    response = error_response(HTTP_CODES.get(status, "http_error"), status)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
    return response


# Registered per status code: Flask looks up app handlers by code before blueprint handlers by
# class, so a generic HTTPException handler here would lose to the HTML 404 page of webapp/errors.py.
for _status in (400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429, 500):
    bp.register_error_handler(_status, _http_error)
bp.register_error_handler(HTTPException, _http_error)


@bp.before_app_request
def _routing_errors() -> Response | None:
    """Unknown paths and methods under /api/ never reach a blueprint: answer them in JSON here."""
    exc = request.routing_exception
    if exc is None or not request.path.startswith(API_ROOT):
        return None
    if isinstance(exc, HTTPException) and (exc.code or 500) >= 400:
        return _http_error(exc)
    return None


@bp.record_once
def _exempt_from_csrf(state: Any) -> None:
    # bearer-token calls need no CSRF token; session calls are checked in _authenticate
    csrf.exempt(bp)


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if bearer_token(request) is not None:
        user = current_app.login_manager.request_callback(request)  # type: ignore[attr-defined]
        if user is None:
            raise ApiError("not_authenticated", 401, reason="invalid_token")
        g._login_user = user  # a token wins over a session cookie sent along (flask-login's slot)
        return
    if not current_user.is_authenticated:
        raise ApiError("not_authenticated", 401)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # only unsafe methods are checked


# --- input helpers ------------------------------------------------------------------------------


def json_body() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``.

    Raises:
        ApiError: 400 for malformed JSON, anything but an object or nesting past JSON_MAX_DEPTH;
            422 for a number JSON cannot carry (NaN, Infinity, 1e400).
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json_input.loads(raw)
    except json_input.JsonTooDeep as exc:
        raise ApiError("json_too_deep", 400, max_depth=exc.limit) from None
    except json_input.JsonNonFinite as exc:
        raise ApiError("non_finite_number", 422, number=exc.literal) from None
    except ValueError as exc:
        raise ApiError("malformed_json", 400, reason=str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError("malformed_json", 400, reason="a JSON object is expected")
    return body


def int_arg(name: str, default: int | None, *, maximum: int | None = None) -> int | None:
    """A positive whole-number query parameter, capped at ``maximum`` (API.md: per_page max 200).

    Raises ValidationFailed naming it when it is not a whole number of at least 1.
    """
    raw = request.args.get(name)
    if raw is None:
        return default
    text = raw.strip()
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else 0
    if value < 1:
        raise ValidationFailed(
            f"Ungültiger Parameter '{name}'.", {name: "Ganze Zahl von 1 bis 999999999 erwartet."}
        )
    return min(value, maximum) if maximum is not None else value


def paging() -> dict[str, int]:
    return {"page": int_arg("page", 1) or 1, "per_page": int_arg("per_page", 50, maximum=MAX_PER_PAGE) or 50}


def choice_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationFailed(f"Ungültiger Parameter '{name}'.", {name: f"Erlaubt: {', '.join(allowed)}"})
    return value


def bool_arg(name: str) -> bool:
    value = choice_arg(name, ("true", "false", "1", "0"))
    return value in ("true", "1")


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("Die Eingaben sind ungültig.", {name: "Pflichtfeld."})
        return None
    if not isinstance(value, str):
        raise ValidationFailed("Die Eingaben sind ungültig.", {name: "Zeichenkette erwartet."})
    return value.strip()


def id_field(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValidationFailed("Die Eingaben sind ungültig.", {name: "Kennung erwartet."})


def uploaded_files() -> dict[str, bytes]:
    """The multipart ``files``, by base name (a browser may send a path)."""
    return {
        PurePosixPath((f.filename or "").replace("\\", "/")).name: f.read()
        for f in request.files.getlist("files")
    }


def page_of(values: list[Any], page: int, per_page: int) -> Page[Any]:
    start = (page - 1) * per_page
    return Page(
        items=tuple(values[start : start + per_page]), total=len(values), page=page, per_page=per_page
    )


# --- authentication and the caller --------------------------------------------------------------


@bp.post("/auth/token")
def issue_token() -> Response:
    body = json_body()
    credentials = {n: body.get(n) for n in ("username", "password")}
    missing = {
        n: "Pflichtfeld (Zeichenkette)." for n, v in credentials.items() if not isinstance(v, str) or not v
    }
    if missing:
        # invalid data, not malformed JSON: 422 with details.fields, as everywhere in the API
        raise ApiError("validation_failed", 422, fields=missing)
    found = services().directory.authenticate(credentials["username"], credentials["password"])
    if found is None:
        raise ApiError("invalid_credentials", 401)
    token, expires_at = auth_setup.issue_token(found.user_id)
    return jsonify(serialise.token(token, expires_at))


@bp.get("/me")
def me() -> Response:
    who = actor()
    return jsonify(serialise.me(who, services().directory.organisation_name(who.primary_organisation_id)))


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(build_document())


# --- process definitions ------------------------------------------------------------------------


@bp.get("/process-definitions")
def list_definitions() -> Response:
    definitions = services().repository.list_definitions_with_forms()
    result = page_of(definitions, **paging())
    return jsonify(serialise.page(result, partial(serialise.definition, actor=actor())))


@bp.get("/process-definitions/<key>")
def get_definition(key: str) -> Response:
    info = services().repository.get_definition_with_form(key, int_arg("version", None))
    return jsonify(serialise.definition(info, actor()))


@bp.get("/process-definitions/<key>/versions")
def list_versions(key: str) -> Response:
    """Every version, newest first, each with its own start form (as the single-version answer)."""
    repository = services().repository
    versions = [repository.get_definition_with_form(key, d.version) for d in repository.list_versions(key)]
    return jsonify(serialise.items(versions, serialise.definition))


@bp.get("/process-definitions/<key>/bpmn")
def get_bpmn(key: str) -> Response:
    xml = services().repository.get_bpmn(key, int_arg("version", None))
    return Response(xml, mimetype="application/xml")


@bp.post("/process-definitions")
def deploy() -> tuple[Response, int]:
    # 201 as API.md's table says, also when a file was unchanged: "created" false tells that apart
    unplaced: list[Problem] = []
    results = services().repository.deploy(uploaded_files(), actor=actor(), unplaced=unplaced)
    return jsonify(serialise.deployment(results, unplaced)), 201


# --- process instances --------------------------------------------------------------------------


@bp.post("/process-instances")
def start_instance() -> tuple[Response, int, dict[str, str]]:
    body = json_body()
    info = services().runtime.start(
        text_field(body, "process_key", required=True) or "",
        actor=actor(),
        business_key=text_field(body, "business_key"),
        variables=body.get("variables"),
        organisation_id=id_field(body, "organisation_id"),
    )
    location = url_for(".get_instance", instance_id=info.id)
    return jsonify(serialise.instance(info)), 201, {"Location": location}


@bp.get("/process-instances")
def list_instances() -> Response:
    result = services().runtime.list(
        actor=actor(),
        process_key=request.args.get("process_key") or None,
        status=choice_arg("status", INSTANCE_STATUSES),
        business_key=request.args.get("business_key") or None,
        **paging(),
    )
    return jsonify(serialise.page(result, serialise.instance_summary))


@bp.get("/process-instances/<instance_id>")
def get_instance(instance_id: str) -> Response:
    return jsonify(serialise.instance(services().runtime.get(instance_id, actor=actor())))


@bp.get("/process-instances/<instance_id>/history")
def instance_history(instance_id: str) -> Response:
    # the list convention of API.md; a page holds up to 200 events so most cases fit on one
    page = int_arg("page", 1) or 1
    per_page = int_arg("per_page", MAX_PER_PAGE, maximum=MAX_PER_PAGE) or MAX_PER_PAGE
    # "intact": the hash chain over all events is unbroken (nothing changed or removed)
    result, intact = services().runtime.page_history(instance_id, actor=actor(), page=page, per_page=per_page)
    return jsonify({**serialise.page(result, serialise.history_entry), "intact": intact})


@bp.post("/process-instances/<instance_id>/terminate")
def terminate_instance(instance_id: str) -> Response:
    reason = text_field(json_body(), "reason") or ""
    info = services().runtime.terminate(instance_id, actor=actor(), reason=reason)
    return jsonify(serialise.instance(info))


@bp.post("/process-instances/<instance_id>/retry")
def retry_instance(instance_id: str) -> Response:
    """An admin runs a failed case's failed tasks again, optionally with corrected ``variables``."""
    variables = json_body().get("variables")
    info = services().runtime.retry(instance_id, actor=actor(), variables=variables)
    return jsonify(serialise.instance(info))


# --- tasks --------------------------------------------------------------------------------------


@bp.get("/tasks")
def list_tasks() -> Response:
    result = services().tasks.list(
        actor=actor(),
        scope=request.args.get("scope") or "all",
        process_key=request.args.get("process_key") or None,
        process_instance_id=request.args.get("process_instance_id") or None,
        overdue=bool_arg("overdue"),
        **paging(),
    )
    return jsonify(serialise.page(result, serialise.task))


@bp.get("/tasks/<task_id>")
def get_task(task_id: str) -> Response:
    return jsonify(serialise.task_detail(services().tasks.get(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str) -> Response:
    return jsonify(serialise.task(services().tasks.claim(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str) -> Response:
    return jsonify(serialise.task(services().tasks.unclaim(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/assign")
def assign_task(task_id: str) -> Response:
    username = text_field(json_body(), "username", required=True) or ""
    return jsonify(serialise.task(services().tasks.assign(task_id, actor=actor(), username=username)))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str) -> Response:
    """A field left out of ``data`` takes the value the task's form shows (``form.values``), as in the
    browser, where the form comes pre-filled: e.g. ``end_date`` defaults to the requested date."""
    data = json_body().get("data", {})
    info = services().tasks.complete(task_id, actor=actor(), data=data)
    return jsonify({"process_instance": serialise.instance(info)})


__all__ = ["bp", "error_response"]
