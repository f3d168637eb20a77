"""Service records -> the JSON objects of API.md: times ISO 8601 with offset, identifiers as strings.

Times are shown in the app's time zone (``BABEL_DEFAULT_TIMEZONE``, Europe/Berlin), so a client
sees ``2026-11-25T10:00:00+01:00`` for a task created at 09:00 UTC; the offset keeps it exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app

from casework.presentation import present
from casework.records import Actor, DefinitionInfo, FormSpec, HistoryEntry, InstanceInfo, Page, TaskInfo
from webapp.i18n import current_locale

T = TypeVar("T")


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601; datetimes with offset (a naive one is taken as UTC, as the models store it)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return value.astimezone(zone).isoformat()


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def page(result: Page[T], item: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """The list convention of API.md."""
    return {
        "items": [item(i) for i in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def items(values: Iterable[T], item: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """An unpaged list in the same envelope (history, versions)."""
    listed = [item(v) for v in values]
    return {"items": listed, "total": len(listed)}


def me(actor: Actor, organisation: str | None) -> dict[str, Any]:
    return {
        "username": actor.username,
        "display_name": actor.display_name,
        "email": actor.email,
        "groups": sorted(actor.groups),
        "organisation": organisation,
        "organisation_id": _id(actor.primary_organisation_id),
        "is_admin": actor.is_admin,
    }


def token(value: str, expires_at: datetime) -> dict[str, Any]:
    return {"token": value, "token_type": "Bearer", "expires_at": iso(expires_at)}


def form(spec: FormSpec | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return (spec or FormSpec()).as_dict(values if values is not None else {})


def definition(info: DefinitionInfo, actor: Actor | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": _id(info.id),
        "key": info.key,
        "name": info.name,
        "version": info.version,
        "deployed_at": iso(info.deployed_at),
        "deployed_by": info.deployed_by,
        "starter_groups": list(info.starter_groups),
        "start_form": {"fields": form(info.start_form)["fields"]},
        "warnings": [dict(w) for w in info.warnings],
    }
    if actor is not None:
        d["can_start"] = bool(
            actor.is_admin or not info.starter_groups or set(info.starter_groups) & actor.groups
        )
    return d


def deployment(results: list[tuple[DefinitionInfo, bool]], unplaced: Any = ()) -> dict[str, Any]:
    """``deployed`` lists every process; with exactly one, its key/version/created are also top level.
    ``warnings`` lists what belongs to no deployed process (e.g. a file whose process is not executable)."""
    deployed = [
        {
            "key": info.key,
            "name": info.name,
            "version": info.version,
            "created": created,
            "deployed_at": iso(info.deployed_at),
            "warnings": [dict(w) for w in info.warnings] if created else [],
        }
        for info, created in results
    ]
    body: dict[str, Any] = {"deployed": deployed, "warnings": [p.as_dict() for p in unplaced]}
    if len(deployed) == 1:
        body.update(key=deployed[0]["key"], version=deployed[0]["version"], created=deployed[0]["created"])
    return body


def task(info: TaskInfo) -> dict[str, Any]:
    return {
        "id": _id(info.id),
        "name": info.name,
        "title": info.title,
        "process_instance_id": _id(info.process_instance_id),
        "process_key": info.process_key,
        "business_key": info.business_key,
        "assignee": info.assignee,
        "candidate_groups": list(info.candidate_groups),
        "candidate_users": list(info.candidate_users),
        "created_at": iso(info.created_at),
        "due_at": iso(info.due_at),
        "priority": info.priority,
        "state": info.state,
        "claimed_at": iso(info.claimed_at),
        "completed_at": iso(info.completed_at),
        "completed_by": info.completed_by,
        **({"on_behalf_of": info.on_behalf_of} if info.on_behalf_of else {}),
    }


def task_detail(info: TaskInfo) -> dict[str, Any]:
    """A task with its form; ``values`` (the current values) is also inside ``form``."""
    values = dict(info.form_values or {})
    detail = {
        **task(info),
        "documentation": info.documentation,
        "form": form(info.form, values),
        "values": values,
    }
    if info.progress is not None:
        detail["progress"] = {"completed": info.progress[0], "total": info.progress[1]}
    if info.facts:
        detail["facts"] = task_facts(info)
    return detail


def task_facts(info: TaskInfo) -> list[dict[str, Any]]:
    """The case facts the task page shows, formatted for the request's language (workflows/README.md)."""
    shown = present(info.facts, info.fact_data or {}, info.options or {}, {}, current_locale())
    found = []
    for fact in shown:
        item: dict[str, Any] = {"label": fact.label}
        if fact.is_table:
            item.update(headers=list(fact.headers), rows=[list(row) for row in fact.rows])
        elif fact.items:
            item["items"] = list(fact.items)
        else:
            item["text"] = fact.text
        found.append(item)
    return found


def instance_summary(info: InstanceInfo) -> dict[str, Any]:
    """An instance without its open tasks (list answers)."""
    error = None
    if info.status == "error" or info.error_message:
        error = {"element_id": info.error_element, "message": info.error_message}
    return {
        "id": _id(info.id),
        "process_key": info.process_key,
        "process_name": info.process_name,
        "version": info.version,
        "status": info.status,
        "business_key": info.business_key,
        "variables": info.variables,
        "started_at": iso(info.started_at),
        "started_by": info.started_by,
        "ended_at": iso(info.ended_at),
        "outcome": info.outcome,
        "organisation": info.organisation,
        "error": error,
    }


def instance(info: InstanceInfo) -> dict[str, Any]:
    return {**instance_summary(info), "open_tasks": [task(t) for t in info.open_tasks]}


def history_entry(entry: HistoryEntry) -> dict[str, Any]:
    """Optional keys (task_id, task_name, task_title, data) appear only when set."""
    d: dict[str, Any] = {"at": iso(entry.at), "actor": entry.actor, "action": entry.action}
    optional = {
        "task_id": _id(entry.task_id),
        "task_name": entry.task_name,
        "task_title": entry.task_title,
        "data": entry.data,
    }
    d.update({k: v for k, v in optional.items() if v is not None})
    return d
