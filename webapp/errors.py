"""Maps domain errors to HTML answers for the browser UI (the API has its own JSON handlers)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.errors import CaseworkError, Conflict, Forbidden, NotFound
from webapp.i18n import current_locale

# The services word their messages in German; a page in another language says it generically.
GENERIC_MESSAGES = (
    (NotFound, _l("This page does not exist or is not visible to you.")),
    (Forbidden, _l("You are not allowed to do this.")),
    (Conflict, _l("Someone else has changed, claimed or completed this in the meantime; nothing was saved.")),
)


def ui_message(exc: CaseworkError) -> str:
    """The service's (German) message on a German page, else a generic one in the page's language."""
    if current_locale() == "de":
        return exc.message
    return next((str(text) for cls, text in GENERIC_MESSAGES if isinstance(exc, cls)), exc.message)


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=404, title=_("Not found"), message=ui_message(exc)), 404

    @app.errorhandler(404)
    def _http_404(exc: Exception):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=404, title=_("Not found"),
                               message=_("This page does not exist or is not visible to you.")), 404

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=403, title=_("Not allowed"), message=ui_message(exc)), 403

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):  # type: ignore[no-untyped-def]
        return render_template("error.html", status=409, title=_("Conflict"), message=ui_message(exc)), 409
