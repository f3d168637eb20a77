"""Cases (process instances): start, list, one, history, terminate, retry (API.md)."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from pydantic import Field

from webapp.api import serialise
from webapp.api.routes import bp
from webapp.api.schemas import (
    MAX_PER_PAGE,
    Answer,
    Body,
    FreeObject,
    Identifier,
    Instance,
    InstancePage,
    InstanceStatus,
    OptionalText,
    Paging,
    PositiveNumber,
    Text,
    Time,
)
from webapp.api.spec import endpoint
from webapp.common import actor, services


class StartRequest(Body):
    process_key: Text
    business_key: OptionalText = None
    variables: FreeObject | None = Field(None, description="start variables, validated against the start form")
    organisation_id: Identifier | None = Field(
        None, description="owning organisation (default: the caller's primary one)"
    )


class InstanceQuery(Paging):
    process_key: str | None = Field(None, description="filter")
    status: InstanceStatus | None = Field(None, description="filter")
    business_key: str | None = Field(None, description="filter")
    q: str | None = Field(
        None, max_length=500,
        description="full-text search in what the caller may see: Aktenzeichen, process name and the case's "
        "labelled facts; case-insensitive, parts of words, umlauts and ß folded (Muller finds Müller); "
        "every word must match",
    )


class HistoryQuery(Paging):
    per_page: PositiveNumber = Field(MAX_PER_PAGE, description="events per page, at most 200 (the default)")


class HistoryEntry(Answer):
    at: Time
    actor: str | None
    action: str = Field(description="e.g. instance_started, task_claimed, task_completed")
    task_id: str | None = None
    task_name: str | None = None
    task_title: str | None = None
    data: FreeObject | None = Field(None, description="details")


class History(Answer):
    items: list[HistoryEntry]
    total: int
    page: int
    per_page: int
    intact: bool = Field(description="the hash chain over all events is unbroken (nothing changed or removed)")


class TerminateRequest(Body):
    reason: Text


class RetryRequest(Body):
    variables: FreeObject | None = Field(None, description="corrected variables for the failed tasks")
    latest_version: bool = Field(
        False, description="run on the process's latest version (the fixed model); 409 if it lacks tasks the case has"
    )


@bp.post("/process-instances")
@endpoint("instances", 201, Instance, "The new case (Location header names it)", 400, 403, 404, 422)
def start_instance(json: StartRequest) -> tuple[Response, int, dict[str, str]]:
    """Start a case (members of the starter groups)."""
    info = services().runtime.start(
        json.process_key,
        actor=actor(),
        business_key=json.business_key,
        variables=json.variables,
        organisation_id=int(json.organisation_id) if json.organisation_id else None,
    )
    location = url_for(".get_instance", instance_id=info.id)
    return jsonify(serialise.instance(info)), 201, {"Location": location}


@bp.get("/process-instances")
@endpoint("instances", 200, InstancePage, "A page of cases", 422)
def list_instances(query: InstanceQuery) -> Response:
    """Cases the caller may see, newest first."""
    result = services().runtime.list(
        actor=actor(),
        process_key=query.process_key,
        status=query.status,
        business_key=query.business_key,
        q=query.q,
        **query.window(),
    )
    return jsonify({**serialise.page(result, serialise.instance_summary), "total_capped": result.capped})


@bp.get("/process-instances/<instance_id>")
@endpoint("instances", 200, Instance, "The case", 404)
def get_instance(instance_id: str) -> Response:
    """One case with its open tasks."""
    return jsonify(serialise.instance(services().runtime.get(instance_id, actor=actor())))


@bp.get("/process-instances/<instance_id>/history")
@endpoint("instances", 200, History, "The events", 404, 422)
def instance_history(instance_id: str, query: HistoryQuery) -> Response:
    """The audit trail, oldest first; pages of up to 200 events (default per_page 200)."""
    result, intact = services().runtime.page_history(instance_id, actor=actor(), **query.window())
    return jsonify({**serialise.page(result, serialise.history_entry), "intact": intact})


@bp.post("/process-instances/<instance_id>/terminate")
@endpoint("instances", 200, Instance, "The terminated case", 400, 403, 404, 409, 422)
def terminate_instance(instance_id: str, json: TerminateRequest) -> Response:
    """Terminate a case; open tasks are cancelled (admin)."""
    info = services().runtime.terminate(instance_id, actor=actor(), reason=json.reason)
    return jsonify(serialise.instance(info))


@bp.post("/process-instances/<instance_id>/retry")
@endpoint("instances", 200, Instance, "The case after the retry", 400, 403, 404, 409, 422)
def retry_instance(instance_id: str, json: RetryRequest) -> Response:
    """Run a failed case's failed tasks again, optionally with corrected variables and on the
    process's latest version (admin)."""
    info = services().runtime.retry(instance_id, actor=actor(), variables=json.variables,
                                    latest_version=json.latest_version)
    return jsonify(serialise.instance(info))
