"""The case file on the pages (issue 14): notes, documents, withdrawal and termination, absences."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("casefile", __name__))

from webapp.casefile import routes  # noqa: E402,F401  (registers the views on bp)
from webapp.casefile.cli import documents_cli  # noqa: E402
from webapp.casefile.downloads import init_upload_limit  # noqa: E402
from webapp.casefile.pages import case_file_for, file_size, may_reassign, my_absence  # noqa: E402


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    init_upload_limit(app)
    app.cli.add_command(documents_cli)
    app.register_error_handler(413, _too_large)
    # the case and task pages show the case file through this one helper
    app.jinja_env.globals.update(case_file_for=case_file_for, my_absence=my_absence, may_reassign=may_reassign)
    app.jinja_env.filters.update(file_size=file_size)


def _too_large(exc: Exception) -> tuple[str, int]:
    """An upload over the limit on a page (the API answers in JSON itself)."""
    from flask import render_template
    from flask_babel import gettext as _

    message = _("The file is too large (at most %(mb)s MB).",
                mb=int(current_app.config["DOCUMENTS_MAX_BYTES"]) // 1048576)
    return render_template("error.html", status=413, title=_("Too large"), message=message), 413
