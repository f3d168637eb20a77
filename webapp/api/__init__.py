"""JSON API v1 (API.md) under /api/v1, and its readable reference page at /api/docs."""

from __future__ import annotations

from typing import Any

from webapp.api import accounts as _accounts  # noqa: F401 - token revocation, password, deactivation
from webapp.api import casefile as _casefile  # noqa: F401 - registers notes, documents, withdraw, absence
from webapp.api import deadlines as _deadlines  # noqa: F401 - registers POST /deadlines on bp
from webapp.api import diagram as _diagram  # noqa: F401 - registers GET /process-instances/{id}/diagram
from webapp.api import messages as _messages  # noqa: F401 - registers POST /messages on bp
from webapp.api.docs import docs_bp
from webapp.api.routes import bp


@bp.record_once
def _register_docs(state: Any) -> None:
    state.app.register_blueprint(docs_bp)


__all__ = ["bp"]
