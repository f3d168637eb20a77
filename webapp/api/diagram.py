"""GET /api/v1/process-instances/{id}/diagram: a case drawn on its own version's diagram (issue 5)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify
from pydantic import Field

from webapp.api.routes import bp
from webapp.api.schemas import Answer
from webapp.api.spec import endpoint
from webapp.common import actor, services


class Diagram(Answer):
    """The BPMN of the case's own version and its elements by state; an element reached again (a loop)
    counts only as its current state."""

    process_key: str
    version: int
    xml: str = Field(description="the BPMN XML of the version the case runs on")
    completed: list[str] = Field(description="BPMN element ids")
    active: list[str] = Field(description="human tasks someone has to do")
    waiting: list[str] = Field(description="timers, messages and other events the case waits for")
    failed: list[str] = Field(description="elements whose step failed")


@bp.get("/process-instances/<instance_id>/diagram")
@endpoint("instances", 200, Diagram, "The diagram and the element ids by state", 404)
def instance_diagram(instance_id: str) -> Response:
    """The case on its diagram: path done, open tasks, waits.

    The same data as the case page's viewer; 404 for cases the caller may not see.
    """
    return jsonify(asdict(services().runtime.diagram_state(instance_id, actor=actor())))
