"""GET /api/v1/process-instances/{id}/diagram: a case drawn on its own version's diagram (issue 5)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify

from webapp.api.routes import bp
from webapp.common import actor, services


@bp.get("/process-instances/<instance_id>/diagram")
def instance_diagram(instance_id: str) -> Response:
    """The same data as the case page's viewer; 404 for cases the caller may not see."""
    return jsonify(asdict(services().runtime.diagram_state(instance_id, actor=actor())))
