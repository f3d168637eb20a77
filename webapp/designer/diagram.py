"""GET /cases/<id>/diagram.json: the case's own diagram with its progress, for the case page's viewer."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from webapp.common import actor, services
from webapp.designer import diagram_bp


@diagram_bp.get("/cases/<instance_id>/diagram.json")
def case_diagram(instance_id: str) -> Response:
    """404 for cases the user may not see, like the case page itself."""
    state = services().runtime.diagram_state(instance_id, actor=actor())
    return jsonify(asdict(state))
