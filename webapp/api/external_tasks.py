"""External tasks for workers (API.md, "external-tasks"): fetch-and-lock, complete, failure,
bpmn-error and extend-lock. Workers authenticate as service accounts (bearer token); setting
``EXTERNAL_TASK_WORKERS`` names the topics each may work on (casework.cases.external_tasks).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from webapp.api.routes import bp, json_body
from webapp.api.serialise import iso
from webapp.common import actor, services


def _locked(task: Any) -> dict[str, Any]:
    return {
        "id": task.id,
        "topic": task.topic,
        "process_instance_id": task.process_instance_id,
        "business_key": task.business_key,
        "variables": task.variables,
        "lock_expires_at": iso(task.lock_expires_at),
        "retries": task.retries,
        "element_id": task.element_id,
        "process_key": task.process_key,
    }


@bp.post("/external-tasks/fetch-and-lock")
def fetch_and_lock() -> Response:
    body = json_body()
    tasks = services().external_tasks.fetch_and_lock(
        actor=actor(), worker_id=body.get("worker_id"), max_tasks=body.get("max_tasks"), topics=body.get("topics"))
    return jsonify([_locked(t) for t in tasks])


@bp.post("/external-tasks/<task_id>/complete")
def complete_external_task(task_id: str) -> tuple[str, int]:
    body = json_body()
    services().external_tasks.complete(task_id, actor=actor(), worker_id=body.get("worker_id"),
                                       variables=body.get("variables"))
    return "", 204


@bp.post("/external-tasks/<task_id>/failure")
def fail_external_task(task_id: str) -> tuple[str, int]:
    body = json_body()
    services().external_tasks.failure(
        task_id, actor=actor(), worker_id=body.get("worker_id"), error_message=body.get("error_message"),
        retries=body.get("retries"), retry_timeout_ms=body.get("retry_timeout_ms", 0))
    return "", 204


@bp.post("/external-tasks/<task_id>/bpmn-error")
def external_task_bpmn_error(task_id: str) -> tuple[str, int]:
    body = json_body()
    services().external_tasks.bpmn_error(task_id, actor=actor(), worker_id=body.get("worker_id"),
                                         error_code=body.get("error_code"), variables=body.get("variables"))
    return "", 204


@bp.post("/external-tasks/<task_id>/extend-lock")
def extend_external_task_lock(task_id: str) -> tuple[str, int]:
    body = json_body()
    services().external_tasks.extend_lock(task_id, actor=actor(), worker_id=body.get("worker_id"),
                                          new_duration_ms=body.get("new_duration_ms"))
    return "", 204
