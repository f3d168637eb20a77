"""Signing in and out of the browser UI (session cookie + CSRF; the API uses bearer tokens)."""

from flask import Blueprint
from flask_wtf.csrf import CSRFError

from webapp.forms import csrf_failed

bp = Blueprint("auth", __name__)
bp.register_error_handler(CSRFError, csrf_failed)

from webapp.auth import routes  # noqa: E402,F401  (registers the views on bp)
