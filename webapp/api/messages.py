"""POST /api/v1/messages: deliver a message to the cases waiting for it (API.md).

Any signed-in user may send; it reaches only the waiting cases the sender can see (admins: all),
and 404 means no such case (casework.messages).
"""

from __future__ import annotations

from flask import Response, jsonify

from webapp.api.routes import bp, json_body
from webapp.common import actor, services


@bp.post("/messages")
def correlate_message() -> Response:
    body = json_body()
    correlated = services().runtime.correlate_message(
        body.get("name"), body.get("correlation_key"), body.get("payload"), actor=actor()
    )
    return jsonify({"correlated": correlated})
