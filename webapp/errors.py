"""Maps domain errors to HTML answers for the browser UI (the API has its own JSON handlers)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _

from casework.errors import Conflict, Forbidden, NotFound


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=404, title=_("Not found"), message=exc.message), 404

    @app.errorhandler(404)
    def _http_404(exc: Exception):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=404, title=_("Not found"),
                               message=_("This page does not exist or is not visible to you.")), 404

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=403, title=_("Not allowed"), message=exc.message), 403

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=409, title=_("Conflict"), message=exc.message), 409
