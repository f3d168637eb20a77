"""Admin pages for the committees (TV, KA, council, Beirat): members, sides, chair and terms."""

from __future__ import annotations

from flask import Blueprint

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("committees", __name__, url_prefix="/admin/committees"))

from webapp.committees import routes  # noqa: E402,F401  (registers the views on bp)
