"""POST /cases/<id>/notes: a note from the case or task page."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.casefile import bp
from webapp.common import actor, services


def _back(instance_id: str) -> str:
    """Back to the task page the form was on, else to the case page (never to another site)."""
    task_id = request.form.get("task_id") or ""
    if task_id and request.form.get("back") == "task":
        return url_for("inbox.task", task_id=task_id) + "#notes-title"
    return url_for("cases.show", instance_id=instance_id) + "#notes-title"


@bp.post("/cases/<instance_id>/notes")
def add_note(instance_id: str) -> Response:
    try:
        services().notes.add(
            instance_id, actor=actor(), text=request.form.get("text", ""), task_id=request.form.get("task_id") or None
        )
    except ValidationFailed as exc:
        flash(_("The note was not saved: %(reason)s", reason=exc.fields.get("text") or exc.message), "error")
    else:
        flash(_("The note has been saved."), "success")
    return redirect(_back(instance_id))
