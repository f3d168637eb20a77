"""Database outages answer 503 with Retry-After, never 500 (issue 11 §5).

With the database unreachable (stopped, dropped, a wrong port), any request that touches it fails
with a driver error; here those errors become 503 with a German message: JSON in the API's shape
for ``/api/``, a self-contained HTML page for everything else (it reads no user, so it cannot fail
in turn). The pool checks a connection idle for a second before use (webapp/extensions.py), so the first request after
the database is back succeeds: no restart.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from casework.unit_of_work import is_outage

log = logging.getLogger(__name__)

GERMAN = "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in Kürze erneut."
ENGLISH = "The database is unreachable at the moment. Please try again shortly."
# static files and the health, readiness and metrics endpoints never need the user (each answers
# for an unreachable database in its own way)
_NO_USER = frozenset({"static", "healthz", "readyz", "metrics"})


def init_app(app: Flask) -> None:
    for error in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(error, _database_error)
    app.before_request(_resolve_user_first)


def _resolve_user_first() -> None:
    """Resolve the signed-in user (its one session lookup) before anything else, so an outage is
    a 503 here, never a failure inside a page or an error page that shows the user's name."""
    if request.endpoint not in _NO_USER:
        # an app context kept open around requests (tests, CLI) shares ``g``: never a former
        # request's user
        g.pop("_login_user", None)
        current_user._get_current_object()


def _database_error(exc: Exception) -> Response:
    if not is_outage(exc):
        raise exc  # the database refused one statement: a bug, which stays a 500 with its traceback
    retry_after = int(current_app.config.get("OUTAGE_RETRY_AFTER", 30))
    log.warning("database unreachable during %s %s: %s", request.method, request.path, type(exc).__name__)
    english = request.accept_languages.best_match(("de", "en"), default="de") == "en"
    message = ENGLISH if english else GERMAN
    # the templates' context asks for the user: an anonymous one now, not another failing lookup
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    if request.path.startswith("/api/"):
        response = jsonify(error="unavailable", message=message, details={"retry_after": retry_after})
    else:
        response = Response(render_template("outage.html", english=english, message=message), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
