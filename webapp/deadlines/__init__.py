"""The deadline calculator page (/deadlines) and the admin pages for legal parameters and municipal holidays."""

from __future__ import annotations

from flask import Blueprint

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("deadlines", __name__))

from webapp.deadlines import routes  # noqa: E402,F401  (registers the views on bp)
