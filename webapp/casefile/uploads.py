"""Files given in a task form's ``file`` fields: stored as documents of the case before the task is
completed, so the form data carries the documents' ids (issue 14 §2)."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import FileStorage

from casework.errors import TooLarge, Unavailable, UnsupportedType, ValidationFailed
from webapp.common import actor, services
from webapp.errors import ui_message


def store_form_files(task: Any, form: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Upload each chosen file of the form's ``file`` fields; returns (field -> document id, field ->
    message of a refused file)."""
    given: dict[str, str] = {}
    refused: dict[str, str] = {}
    for spec_field, field in form.spec_fields():
        upload = field.data
        chosen = isinstance(upload, FileStorage) and bool(upload.filename)
        if spec_field.type != "file" or spec_field.readonly or not chosen:
            continue
        try:
            document = services().documents.add(
                task.process_instance_id, actor=actor(), source=upload.stream, filename=upload.filename,
                title=spec_field.label, task_id=task.id, field=spec_field.name,
            )
        except (TooLarge, UnsupportedType, Unavailable, ValidationFailed) as exc:
            refused[spec_field.name] = ui_message(exc)
        else:
            given[spec_field.name] = document.id
    return given, refused
