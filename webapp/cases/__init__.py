"""Cases: the list, one case with its history, and starting a new case from a start form."""

from __future__ import annotations

from flask import Blueprint

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("cases", __name__))

from webapp.cases import routes  # noqa: E402,F401  (registers the views on bp)
