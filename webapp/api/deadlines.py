"""POST /api/v1/deadlines: the deadline calculator over JSON (API.md)."""

from __future__ import annotations

from flask import Response, jsonify

from webapp.api.routes import bp, json_body
from webapp.common import services


@bp.post("/deadlines")
def compute_deadline() -> Response:
    body = json_body()
    result = services().deadlines.compute(
        event_date=body.get("event_date"),
        posted_on=body.get("posted_on"),
        period=body.get("period"),
        land=body.get("land"),
        kind=body.get("kind"),
        counting=body.get("counting"),
        organisation_id=body.get("organisation"),
    )
    return jsonify(result.as_dict())
