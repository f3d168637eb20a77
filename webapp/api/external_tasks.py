"""External tasks for workers (API.md, "external-tasks"): fetch-and-lock, complete, failure,
bpmn-error and extend-lock. Workers authenticate as service accounts (bearer token); setting
``EXTERNAL_TASK_WORKERS`` names the topics each may work on (casework.cases.external_tasks).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import Field, RootModel

from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, FreeObject, Text, Time
from webapp.api.serialise import iso
from webapp.api.spec import endpoint
from webapp.common import actor, services

TAG = "external-tasks"
MAX_LOCK_MS = 24 * 3600 * 1000
WORKER_ID = "the worker's own id; the lock belongs to it"
HELD = "Only the worker holding a live lock; 409 when the lock is gone or held by another worker."


class ExternalTopic(Body):
    topic: Text = Field(description="camunda:topic of the service task")
    lock_duration_ms: int = Field(ge=1, le=MAX_LOCK_MS, description="how long the fetched tasks stay locked")
    variables: list[str] | None = Field(None, description="the case variables to send along (default: all)")


class FetchAndLock(Body):
    """Locks up to max_tasks fetchable tasks of the topics, oldest first: no live lock holds them,
    their retry wait is over and they are no incident (retries 0)."""

    worker_id: Text = Field(description=WORKER_ID)
    max_tasks: int = Field(ge=1, le=100)
    topics: list[ExternalTopic] = Field(min_length=1)


class LockedExternalTask(Answer):
    id: str
    topic: str
    process_instance_id: str
    business_key: str | None
    variables: FreeObject
    lock_expires_at: Time
    retries: int | None = Field(description="null until a failure set it")
    element_id: str = Field(description="BPMN id of the service task")
    process_key: str


class LockedExternalTasks(RootModel[list[LockedExternalTask]]):
    pass


class ExternalComplete(Body):
    worker_id: Text = Field(description=WORKER_ID)
    variables: FreeObject | None = Field(None, description="become case variables")


class ExternalFailure(Body):
    worker_id: Text = Field(description=WORKER_ID)
    error_message: Text = Field(description="why it failed")
    retries: int = Field(ge=0, le=1000, description="retries left; 0 makes the case an incident (an admin retries)")
    retry_timeout_ms: int = Field(0, ge=0, le=MAX_LOCK_MS, description="wait before the task can be fetched again")


class ExternalBpmnError(Body):
    """An error event catching error_code takes over; if none catches it the case becomes an incident."""

    worker_id: Text = Field(description=WORKER_ID)
    error_code: Text = Field(description="the errorCode of a bpmn:error")
    variables: FreeObject | None = Field(None, description="become case variables")


class ExtendLock(Body):
    worker_id: Text = Field(description=WORKER_ID)
    new_duration_ms: int = Field(ge=1, le=MAX_LOCK_MS, description="the lock holds this long from now")


def _locked(task: Any) -> dict[str, Any]:
    return {
        "id": task.id, "topic": task.topic, "process_instance_id": task.process_instance_id,
        "business_key": task.business_key, "variables": task.variables,
        "lock_expires_at": iso(task.lock_expires_at), "retries": task.retries,
        "element_id": task.element_id, "process_key": task.process_key,
    }


@bp.post("/external-tasks/fetch-and-lock")
@endpoint(TAG, 200, LockedExternalTasks, "The tasks now locked for this worker", 400, 403, 422)
def fetch_and_lock(json: FetchAndLock) -> Response:
    """Fetch and lock external tasks of some topics.

    For service accounts allowed for every topic asked for (setting EXTERNAL_TASK_WORKERS); 403
    otherwise. On PostgreSQL concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED).
    """
    tasks = services().external_tasks.fetch_and_lock(
        actor=actor(), worker_id=json.worker_id, max_tasks=json.max_tasks,
        topics=[t.model_dump() for t in json.topics])
    return jsonify([_locked(t) for t in tasks])


@bp.post("/external-tasks/<task_id>/complete")
@endpoint(TAG, 204, None, "Completed; the case went on", 400, 403, 404, 409, 422)
def complete_external_task(task_id: str, json: ExternalComplete) -> tuple[str, int]:
    """Complete an external task (its variables go into the case).

    Only the worker holding a live lock; 409 when the lock is gone or held by another worker.
    """
    services().external_tasks.complete(task_id, actor=actor(), worker_id=json.worker_id, variables=json.variables)
    return "", 204


@bp.post("/external-tasks/<task_id>/failure")
@endpoint(TAG, 204, None, "Recorded", 400, 403, 404, 409, 422)
def fail_external_task(task_id: str, json: ExternalFailure) -> tuple[str, int]:
    """Report a failure of an external task; with no retries left the case becomes an incident.

    Only the worker holding a live lock; 409 when the lock is gone or held by another worker.
    """
    services().external_tasks.failure(
        task_id, actor=actor(), worker_id=json.worker_id, error_message=json.error_message,
        retries=json.retries, retry_timeout_ms=json.retry_timeout_ms)
    return "", 204


@bp.post("/external-tasks/<task_id>/bpmn-error")
@endpoint(TAG, 204, None, "Thrown", 400, 403, 404, 409, 422)
def external_task_bpmn_error(task_id: str, json: ExternalBpmnError) -> tuple[str, int]:
    """Report a BPMN error of an external task (an error event catching its code takes over).

    Only the worker holding a live lock; 409 when the lock is gone or held by another worker.
    """
    services().external_tasks.bpmn_error(task_id, actor=actor(), worker_id=json.worker_id,
                                         error_code=json.error_code, variables=json.variables)
    return "", 204


@bp.post("/external-tasks/<task_id>/extend-lock")
@endpoint(TAG, 204, None, "Extended", 400, 403, 404, 409, 422)
def extend_external_task_lock(task_id: str, json: ExtendLock) -> tuple[str, int]:
    """Extend the lock of an external task.

    Only the worker holding a live lock; 409 when the lock is gone or held by another worker.
    """
    services().external_tasks.extend_lock(task_id, actor=actor(), worker_id=json.worker_id,
                                          new_duration_ms=json.new_duration_ms)
    return "", 204
