"""POST /api/v1/messages: deliver a message to the cases waiting for it (API.md).

Any signed-in user may send; it reaches only the waiting cases the sender can see (admins: all),
and 404 means no such case (casework.messages).
"""

from __future__ import annotations

from flask import Response, jsonify
from pydantic import Field

from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, FreeObject, Text
from webapp.api.spec import endpoint
from webapp.common import actor, services


class MessageRequest(Body):
    """Reaches the waiting cases the caller can see (admins: all)."""

    name: Text = Field(description="the BPMN message name, e.g. resolution_received")
    correlation_key: str | None = Field(
        None,
        description="the value of the message's correlation property, e.g. a file number; null or absent "
        "for a case that waits without a key",
    )
    payload: FreeObject | None = Field(
        None, description="stored in each receiving case under the variable named like the message"
    )


class MessageResult(Answer):
    correlated: list[str] = Field(description="ids of the cases that received it")


@bp.post("/messages")
@endpoint("instances", 200, MessageResult, "The cases that received it", 400, 404, 409, 422)
def correlate_message(json: MessageRequest) -> Response:
    """Send a message to the cases waiting for it.

    404 when no case the caller can see waits for this name and key and no process the caller may
    start begins with this message; 409 when a waiting case changed meanwhile (send again). A message
    no case waits for starts a case of each process whose start event waits for it (the payload's
    entries become its variables, the correlation key its business key).
    """
    correlated = services().runtime.correlate_message(
        json.name, json.correlation_key, json.payload, actor=actor()
    )
    return jsonify({"correlated": correlated})
