"""The case file on the pages (issue 14): notes, documents, withdrawal and termination, absences."""

from __future__ import annotations

from flask import Blueprint, Flask

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("casefile", __name__))

from webapp.casefile import routes  # noqa: E402,F401  (registers the views on bp)
from webapp.casefile.pages import case_file_for  # noqa: E402


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # the case and task pages show the case file through this one helper
    app.jinja_env.globals.update(case_file_for=case_file_for)
