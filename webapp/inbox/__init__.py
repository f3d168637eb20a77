"""The inbox: my tasks and my groups' tasks, claiming them, and the task page with its form."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from webapp.forms import csrf_failed

bp = Blueprint("inbox", __name__)
bp.register_error_handler(CSRFError, csrf_failed)


@bp.before_request
def _sign_in_first():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


from webapp.inbox import routes  # noqa: E402,F401  (registers the views on bp)
