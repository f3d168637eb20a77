"""The case file over the API (API.md "Additions"): notes, documents, withdrawal and absences."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from casework.casefile.records import NoteInfo
from webapp.api.routes import bp, json_body
from webapp.api.serialise import iso
from webapp.common import actor, services


def note_json(note: NoteInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"id": note.id, "at": iso(note.at), "author": note.author, "text": note.text}
    if note.task_id:
        data["task_id"] = note.task_id
    return data


@bp.get("/process-instances/<instance_id>/notes")
def list_notes(instance_id: str) -> Response:
    notes = services().notes.list(instance_id, actor=actor())
    return jsonify({"items": [note_json(n) for n in notes], "total": len(notes)})


@bp.post("/process-instances/<instance_id>/notes")
def add_note(instance_id: str) -> tuple[Response, int]:
    body = json_body()
    note = services().notes.add(instance_id, actor=actor(), text=body.get("text"), task_id=body.get("task_id"))
    return jsonify(note_json(note)), 201
