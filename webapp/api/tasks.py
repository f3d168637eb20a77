"""Human tasks: the inbox, one task with its form, claim, unclaim, assign, complete (API.md)."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify
from pydantic import Field

from webapp.api import serialise
from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, FreeObject, Instance, Paging, Task, TaskDetail, TaskPage, Text
from webapp.api.spec import endpoint
from webapp.common import actor, services


class TaskQuery(Paging):
    scope: Literal["mine", "candidate", "all"] = Field(
        "all", description="mine: assigned to me; candidate: offered to my groups, unassigned; all: both"
    )
    process_key: str | None = Field(None, description="filter")
    process_instance_id: str | None = Field(None, description="filter")
    overdue: bool = Field(False, description="only tasks past their due date")
    due: Literal["overdue", "this_week", "none"] | None = Field(
        None, description="due state: overdue, due by the end of this week, or without a due date"
    )
    sort: str | None = Field(
        None, max_length=20,
        description="due_at (default order), created_at, priority, process_key or title; a leading - sorts descending",
    )


class AssignRequest(Body):
    username: Text


class CompleteRequest(Body):
    data: FreeObject = Field(default_factory=dict, description="form values")


class CompleteResult(Answer):
    process_instance: Instance


@bp.get("/tasks")
@endpoint("tasks", 200, TaskPage, "A page of tasks", 422)
def list_tasks(query: TaskQuery) -> Response:
    """Open tasks, by due date then priority."""
    result = services().tasks.list(
        actor=actor(),
        scope=query.scope,
        process_key=query.process_key,
        process_instance_id=query.process_instance_id,
        overdue=query.overdue,
        due=query.due,
        sort=query.sort,
        **query.window(),
    )
    return jsonify(serialise.page(result, serialise.task))


@bp.get("/tasks/<task_id>")
@endpoint("tasks", 200, TaskDetail, "The task", 404)
def get_task(task_id: str) -> Response:
    """A task with its form and current values (assignee or candidate)."""
    return jsonify(serialise.task_detail(services().tasks.get(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/claim")
@endpoint("tasks", 200, Task, "The task", 404, 409)
def claim_task(task_id: str) -> Response:
    """Claim a task (candidate)."""
    return jsonify(serialise.task(services().tasks.claim(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/unclaim")
@endpoint("tasks", 200, Task, "The task", 404, 409)
def unclaim_task(task_id: str) -> Response:
    """Give a task back to its groups (assignee)."""
    return jsonify(serialise.task(services().tasks.unclaim(task_id, actor=actor())))


@bp.post("/tasks/<task_id>/assign")
@endpoint("tasks", 200, Task, "The task", 400, 403, 404, 409, 422)
def assign_task(task_id: str, json: AssignRequest) -> Response:
    """Assign a task (supervisor or admin)."""
    return jsonify(serialise.task(services().tasks.assign(task_id, actor=actor(), username=json.username)))


@bp.post("/tasks/<task_id>/complete")
@endpoint("tasks", 200, CompleteResult, "The case after the step", 400, 404, 409, 422)
def complete_task(task_id: str, json: CompleteRequest) -> Response:
    """Complete a task (a candidate's complete claims it first).

    A form field left out of data takes the value the form shows (form.values of GET /tasks/{id}),
    e.g. a default, as in the browser, where the form comes pre-filled; send null to leave it empty.
    """
    info = services().tasks.complete(task_id, actor=actor(), data=json.data)
    return jsonify({"process_instance": serialise.instance(info)})
