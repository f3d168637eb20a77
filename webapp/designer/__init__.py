"""The process designer: BPMN/DMN modeler pages and their JSON endpoints (designers and admins only).

``diagram_bp`` serves the case page's diagram state to every user who may see the case.
"""

from __future__ import annotations

from flask import Blueprint

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("designer", __name__, url_prefix="/designer"))
diagram_bp = signed_in_pages(Blueprint("diagram", __name__))

from webapp.designer import diagram, routes  # noqa: E402,F401  (registers the views)
